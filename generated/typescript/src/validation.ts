/**
 * Checks a request against the spec's rules (src/spec.ts, written from plivo-dtmf.yaml at
 * generation time) before anything is sent: the same rule table, in the same order, as the
 * Python client's _spec.py.
 */

import { InvalidParameterError, type RuleKeyword } from "./errors.js";

/** The JSON Schema keywords of one value that the client enforces. */
export interface Rule {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly minLength?: number;
  readonly maxLength?: number;
  /** ECMA-262, as written in the spec. */
  readonly pattern?: string;
  readonly const?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly multipleOf?: number;
  /** Only the formats in FORMATS below; generation fails on any other (as for Python). */
  readonly format?: string;
}

/** Rules by location, then by parameter or property name; `required` body properties. */
export interface OperationRules {
  readonly path: Readonly<Record<string, Rule>>;
  readonly query: Readonly<Record<string, Rule>>;
  readonly body: Readonly<Record<string, Rule>>;
  readonly required: readonly string[];
}

const compiled = new Map<string, RegExp>();

function regex(pattern: string): RegExp {
  let found = compiled.get(pattern);
  if (found === undefined) {
    // The `u` flag: the spec's patterns are ECMA-262 with Unicode code points, as JSON Schema says.
    found = new RegExp(pattern, "u");
    compiled.set(pattern, found);
  }
  return found;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value === "object" ? "object" : typeof value;
}

function matchesType(value: unknown, expected: string): boolean {
  const actual = jsonType(value);
  return actual === expected || (expected === "number" && actual === "integer");
}

/** Length in Unicode code points, as JSON Schema counts (not UTF-16 code units). */
function codePoints(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

// RFC 3986 `URI` as JSON Schema's "uri" format reads it, the same grammar as the Python
// client's _spec.py: absolute, ASCII only, every `%` followed by two hex digits.
const PCT = "%[0-9A-Fa-f]{2}";
const PCHAR = `(?:[A-Za-z0-9\\-._~!$&'()*+,;=:@]|${PCT})`;
const URI = new RegExp(
  "^[A-Za-z][A-Za-z0-9+\\-.]*:" +
    "(?:" +
    `//(?:(?:[A-Za-z0-9\\-._~!$&'()*+,;=:]|${PCT})*@)?` +
    `(?:\\[([^\\]]*)\\]|(?:[A-Za-z0-9\\-._~!$&'()*+,;=]|${PCT})*)` +
    "(?::[0-9]*)?" +
    `(?:/${PCHAR}*)*` +
    `|/(?:${PCHAR}+(?:/${PCHAR}*)*)?` +
    `|${PCHAR}+(?:/${PCHAR}*)*` +
    "|" +
    ")" +
    `(?:\\?(?:${PCHAR}|[/?])*)?` +
    `(?:#(?:${PCHAR}|[/?])*)?$`,
);
const IP_FUTURE = /^v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+$/;

function isUri(value: string): boolean {
  const found = URI.exec(value);
  if (found === null) return false;
  const literal = found[1];
  if (literal === undefined || IP_FUTURE.test(literal)) return true;
  if (literal.includes("%")) return false; // a zone ID is not part of RFC 3986
  try {
    // The WHATWG URL parser accepts exactly the IPv6 literals (RFC 4291 text forms).
    new URL(`http://[${literal}]/`);
    return true;
  } catch {
    return false;
  }
}

/** The `format` values the client checks, and how a message names them. */
const FORMATS: Readonly<Record<string, readonly [(value: string) => boolean, string]>> = {
  uri: [isUri, "an absolute URI (RFC 3986)"],
};

function checkNumber(field: string, value: number, rule: Rule): void {
  const bounds: ReadonlyArray<readonly [RuleKeyword, number | undefined, (v: number, l: number) => boolean, string]> = [
    ["minimum", rule.minimum, (v, l) => v >= l, "at least"],
    ["maximum", rule.maximum, (v, l) => v <= l, "at most"],
    ["exclusiveMinimum", rule.exclusiveMinimum, (v, l) => v > l, "more than"],
    ["exclusiveMaximum", rule.exclusiveMaximum, (v, l) => v < l, "less than"],
  ];
  for (const [keyword, limit, holds, words] of bounds) {
    if (limit !== undefined && !holds(value, limit)) {
      throw new InvalidParameterError(field, keyword, limit, value, `must be ${words} ${limit}`);
    }
  }
  const step = rule.multipleOf;
  if (step !== undefined && Number.isFinite(value)) {
    // Decimal steps in binary floating point: 0.3 / 0.1 is 2.9999999999999996, a multiple.
    const quotient = value / step;
    if (Math.abs(quotient - Math.round(quotient)) > 1e-9 * Math.max(1, Math.abs(quotient))) {
      throw new InvalidParameterError(field, "multipleOf", step, value, `must be a multiple of ${step}`);
    }
  }
}

/** Throw InvalidParameterError if `value` breaks `rule`; the order makes the message the most useful one. */
export function checkValue(field: string, value: unknown, rule: Rule): void {
  const expected = rule.type;
  if (expected !== undefined && !matchesType(value, expected)) {
    throw new InvalidParameterError(field, "type", expected, value, `must be a JSON ${expected}, not ${jsonType(value)}`);
  }
  if (rule.enum !== undefined && !rule.enum.includes(value)) {
    const allowed = rule.enum.map((v) => JSON.stringify(v)).join(", ");
    throw new InvalidParameterError(field, "enum", rule.enum, value, `must be one of ${allowed}`);
  }
  if ("const" in rule && JSON.stringify(value) !== JSON.stringify(rule.const)) {
    throw new InvalidParameterError(field, "const", rule.const, value, `must be ${JSON.stringify(rule.const)}`);
  }
  if (typeof value === "number") {
    checkNumber(field, value, rule);
  }
  if (typeof value !== "string") {
    return;
  }
  if (rule.minLength !== undefined || rule.maxLength !== undefined) {
    const length = codePoints(value);
    if (rule.minLength !== undefined && length < rule.minLength) {
      throw new InvalidParameterError(
        field,
        "minLength",
        rule.minLength,
        value,
        `must be at least ${rule.minLength} characters long, not ${length}`,
      );
    }
    if (rule.maxLength !== undefined && length > rule.maxLength) {
      throw new InvalidParameterError(
        field,
        "maxLength",
        rule.maxLength,
        value,
        `must be at most ${rule.maxLength} characters long, not ${length}`,
      );
    }
  }
  if (rule.pattern !== undefined && !regex(rule.pattern).test(value)) {
    throw new InvalidParameterError(field, "pattern", rule.pattern, value, `must match the pattern ${rule.pattern}`);
  }
  if (rule.format !== undefined) {
    const known = FORMATS[rule.format];
    if (known !== undefined && !known[0](value)) {
      throw new InvalidParameterError(field, "format", rule.format, value, `must be ${known[1]}`);
    }
  }
}

/** Throw InvalidParameterError for the first value of a request that breaks a rule of the spec. */
export function checkRequest(
  rules: OperationRules,
  path: Readonly<Record<string, unknown>>,
  query: Readonly<Record<string, unknown>>,
  body: unknown,
): void {
  for (const [name, value] of Object.entries(path)) {
    const rule = rules.path[name];
    if (rule !== undefined) checkValue(name, value, rule);
  }
  for (const [name, value] of Object.entries(query)) {
    const rule = rules.query[name];
    if (rule !== undefined) checkValue(name, value, rule);
  }
  if (body === undefined) {
    return;
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new InvalidParameterError("body", "type", "object", body, `must be a JSON object, not ${jsonType(body)}`);
  }
  const fields = body as Record<string, unknown>;
  // The client sends only what the spec names (scripts/generate_typescript.py's
  // closed_requests): a misspelt field would be ignored by the server, silently, so that
  // `legs: "bleg"` played the digits on the default leg. Checked first: a typo explains a
  // missing required field better than "is required" does.
  for (const [name, value] of Object.entries(fields)) {
    if (!Object.hasOwn(rules.body, name)) {
      const named = Object.keys(rules.body).join(", ");
      throw new InvalidParameterError(name, "additionalProperties", false, value, `is not a field of the request body (${named})`);
    }
  }
  for (const name of rules.required) {
    if (fields[name] === undefined) {
      throw new InvalidParameterError(name, "required", true, undefined, "is required");
    }
  }
  for (const [name, rule] of Object.entries(rules.body)) {
    const value = fields[name];
    // JSON.stringify drops undefined properties: they are not sent, so not checked.
    if (value !== undefined) checkValue(name, value, rule);
  }
}
