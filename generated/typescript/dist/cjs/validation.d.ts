/**
 * Checks a request against the spec's rules (src/spec.ts, written from plivo-dtmf.yaml at
 * generation time) before anything is sent: the same rule table, in the same order, as the
 * Python client's _spec.py.
 */
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
/** Throw InvalidParameterError if `value` breaks `rule`; the order makes the message the most useful one. */
export declare function checkValue(field: string, value: unknown, rule: Rule): void;
/** Throw InvalidParameterError for the first value of a request that breaks a rule of the spec. */
export declare function checkRequest(rules: OperationRules, path: Readonly<Record<string, unknown>>, query: Readonly<Record<string, unknown>>, body: unknown): void;
