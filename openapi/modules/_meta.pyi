# Stands in, when type-checking openapi/modules/ in place, for the generated _meta.py
# (openapi/hooks/emit_spec_module.py writes it). mypy on generated/python checks the real one.
from typing import Final

from ._spec import BodyRules, OperationRules

PROJECT_NAME: Final[str]
PACKAGE_NAME: Final[str]
PACKAGE_VERSION: Final[str]
DEFAULT_BASE_URL: Final[str]
REQUEST_RULES: Final[dict[tuple[str, str], OperationRules]]
CALLBACK_BODIES: Final[dict[str, BodyRules]]
CALLBACK_OPERATION_ID: Final[str]
SIGNATURE_V3_HEADER: Final[str]
SIGNATURE_V3_NONCE_HEADER: Final[str]
SIGNATURE_V2_HEADER: Final[str]
SIGNATURE_V2_NONCE_HEADER: Final[str]
BODY_BYTES: Final[int]
TARGET_BYTES: Final[int]
HEADER_BYTES: Final[int]
CALLBACK_JSON_DEPTH: Final[int]
