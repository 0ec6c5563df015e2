"""The async_callback probe against a real mock process: it passes, catches a callback that
does not verify, and is skipped, saying why, when nothing here could receive the callback."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from plivo_contract import callback_probe
from plivo_contract.callback_probe import listen_address
from plivo_contract.decisions import DECISIONS, outcomes
from plivo_contract.probes import PROBES, ProbeContext, Skip, run_probe
from plivo_contract.provider import Budget, Provider
from plivo_contract.semantics import LiveCall
from plivo_contract.spec import Spec
from plivo_mock.config import BRIDGED_CALL_UUID, EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN
from plivo_mock.testing import MockServer

from .conftest import mock_config
from .mutants import build_app, serve

PROBE = PROBES["async_callback"]


@pytest.fixture
def context(server: MockServer) -> Iterator[ProbeContext]:
    spec = Spec()
    provider = Provider(
        spec,
        server.base_url,
        EMBEDDED_AUTH_ID,
        EMBEDDED_AUTH_TOKEN,
        budget=Budget(20),
        rate_per_second=0,
    )
    call = LiveCall(EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN, BRIDGED_CALL_UUID, "bridged")
    try:
        yield ProbeContext(spec=spec, provider=provider, call=call, negative_only=False)
    finally:
        provider.close()


def test_the_probe_passes_on_the_mock_with_a_post_and_a_get_callback(
    context: ProbeContext,
) -> None:
    result = run_probe(context, PROBE)
    assert (result.outcome, result.detail) == ("passed", "")
    assert result.requests == 2


def test_a_callback_that_does_not_verify_is_a_violation(
    context: ProbeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if the provider signed with another token: the same check a forged callback fails.
    monkeypatch.setattr(Provider, "auth_token", property(lambda self: "not-the-token"))
    result = run_probe(context, PROBE)
    assert result.outcome == "failed"
    assert "POST callback rejected: SignatureMismatchError" in result.detail
    # And what should have been signed: the URL as it arrived, the members, the nonce.
    signed = re.search(r"the signed text should be '(http://[^']+)'", result.detail)
    assert signed is not None, result.detail
    assert "contract_probe=" in signed[1] and "digits1" in signed[1], signed[1]


def test_a_callback_that_lost_callback_urls_query_is_named_as_such() -> None:
    """The provider calls back at callback_url without its query: the callback arrived, and
    the probe says so (not "none within 10 s"), naming what came and what was lost."""
    with serve(build_app("callback-query-dropped", mock_config())) as url:
        spec = Spec()
        provider = Provider(
            spec, url, EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN, budget=Budget(20), rate_per_second=0
        )
        call = LiveCall(EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN, BRIDGED_CALL_UUID, "bridged")
        context = ProbeContext(spec=spec, provider=provider, call=call, negative_only=False)
        try:
            result = run_probe(context, PROBE)
        finally:
            provider.close()
    assert result.outcome == "failed"
    assert "POST callback arrived as '/callback'" in result.detail, result.detail
    assert "without the query of callback_url" in result.detail
    assert "callback-query" in result.detail and "none within" not in result.detail
    assert result.seconds < 10
    # Its curl line resends the request that asked for the callback.
    assert result.reproduce.startswith("curl -X POST") and "callback_url" in result.reproduce


def test_no_callback_at_all_is_named_as_such(
    context: ProbeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(callback_probe, "CALLBACK_WAIT_S", 0.5)

    real_send = ProbeContext.send_digits

    def no_callback(self: ProbeContext, body: Any, **kwargs: Any) -> Any:
        # The receiver's URL swapped for a port nothing listens on: no callback can arrive.
        body = {**body, "callback_url": "http://127.0.0.1:9/nowhere?x=1"}
        return real_send(self, body, **kwargs)

    monkeypatch.setattr(ProbeContext, "send_digits", no_callback)
    result = run_probe(context, PROBE)
    assert result.outcome == "failed"
    assert "nothing at all reached the receiver within 0.5 s" in result.detail


OTHER_API_ID = "00000000-0000-4000-8000-0000000000aa"


def _answered_another_api_id(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the provider's 202 named an api_id its callback does not carry."""
    real_send = ProbeContext.send_digits

    def send(self: ProbeContext, body: Any, **kwargs: Any) -> Any:
        response = real_send(self, body, **kwargs)
        document = {**response.json(), "api_id": OTHER_API_ID}
        return httpx.Response(
            response.status_code,
            headers={"Content-Type": "application/json"},
            json=document,
            request=response.request,
        )

    monkeypatch.setattr(ProbeContext, "send_digits", send)


def test_a_callback_api_id_other_than_the_202s_says_expected_and_got(
    context: ProbeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    _answered_another_api_id(monkeypatch)
    result = run_probe(context, PROBE)
    assert result.outcome == "failed"
    assert re.search(
        rf"api_id: expected {OTHER_API_ID} \(from the 202\), got [0-9a-f-]{{36}}", result.detail
    ), result.detail
    assert result.concerns == ("callback-api-id",)


def test_a_callback_api_id_mismatch_violates_only_callback_api_id(
    context: ProbeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    _answered_another_api_id(monkeypatch)
    result = run_probe(context, PROBE)
    keys = [k for k, c in DECISIONS.items() if "async_callback" in c.probes]
    assert {"callback-api-id", "callback-signature", "callback-query", "open-enums"} <= set(keys)
    found = outcomes(keys, [], [result], set(), checks_ran=False)
    assert [d.key for d in found if d.verdict == "violated"] == ["callback-api-id"]


def test_negative_only_mode_skips_it(context: ProbeContext) -> None:
    context.negative_only = True
    result = run_probe(context, PROBE)
    assert result.outcome == "skipped" and "negative-only" in result.detail
    assert result.requests == 0


def test_where_the_receiver_listens() -> None:
    assert listen_address("http://127.0.0.1:4010", None, None) == ("127.0.0.1", 0, "")
    public = "https://hooks.example.com/plivo?k=1"
    assert listen_address("https://api.plivo.com", public, "127.0.0.1:8123") == (
        "127.0.0.1",
        8123,
        public,
    )
    local = "http://127.0.0.1:9001/cb"
    assert listen_address("https://api.plivo.com", local, None) == ("127.0.0.1", 9001, local)
    with pytest.raises(Skip, match="not on loopback and CALLBACK_URL is not set"):
        listen_address("https://api.plivo.com", None, None)
    with pytest.raises(Skip, match="CALLBACK_LISTEN"):
        listen_address("https://api.plivo.com", public, None)
    with pytest.raises(Skip, match="not HOST:PORT"):
        listen_address("https://api.plivo.com", public, "127.0.0.1")


# --- a hostile sender: the receiver bounds what it reads, the probe reports it ----------


def _hostile_provider(
    monkeypatch: pytest.MonkeyPatch, wire: Callable[[str], bytes], opened: list[socket.socket]
) -> None:
    """As if the provider answered 202 and then sent `wire(target)` to the receiver in place
    of its callback (`target`: the callback_url's path and query). The mock's own callback
    goes to a port nothing listens on."""
    real_send = ProbeContext.send_digits

    def send(self: ProbeContext, body: Any, **kwargs: Any) -> Any:
        given = urlsplit(body["callback_url"])
        response = real_send(self, {**body, "callback_url": "http://127.0.0.1:9/x"}, **kwargs)
        sender = socket.create_connection((given.hostname or "", given.port or 80))
        opened.append(sender)  # left open: a stalled sender never closes
        sender.sendall(wire(f"{given.path}?{given.query}"))
        return response

    monkeypatch.setattr(ProbeContext, "send_digits", send)


@pytest.fixture
def opened() -> Iterator[list[socket.socket]]:
    sockets: list[socket.socket] = []
    yield sockets
    for sock in sockets:
        sock.close()


def _post(target: str, headers: str, body: bytes) -> bytes:
    return f"POST {target} HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode() + body


def test_a_callback_with_a_negative_content_length_is_reported(
    context: ProbeContext, monkeypatch: pytest.MonkeyPatch, opened: list[socket.socket]
) -> None:
    _hostile_provider(monkeypatch, lambda t: _post(t, "Content-Length: -1\r\n", b"{}"), opened)
    result = run_probe(context, PROBE)
    assert result.outcome == "failed", result.detail
    assert "Content-Length '-1' is not a length" in result.detail


def test_a_callback_nested_past_the_recursion_limit_is_reported_not_a_crash(
    context: ProbeContext, monkeypatch: pytest.MonkeyPatch, opened: list[socket.socket]
) -> None:
    deep = b"[" * 64 * 1024
    _hostile_provider(
        monkeypatch, lambda t: _post(t, f"Content-Length: {len(deep)}\r\n", deep), opened
    )
    result = run_probe(context, PROBE)
    assert result.outcome == "failed", result.detail
    assert "JSON nested too deeply" in result.detail


def test_a_deep_callback_without_the_marker_is_described_not_a_crash(
    context: ProbeContext, monkeypatch: pytest.MonkeyPatch, opened: list[socket.socket]
) -> None:
    """Without the marker, the probe reads the api_id of what came: that read is bounded."""
    monkeypatch.setattr(callback_probe, "CALLBACK_WAIT_S", 0.5)
    deep = b"[" * 64 * 1024
    _hostile_provider(
        monkeypatch, lambda t: _post("/callback", f"Content-Length: {len(deep)}\r\n", deep), opened
    )
    result = run_probe(context, PROBE)
    assert result.outcome == "failed", result.detail
    assert "the receiver got 1 other request(s)" in result.detail


def test_a_callback_whose_body_stalls_is_given_up_and_reported(
    context: ProbeContext, monkeypatch: pytest.MonkeyPatch, opened: list[socket.socket]
) -> None:
    monkeypatch.setattr(callback_probe, "READ_TIMEOUT_S", 0.2)
    _hostile_provider(monkeypatch, lambda t: _post(t, "Content-Length: 100\r\n", b"{"), opened)
    result = run_probe(context, PROBE)
    assert result.outcome == "failed", result.detail
    assert "the body stalled: 100 bytes announced" in result.detail


@pytest.mark.parametrize(
    "length",
    ["-1", "1e3", "0x10", " ", "\u0661"],
    ids=["negative", "exp", "hex", "blank", "arabic"],
)
def test_the_receiver_refuses_a_content_length_that_is_no_length_and_keeps_serving(
    length: str,
) -> None:
    with callback_probe.CallbackReceiver() as receiver:
        with socket.create_connection(("127.0.0.1", receiver.port), timeout=5) as sender:
            sender.sendall(_post("/callback", f"Content-Length: {length}\r\n", b"{}"))
            assert sender.recv(100).startswith(b"HTTP/1.0 400")
        refused = receiver.next()
        assert refused.problem is not None and "is not a length" in refused.problem
        answer = httpx.post(receiver.url, content=b"{}")
        assert answer.status_code == 200
        assert receiver.next().problem is None


def test_the_receiver_reads_no_body_over_its_bound() -> None:
    with callback_probe.CallbackReceiver() as receiver:
        answer = httpx.post(receiver.url, content=b"x" * (callback_probe._MAX_BODY + 1))
        assert answer.status_code == 400
        got = receiver.next()
        assert got.body == b"" and "over 65536 bytes" in (got.problem or "")
