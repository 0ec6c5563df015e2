"""The test-side spec oracle (conftest.SpecOracle) catches answers the spec does not allow.

Every fixture client runs it on every answer, so it must be able to fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

import pytest
from plivo_mock.config import BRIDGED_CALL_UUID
from plivo_mock.testing import dtmf_path

Conforms = Callable[[str, str, int, Mapping[str, str], bytes], None]
DTMF = dtmf_path(BRIDGED_CALL_UUID)
JSON = {"content-type": "application/json"}
API_ID = "07abfd94-58c0-11e1-86da-adf28403fe48"


def body(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def test_oracle_accepts_a_documented_answer(conforms: Conforms) -> None:
    conforms("POST", DTMF, 202, JSON, body(message="digits sent", api_id=API_ID))


@pytest.mark.parametrize(
    ("method", "path", "status", "headers", "payload", "complaint"),
    [
        ("POST", DTMF, 200, JSON, body(message="x", api_id=API_ID), "not documented"),
        ("POST", DTMF, 202, JSON, body(message="digits sent"), "api_id"),
        ("POST", DTMF, 400, JSON, body(api_id="not-a-uuid", error="x"), "does not match"),
        ("POST", DTMF, 401, JSON, body(api_id=API_ID, error="x"), "WWW-Authenticate"),
        ("GET", DTMF, 405, JSON, body(api_id=API_ID, error="x"), "Allow"),
        ("GET", "/nowhere", 200, JSON, body(status="ok"), "must be 404"),
        ("POST", "/__mock__/reset", 204, {}, b"{}", "must be empty"),
        ("GET", "/__mock__/health", 200, JSON, body(status="up"), "body"),
    ],
)
def test_oracle_rejects_what_the_spec_does_not_allow(
    conforms: Conforms,
    method: str,
    path: str,
    status: int,
    headers: dict[str, str],
    payload: bytes,
    complaint: str,
) -> None:
    with pytest.raises(AssertionError, match=complaint):
        conforms(method, path, status, headers, payload)
