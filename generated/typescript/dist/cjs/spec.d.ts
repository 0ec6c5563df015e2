/**
 * What plivo-dtmf.yaml says about requests, checked before any HTTP call.
 *
 * Written by `make generate` (scripts/generate_typescript.py) from the spec and
 * openapi/generator.yaml. Do not edit.
 */
import type { OperationRules, Rule } from "./validation.js";
/** The package version (openapi/generator.yaml package_version_override). */
export declare const VERSION = "2.0.1";
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
/** The operationId of the spec's one callback, the one src/webhooks.ts verifies. */
export declare const CALLBACK_OPERATION_ID = "digitsSentCallback";
/** The callback's header parameters (components SignatureV3, SignatureV3Nonce, ...). */
export declare const SIGNATURE_V3_HEADER = "X-Plivo-Signature-V3";
export declare const SIGNATURE_V3_NONCE_HEADER = "X-Plivo-Signature-V3-Nonce";
export declare const SIGNATURE_V2_HEADER = "X-Plivo-Signature-V2";
export declare const SIGNATURE_V2_NONCE_HEADER = "X-Plivo-Signature-V2-Nonce";
/** info.x-limits.body-bytes. */
export declare const BODY_BYTES = 8192;
/** info.x-limits.target-bytes. */
export declare const TARGET_BYTES = 8192;
/** info.x-limits.header-bytes. */
export declare const HEADER_BYTES = 8192;
/** info.x-limits.callback-json-depth. */
export declare const CALLBACK_JSON_DEPTH = 16;
