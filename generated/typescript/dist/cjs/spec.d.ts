/**
 * What plivo-dtmf.yaml says about requests, checked before any HTTP call.
 *
 * Written by `make generate` (scripts/generate_typescript.py) from the spec and
 * openapi/generator.yaml. Do not edit.
 */
import type { OperationRules, Rule } from "./validation.js";
/** The package version (openapi/generator.yaml package_version_override). */
export declare const VERSION = "2.0.0";
/** The first of the spec's `servers`. */
export declare const DEFAULT_BASE_URL = "https://api.plivo.com";
/** Keyed by "method path-template", exactly as in the spec. */
export declare const REQUEST_RULES: Readonly<Record<string, OperationRules>>;
/** The documented success status of each operation, its schema and required fields. */
export declare const SUCCESS: Readonly<Record<string, {
    status: number;
    schema: string;
    required: readonly string[];
}>>;
/** What a receiver checks in each callback's JSON body (src/webhooks.ts). */
export declare const CALLBACK_BODIES: Readonly<Record<string, {
    required: readonly string[];
    properties: Readonly<Record<string, Rule>>;
}>>;
