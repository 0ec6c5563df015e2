"""What the generator fills in for the runtime modules: names, version, and what
plivo-dtmf.yaml says about requests (enforced by _spec.py).

Written at generation time by openapi/hooks/emit_spec_module.py. Do not edit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from ._spec import BodyRules, OperationRules

PROJECT_NAME: Final = "plivo-dtmf-client"
PACKAGE_NAME: Final = "plivo_dtmf_client"
PACKAGE_VERSION: Final = "2.0.1"

DEFAULT_BASE_URL: Final = "https://api.plivo.com"
"""The first of the spec's `servers`."""

REQUEST_RULES: Final[dict[tuple[str, str], OperationRules]] = {
    ("get", "/v1/Account/{auth_id}/Call/"): {
        "path": {
            "auth_id": {
                "type": "string",
                "pattern": "^(MA|SA)[A-Z0-9]{18}$(?!\\n)",
                "python_pattern": "^(MA|SA)[A-Z0-9]{18}\\Z(?!\\n)",
            }
        },
        "query": {"status": {"type": "string", "enum": ("live",)}},
        "body": {},
    },
    ("post", "/v1/Account/{auth_id}/Call/{call_uuid}/DTMF/"): {
        "path": {
            "auth_id": {
                "type": "string",
                "pattern": "^(MA|SA)[A-Z0-9]{18}$(?!\\n)",
                "python_pattern": "^(MA|SA)[A-Z0-9]{18}\\Z(?!\\n)",
            },
            "call_uuid": {
                "type": "string",
                "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$(?!\\n)",
                "python_pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\Z(?!\\n)",
            },
        },
        "query": {},
        "body": {
            "digits": {
                "type": "string",
                "minLength": 1,
                "maxLength": 128,
                "pattern": "^[0-9A-D*#wW]+(@[1-9][0-9]{1,3})?$(?!\\n)",
                "python_pattern": "^[0-9A-D*#wW]+(@[1-9][0-9]{1,3})?\\Z(?!\\n)",
            },
            "leg": {"type": "string", "enum": ("aleg", "bleg")},
            "callback_url": {
                "type": "string",
                "maxLength": 2048,
                "pattern": "^https?://(?:[^/?#@]*@)?(?:\\[[^\\]/?#@]+\\]|[^/?#@:\\[\\]]+)(?::[0-9]*)?(?![^/?#])",
                "format": "uri",
                "python_pattern": "^https?://(?:[^/?#@]*@)?(?:\\[[^\\]/?#@]+\\]|[^/?#@:\\[\\]]+)(?::[0-9]*)?(?![^/?#])",
            },
            "callback_method": {"type": "string", "enum": ("GET", "POST")},
        },
    },
}
"""Keyed by (method, path template), exactly as in the spec."""

CALLBACK_BODIES: Final[dict[str, BodyRules]] = {
    "digitsSentCallback": {
        "required": ("api_id", "call_uuid", "digits", "leg", "status"),
        "properties": {
            "api_id": {
                "type": "string",
                "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$(?!\\n)",
                "python_pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\Z(?!\\n)",
            },
            "call_uuid": {"type": "string"},
            "digits": {"type": "string"},
            "leg": {"type": "string"},
            "status": {"type": "string"},
        },
    }
}
"""The bodies of the spec's callbacks (what the provider sends), keyed by operationId."""

CALLBACK_OPERATION_ID: Final = "digitsSentCallback"
"""The operationId of the spec's one callback, the one webhooks.py verifies."""

SIGNATURE_V3_HEADER: Final = "X-Plivo-Signature-V3"
SIGNATURE_V3_NONCE_HEADER: Final = "X-Plivo-Signature-V3-Nonce"
SIGNATURE_V2_HEADER: Final = "X-Plivo-Signature-V2"
SIGNATURE_V2_NONCE_HEADER: Final = "X-Plivo-Signature-V2-Nonce"
"""The callback's header parameters (components SignatureV3, SignatureV3Nonce, ...)."""

BODY_BYTES: Final = 8192
"""info.x-limits.body-bytes."""
TARGET_BYTES: Final = 8192
"""info.x-limits.target-bytes."""
HEADER_BYTES: Final = 8192
"""info.x-limits.header-bytes."""
CALLBACK_JSON_DEPTH: Final = 16
"""info.x-limits.callback-json-depth."""
