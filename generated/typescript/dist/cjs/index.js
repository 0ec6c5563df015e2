"use strict";
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
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __exportStar = (this && this.__exportStar) || function(m, exports) {
    for (var p in m) if (p !== "default" && !Object.prototype.hasOwnProperty.call(exports, p)) __createBinding(exports, m, p);
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.checkValue = exports.checkRequest = exports.VERSION = exports.SUCCESS = exports.REQUEST_RULES = exports.DEFAULT_BASE_URL = exports.CALLBACK_BODIES = void 0;
__exportStar(require("./client.js"), exports);
__exportStar(require("./errors.js"), exports);
var spec_js_1 = require("./spec.js");
Object.defineProperty(exports, "CALLBACK_BODIES", { enumerable: true, get: function () { return spec_js_1.CALLBACK_BODIES; } });
Object.defineProperty(exports, "DEFAULT_BASE_URL", { enumerable: true, get: function () { return spec_js_1.DEFAULT_BASE_URL; } });
Object.defineProperty(exports, "REQUEST_RULES", { enumerable: true, get: function () { return spec_js_1.REQUEST_RULES; } });
Object.defineProperty(exports, "SUCCESS", { enumerable: true, get: function () { return spec_js_1.SUCCESS; } });
Object.defineProperty(exports, "VERSION", { enumerable: true, get: function () { return spec_js_1.VERSION; } });
var validation_js_1 = require("./validation.js");
Object.defineProperty(exports, "checkRequest", { enumerable: true, get: function () { return validation_js_1.checkRequest; } });
Object.defineProperty(exports, "checkValue", { enumerable: true, get: function () { return validation_js_1.checkValue; } });
__exportStar(require("./webhooks.js"), exports);
