"""The client half of `make demo`: digits through the generated client, events from the mock.

Run by scripts/demo once the mock serves on MOCK_PORT. The generated client is used exactly
as an application would: `Client()` reads PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN and
PLIVO_BASE_URL (set here to the mock, so the demo never reaches the real Plivo). Exits
non-zero on any failure.
"""

from __future__ import annotations

import json
import os
import sys

import httpx
from plivo_dtmf_client import Client
from plivo_dtmf_client.api.calls import list_live_calls, send_digits
from plivo_dtmf_client.models import Leg, SendDigitsRequest
from plivo_mock.config import MockConfig


def main() -> int:
    base_url = f"http://127.0.0.1:{os.environ.get('MOCK_PORT', '4010')}"
    # The mock's default account comes from the same variables (or is the embedded one).
    account = MockConfig.from_env().default_account
    os.environ["PLIVO_AUTH_ID"] = account.auth_id
    os.environ["PLIVO_AUTH_TOKEN"] = account.auth_token
    os.environ["PLIVO_BASE_URL"] = base_url
    control = httpx.Client(
        base_url=base_url, auth=(account.auth_id, account.auth_token), trust_env=False
    )
    bridged = {c["call_uuid"]: c["bleg"] for c in control.get("/__mock__/calls").json()["calls"]}

    with Client() as client:
        live = list_live_calls.sync(client=client)
        print(f"live calls of {account.auth_id}: {', '.join(live.calls)}")
        sent = []
        for call_uuid in live.calls:
            request = SendDigitsRequest(digits="8743#")
            if bridged.get(call_uuid):
                request = SendDigitsRequest(digits="1w2W3", leg=Leg.BLEG)
            answer = send_digits.sync(call_uuid=call_uuid, body=request, client=client)
            print(f"POST .../Call/{call_uuid}/DTMF/ -> {answer.message} (api_id {answer.api_id})")
            sent.append((call_uuid, answer.api_id))

    failures = 0
    for call_uuid, api_id in sent:
        events = control.get(f"/__mock__/calls/{call_uuid}/events").json()["events"]
        print(f"events recorded by the mock for {call_uuid}:")
        for event in events:
            print("  " + json.dumps(event, sort_keys=True))
        if [event["api_id"] for event in events] != [api_id]:
            print(f"  expected exactly one event with api_id {api_id}", file=sys.stderr)
            failures += 1
    control.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
