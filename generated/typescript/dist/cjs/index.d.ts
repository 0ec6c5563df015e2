/**
 * plivo-dtmf-client: a typed client for Plivo's "Send DTMF digits on an active call"
 * endpoint, generated from plivo-dtmf.yaml.
 *
 *     import { Client } from "plivo-dtmf-client";
 *     const client = new Client(); // PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN
 *     const sent = await client.sendDigits(callUuid, { digits: "8743#", leg: "bleg" });
 *
 * and verifies the callbacks Plivo signs (src/webhooks.ts): `verifyDigitsSent(...)`.
 */
export * from "./client.js";
export * from "./errors.js";
export type { components, operations, paths } from "./schema.js";
export { CALLBACK_BODIES, DEFAULT_BASE_URL, REQUEST_RULES, SUCCESS, VERSION } from "./spec.js";
export { checkRequest, checkValue } from "./validation.js";
export type { OperationRules, Rule } from "./validation.js";
export * from "./webhooks.js";
