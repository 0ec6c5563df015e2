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
