"""Run by another Python with only the built wheel installed: send digits to a mock, three ways.

`python send_digits_smoke.py BASE_URL CALL_UUID` with PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN set;
prints one JSON line: the interpreter's version and the api_id of each send (blocking, asyncio
on httpx, asyncio on aiohttp), in that order.
"""

from __future__ import annotations

import asyncio
import json
import platform
import sys

from plivo_dtmf_client import Client, DefaultAioHttpClient
from plivo_dtmf_client.api.calls import send_digits
from plivo_dtmf_client.models import Leg, SendDigitsRequest


async def send_async(base_url: str, call_uuid: str, *, aiohttp: bool) -> str:
    client = Client(base_url=base_url, httpx_args={"trust_env": False})
    if aiohttp:
        client.set_async_httpx_client(DefaultAioHttpClient(trust_env=False))
    async with client:
        body = SendDigitsRequest(digits="2" if not aiohttp else "3")
        return (await send_digits.asyncio(call_uuid, client=client, body=body)).api_id


def main() -> None:
    base_url, call_uuid = sys.argv[1:3]
    with Client(base_url=base_url, httpx_args={"trust_env": False}) as client:
        body = SendDigitsRequest(digits="1", leg=Leg.BLEG)
        sent = [send_digits.sync(call_uuid, client=client, body=body).api_id]
    sent.append(asyncio.run(send_async(base_url, call_uuid, aiohttp=False)))
    sent.append(asyncio.run(send_async(base_url, call_uuid, aiohttp=True)))
    print(json.dumps({"python": platform.python_version(), "api_ids": sent}))


if __name__ == "__main__":
    main()
