"""An example states hook (see states.py): the calls a run needs, made through the mock's
control API with its generated client, as a team would make them through its own test API.

    plivo-contract --states plivo_contract.example_states:mock_states

Credentials come from the environment the run reads (PLIVO_AUTH_ID/PLIVO_AUTH_TOKEN, and
OTHER_AUTH_ID/OTHER_AUTH_TOKEN for another account's call); the control API is at the
provider's own URL unless STATES_CONTROL_URL names another. Copy it and replace the control
API calls with whatever makes a call in your system.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import httpx
from plivo_mock_control_client import Client
from plivo_mock_control_client.api.mock import create_call, hang_up
from plivo_mock_control_client.models import CallSummary, CreateCall


def _control(base_url: str, auth_id: str, auth_token: str) -> Client:
    http = httpx.Client(base_url=base_url, auth=(auth_id, auth_token), trust_env=False)
    return Client(base_url=base_url).set_httpx_client(http)


def _account(state: str) -> tuple[str, str] | None:
    prefix = "OTHER" if state == "other_account_call" else "PLIVO"
    auth_id = os.environ.get(f"{prefix}_AUTH_ID")
    auth_token = os.environ.get(f"{prefix}_AUTH_TOKEN")
    return (auth_id, auth_token) if auth_id and auth_token else None


def mock_states(state: str, action: str, params: Mapping[str, str]) -> dict[str, str] | None:
    account = _account(state)
    if account is None:
        return None  # no second account configured: the probe that needs one is skipped
    base_url = os.environ.get("STATES_CONTROL_URL") or params["base_url"]
    with _control(base_url, *account) as control:
        if action == "teardown":
            hang_up.sync_detailed(params["call_uuid"], client=control)
            return None
        made = create_call.sync(client=control, body=CreateCall(bleg=state == "bridged_call"))
        if not isinstance(made, CallSummary):
            raise RuntimeError(f"the mock did not create a call: {made}")
        if state == "hung_up_call":
            hang_up.sync_detailed(made.call_uuid, client=control)
        return {"call_uuid": made.call_uuid}
