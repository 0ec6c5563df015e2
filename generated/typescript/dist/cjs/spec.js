"use strict";
/**
 * What plivo-dtmf.yaml says about requests, checked before any HTTP call.
 *
 * Written by `make generate` (scripts/generate_typescript.py) from the spec and
 * openapi/generator.yaml. Do not edit.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.CALLBACK_JSON_DEPTH = exports.HEADER_BYTES = exports.TARGET_BYTES = exports.BODY_BYTES = exports.SIGNATURE_V2_NONCE_HEADER = exports.SIGNATURE_V2_HEADER = exports.SIGNATURE_V3_NONCE_HEADER = exports.SIGNATURE_V3_HEADER = exports.CALLBACK_OPERATION_ID = exports.CALLBACK_BODIES = exports.SUCCESS = exports.REQUEST_RULES = exports.DEFAULT_BASE_URL = exports.VERSION = void 0;
/** The package version (openapi/generator.yaml package_version_override). */
exports.VERSION = "2.0.1";
/** The first of the spec's `servers`. */
exports.DEFAULT_BASE_URL = "https://api.plivo.com";
/** Keyed by "method path-template", exactly as in the spec. */
exports.REQUEST_RULES = {
    "get /v1/Account/{auth_id}/Call/": {
        "path": {
            "auth_id": {
                "type": "string",
                "pattern": "^(MA|SA)[A-Z0-9]{18}$(?!\\n)"
            }
        },
        "query": {
            "status": {
                "type": "string",
                "enum": [
                    "live"
                ]
            }
        },
        "body": {},
        "required": []
    },
    "post /v1/Account/{auth_id}/Call/{call_uuid}/DTMF/": {
        "path": {
            "auth_id": {
                "type": "string",
                "pattern": "^(MA|SA)[A-Z0-9]{18}$(?!\\n)"
            },
            "call_uuid": {
                "type": "string",
                "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$(?!\\n)"
            }
        },
        "query": {},
        "body": {
            "digits": {
                "type": "string",
                "minLength": 1,
                "maxLength": 128,
                "pattern": "^[0-9A-D*#wW]+(@[1-9][0-9]{1,3})?$(?!\\n)"
            },
            "leg": {
                "type": "string",
                "enum": [
                    "aleg",
                    "bleg"
                ]
            },
            "callback_url": {
                "type": "string",
                "maxLength": 2048,
                "pattern": "^https?://(?:[^/?#@]*@)?(?:\\[[^\\]/?#@]+\\]|[^/?#@:\\[\\]]+)(?::[0-9]*)?(?![^/?#])",
                "format": "uri"
            },
            "callback_method": {
                "type": "string",
                "enum": [
                    "GET",
                    "POST"
                ]
            }
        },
        "required": [
            "digits"
        ]
    }
};
/** The documented success status of each operation, its schema and required fields. */
exports.SUCCESS = {
    "get /v1/Account/{auth_id}/Call/": {
        "status": 200,
        "schema": "LiveCalls",
        "required": [
            "api_id",
            "calls"
        ]
    },
    "post /v1/Account/{auth_id}/Call/{call_uuid}/DTMF/": {
        "status": 202,
        "schema": "SendDigitsAccepted",
        "required": [
            "message",
            "api_id"
        ]
    }
};
/** What a receiver checks in each callback's JSON body (src/webhooks.ts). */
exports.CALLBACK_BODIES = {
    "digitsSentCallback": {
        "required": [
            "api_id",
            "call_uuid",
            "digits",
            "leg",
            "status"
        ],
        "properties": {
            "api_id": {
                "type": "string",
                "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$(?!\\n)"
            },
            "call_uuid": {
                "type": "string"
            },
            "digits": {
                "type": "string"
            },
            "leg": {
                "type": "string"
            },
            "status": {
                "type": "string"
            }
        }
    }
};
/** The operationId of the spec's one callback, the one src/webhooks.ts verifies. */
exports.CALLBACK_OPERATION_ID = "digitsSentCallback";
/** The callback's header parameters (components SignatureV3, SignatureV3Nonce, ...). */
exports.SIGNATURE_V3_HEADER = "X-Plivo-Signature-V3";
exports.SIGNATURE_V3_NONCE_HEADER = "X-Plivo-Signature-V3-Nonce";
exports.SIGNATURE_V2_HEADER = "X-Plivo-Signature-V2";
exports.SIGNATURE_V2_NONCE_HEADER = "X-Plivo-Signature-V2-Nonce";
/** info.x-limits.body-bytes. */
exports.BODY_BYTES = 8192;
/** info.x-limits.target-bytes. */
exports.TARGET_BYTES = 8192;
/** info.x-limits.header-bytes. */
exports.HEADER_BYTES = 8192;
/** info.x-limits.callback-json-depth. */
exports.CALLBACK_JSON_DEPTH = 16;
