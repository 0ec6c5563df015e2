"""The account a benchmark run uses: its Auth ID is fixed, its token made up for the run.

The token lives only in this process and in the environment of the processes it starts;
nothing prints it.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field

import httpx

AUTH_ID = "MABENCH0000000000001"
DIGITS_VALID = {"digits": "8743#", "leg": "aleg"}
# Fails the spec's `digits` pattern: the 400 path, which must be as cheap as the 202 one.
DIGITS_INVALID = {"digits": "12x", "leg": "aleg"}


@dataclass(frozen=True)
class BenchAccount:
    auth_id: str = AUTH_ID
    auth_token: str = field(default_factory=lambda: secrets.token_urlsafe(18), repr=False)

    @property
    def env(self) -> dict[str, str]:
        return {"PLIVO_AUTH_ID": self.auth_id, "PLIVO_AUTH_TOKEN": self.auth_token}

    @property
    def authorization(self) -> str:
        pair = f"{self.auth_id}:{self.auth_token}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")

    def dtmf_path(self, call_uuid: str) -> str:
        return f"/v1/Account/{self.auth_id}/Call/{call_uuid}/DTMF/"

    def new_call(self, mock_url: str) -> str:
        """A fresh live call on the mock, through its control API."""
        answer = httpx.post(
            f"{mock_url}/__mock__/calls",
            json={"bleg": False},
            auth=(self.auth_id, self.auth_token),
            timeout=10,
        )
        answer.raise_for_status()
        return str(answer.json()["call_uuid"])
