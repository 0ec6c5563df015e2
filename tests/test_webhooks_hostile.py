"""`plivo_dtmf_client.webhooks` under hostile input (issue 24 items 7-10).

Whatever a request carries, the verifier raises a WebhookError subclass or returns exactly what
the signature covers: a request whose signed text another request with other values shares is
refused, unsigned bytes of the URL are refused, replays are refused with a NonceStore.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from plivo.utils.signature_v3 import construct_get_url, construct_post_url, get_signature_v3
from plivo_dtmf_client.webhooks import (
    MAX_BODY_BYTES,
    MAX_JSON_DEPTH,
    NONCE_V3,
    SIGNATURE_V3,
    NonceStore,
    ReplayError,
    SignatureMismatchError,
    UnsignedContentError,
    WebhookError,
    WebhookPayloadError,
    signature_headers,
    signature_v3,
    verify_digits_sent,
)

TOKEN = "receiver-token"
URL = "https://example.com/cb"
GOOD = {
    "api_id": "07abfd94-58c0-11e1-86da-adf28403fe48",
    "call_uuid": "0b3c0f2e-1111-4222-8333-444455556666",
    "digits": "8743#",
    "leg": "aleg",
    "status": "sent",
}


def verify(method: str, url: str, headers: Any, body: bytes = b"", **kw: Any) -> Any:
    return verify_digits_sent(
        method=method, url=url, headers=headers, body=body, auth_token=kw.pop("token", TOKEN), **kw
    )


def post(body: dict[str, Any] | bytes, *, signed_as: Any = None, url: str = URL, **kw: Any) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    params = signed_as if signed_as is not None else body
    assert isinstance(params, dict)
    headers = signature_headers(TOKEN, "POST", url, params)
    return verify("POST", url, headers, raw, **kw)


def get(url: str, *, signed_url: str | None = None, **kw: Any) -> Any:
    return verify("GET", url, signature_headers(TOKEN, "GET", signed_url or url, {}), **kw)


# --- item 7: only WebhookError, whatever the input ------------------------------------------


def test_a_lone_surrogate_in_the_body_is_a_webhook_error_not_unicode_encode_error() -> None:
    with pytest.raises(WebhookPayloadError, match="surrogate"):
        post(b'{"digits": "\\ud800"}', signed_as={"digits": "x"})


def test_deep_nesting_is_refused_before_the_json_parser_recurses() -> None:
    with pytest.raises(WebhookPayloadError, match="nested"):
        post(b"[" * 5000, signed_as={})  # under the size bound, over json's recursion limit
    with pytest.raises(WebhookPayloadError, match="nested"):
        over = MAX_JSON_DEPTH + 1
        post(b'{"a":' * over + b"1" + b"}" * over, signed_as={})


def test_a_body_over_the_bound_is_refused_unparsed() -> None:
    with pytest.raises(WebhookPayloadError, match=str(MAX_BODY_BYTES)):
        post(b" " * MAX_BODY_BYTES + b"{}", signed_as={})


def _multibyte_bodies() -> list[bytes]:
    """Bodies of 1- to 4-byte UTF-8 characters exactly at the byte bound and one over it: the
    multi-byte ones far under it counted in characters (or UTF-16 units)."""
    bodies = []
    for char in ("a", "\u00e9", "\u20ac", "\U0001f600"):
        frame = '{"pad": ""}'
        room = MAX_BODY_BYTES - len(frame.encode())
        width = len(char.encode())
        text = "a" * (room % width) + char * (room // width)
        for extra in ("", "a"):
            body = ('{"pad": "' + extra + text + '"}').encode()
            assert len(body) == MAX_BODY_BYTES + len(extra)
            bodies.append(body)
    return bodies


def _verdict(error: BaseException | None) -> str:
    if error is None:
        return "accepted"
    over = f"over {MAX_BODY_BYTES} bytes" in str(error)
    return f"{type(error).__name__}{' (size)' if over else ''}"


def _python_verdict(body: bytes) -> str:
    try:
        post(body, signed_as=json.loads(body))
    except WebhookError as error:
        return _verdict(error)
    return _verdict(None)


def test_a_body_is_bounded_in_utf8_bytes_not_characters() -> None:
    for body in _multibyte_bodies():
        size = "(size)" in _python_verdict(body)
        assert size == (len(body) > MAX_BODY_BYTES), (len(body), _python_verdict(body))


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_typescript_verifier_bounds_a_string_body_as_python_bounds_its_bytes() -> None:
    script = """
    const { signatureHeaders, verifyDigitsSent } = await import(process.argv[1]);
    const { readFileSync } = await import("node:fs");
    const [token, url, bodies, max] = JSON.parse(readFileSync(0, "utf8"));
    const verdicts = bodies.map((body) => {
      try {
        const headers = signatureHeaders(token, "POST", url, JSON.parse(body));
        verifyDigitsSent({ method: "POST", url, headers, body, authToken: token });
        return "accepted";
      } catch (error) {
        const over = String(error.message).includes(`over ${max} bytes`);
        return `${error.constructor.name}${over ? " (size)" : ""}`;
      }
    });
    console.log(JSON.stringify(verdicts));
    """
    bodies = _multibyte_bodies()
    entry = Path(__file__).parent.parent / "generated" / "typescript" / "dist" / "index.js"
    texts = [body.decode() for body in bodies]
    done = subprocess.run(
        [
            "node",
            "--input-type=module",
            "-e",
            script,
            entry.as_uri(),
        ],
        input=json.dumps([TOKEN, URL, texts, MAX_BODY_BYTES]),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [_python_verdict(body) for body in bodies]


def _hostile_corpus(rng: random.Random) -> list[tuple[str, str, Any, Any]]:
    """(method, url, headers, body): hostile in one part, the rest genuine and signed."""
    good = json.dumps(GOOD).encode()
    bodies: list[Any] = [
        b"[" * 50_000,
        b"{" * 3000,
        b'{"a":' * 2000,
        b'{"digits": "\\ud800"}',
        b'{"digits": "\\udfff\\ud800"}',
        b'{"\\ud800": 1}',
        b"\xef\xbb\xbf" + good,
        good.decode().encode("utf-16"),
        b'{"n": NaN}',
        b'{"n": 1e999999}',
        b'{"n": ' + b"9" * 5000 + b"}",
        b'{"digits": "1", "digits": "2"}',
        b"\xff\xfe",
        b"",
        b"null",
        b'"\\u0000"',
        b'{"a": [[], {}, [{"": ""}]], "b": [1, "x", null, true, 1.5]}',
        b'{"leg": [1, "a", {"x": []}]}',
        "not bytes",
        None,
        12,
        bytearray(good),
        memoryview(good),
    ]
    bodies += [bytes(rng.randrange(256) for _ in range(rng.randrange(64))) for _ in range(40)]
    pieces = ["[", "]", "{", "}", '"', "\\", ":", ",", "1", "-", "e", "\\u", "d800", " ", "\x00"]
    bodies += ["".join(rng.choice(pieces) for _ in range(60)).encode() for _ in range(60)]
    queries = [
        "a=%FF",
        "a=%ED%A0%80",
        "next=/a%26nexz%3D1",
        "%3D=1",
        "a=1&&b=2&",
        "==&&=",
        "a" * 9000 + "=1",
        "a=%zz%",
        "x=\ud800",
        ";a=1",
    ]
    queries += ["".join(rng.choice("a=&%;.+2F0D6") for _ in range(30)) for _ in range(40)]
    urls = [
        "http://[::1",
        "http://h:99999999/cb",
        "https://example.com/cb;jsessionid=evil",
        "https://example.com/cb#frag",
        "https://example.com/c\tb",
        " https://example.com/cb",
        "https://example.com/\ud800",
        "https://example.com/" + "a" * 20_000,
        "",
        "cb",
        "//x",
        "https://u:p@example.com:8443/a/../cb",
    ]
    headers: list[Any] = [
        {},
        {SIGNATURE_V3: "x"},
        {SIGNATURE_V3: "x" * 100_000, NONCE_V3: "1"},
        {SIGNATURE_V3: "x", NONCE_V3: "\ud800"},
        {SIGNATURE_V3: "\ud800,x", NONCE_V3: "1"},
        {SIGNATURE_V3: ",,,", NONCE_V3: "1.2"},
        [(SIGNATURE_V3, b"bytes"), (NONCE_V3, 1)],
        [("only-one",)],
        [None],
        {SIGNATURE_V3: ["a"], NONCE_V3: ["1"]},
    ]
    corpus: list[tuple[str, str, Any, Any]] = []
    for body in bodies:
        try:
            readable = isinstance(body, bytes | bytearray | memoryview)
            params = json.loads(bytes(body)) if readable else {}
            params = params if isinstance(params, dict) else {}
            signed = signature_headers(TOKEN, "POST", URL, params)
        except (ValueError, RecursionError, UnicodeError, TypeError):
            signed = signature_headers(TOKEN, "POST", URL, {})
        corpus.append(("POST", URL, signed, body))
    for query in queries:
        url = f"{URL}?{urlencode(GOOD)}&{query}"
        try:
            signed = signature_headers(TOKEN, "GET", url, {})
        except UnicodeError:
            signed = signature_headers(TOKEN, "GET", URL, {})
        corpus.append(("GET", url, signed, b""))
    for url in urls:
        for method in ("GET", "POST"):
            try:
                signed = signature_headers(TOKEN, method, url, GOOD if method == "POST" else {})
            except (ValueError, UnicodeError):
                signed = signature_headers(TOKEN, method, URL, {})
            corpus.append((method, url, signed, json.dumps(GOOD).encode()))
    corpus += [("POST", URL, h, json.dumps(GOOD).encode()) for h in headers]
    corpus += [(m, URL, {}, b"") for m in ("PUT", "", "G" * 10_000, "\ud800")]
    return corpus


def test_a_hostile_corpus_gives_only_webhook_errors() -> None:
    corpus = _hostile_corpus(random.Random(24))
    outcomes: defaultdict[str, int] = defaultdict(int)
    for method, url, headers, body in corpus:
        try:
            verify(method, url, headers, body)
            outcomes["accepted"] += 1
        except WebhookError as exc:
            outcomes[type(exc).__name__] += 1
    # Anything else (UnicodeEncodeError, RecursionError, TypeError...) fails the test above;
    # harmless random queries still verify, and each kind of refusal is met.
    assert sum(outcomes.values()) == len(corpus) >= 200
    assert 0 < outcomes["accepted"] < len(corpus) // 4, outcomes
    assert {"SignatureMissingError", "SignatureMismatchError", "WebhookPayloadError"} <= set(
        outcomes
    )
    assert outcomes["UnsignedContentError"] >= 5, outcomes


# --- item 8: only what the signature covers is returned -------------------------------------


@pytest.mark.parametrize(
    "extra",
    [{"x": []}, {"x": {}}, {"x": {"": ""}}, {"": ""}, {"x": [[]]}, {"x": "1"}, {"zz": ""}],
    ids=repr,
)
def test_a_member_added_to_a_genuinely_signed_body_is_refused(extra: dict[str, Any]) -> None:
    signed_as = GOOD
    with pytest.raises(WebhookError):
        post({**GOOD, **extra}, signed_as=signed_as)
    # Even signed with it, a member outside the documented strings is not covered unambiguously.
    with pytest.raises(UnsignedContentError):
        post({**GOOD, **extra})


@pytest.mark.parametrize("value", [12345678901234567890, 1.5, True, None, ["8743#"]], ids=repr)
def test_a_documented_member_that_is_not_a_string_is_refused(value: Any) -> None:
    with pytest.raises(WebhookPayloadError):
        post({**GOOD, "digits": value})


def test_values_moved_across_the_unseparated_member_names_are_refused() -> None:
    # "call_uuid" "c" "digits" "1digits2" and "call_uuid" "cdigits1" "digits" "2": one signed
    # text, both valid callbacks by the schema; only the reading the text gives is accepted.
    genuine = {**GOOD, "call_uuid": "c", "digits": "1digits2"}
    moved = {**GOOD, "call_uuid": "cdigits1", "digits": "2"}
    nonce = "1"
    assert signature_v3(TOKEN, "POST", URL, moved, nonce) == signature_v3(
        TOKEN, "POST", URL, genuine, nonce
    )
    assert post(genuine).digits == "1digits2"
    with pytest.raises(UnsignedContentError):
        post(moved, signed_as=genuine)


def test_an_encoded_separator_in_a_query_value_is_refused_and_one_reading_survives() -> None:
    base = f"{URL}?{urlencode(GOOD)}"
    encoded, plain = f"{base}&next=/a%26nexz%3D1", f"{base}&next=/a&nexz=1"
    with pytest.raises(UnsignedContentError, match="next"):
        get(encoded)
    # The same signature read as written: the only reading it can be accepted under.
    got = get(plain, signed_url=encoded)
    assert (got["next"], got["nexz"]) == ("/a", "1")
    with pytest.raises(UnsignedContentError, match="'a"):
        get(f"{base}&a%3Db=c")


@pytest.mark.parametrize("tail", [";jsessionid=evil", ";", "#top"])
def test_url_parts_the_signature_does_not_cover_are_refused(tail: str) -> None:
    for method in ("GET", "POST"):
        url = f"{URL}?{urlencode(GOOD)}" if method == "GET" else URL
        signed = signature_headers(TOKEN, method, url, GOOD if method == "POST" else {})
        attacked = url.replace("/cb", f"/cb{tail}") if "#" not in tail else url + tail
        with pytest.raises(UnsignedContentError):
            verify(method, attacked, signed, json.dumps(GOOD).encode())


def test_query_bytes_that_are_not_utf8_are_refused() -> None:
    # The signer reads %FF and %EF%BF%BD both as U+FFFD.
    base = f"{URL}?{urlencode(GOOD)}"
    with pytest.raises(UnsignedContentError, match="UTF-8"):
        get(f"{base}&t=%FF", signed_url=f"{base}&t=%EF%BF%BD")


def test_a_nonce_with_a_dot_cannot_carry_the_end_of_the_signed_text() -> None:
    # Signed text "...&v=1.5" + "." + nonce equals "...&v=1" + "." + "5.<nonce>".
    genuine = f"{URL}?{urlencode(GOOD)}&v=1.5"
    headers = signature_headers(TOKEN, "GET", genuine, {})
    assert get(genuine, signed_url=genuine)["v"] == "1.5"
    moved = {SIGNATURE_V3: headers[SIGNATURE_V3], NONCE_V3: "5." + headers[NONCE_V3]}
    with pytest.raises(SignatureMismatchError, match="digits"):
        verify("GET", genuine[: -len(".5")], moved)


@pytest.mark.parametrize(
    "own", ["token=a.b.c", "next=https://x.example/api_id.call_uuid", "q=.api_id&r=.leg.status"]
)
def test_a_receivers_own_query_with_dots_and_member_names_still_verifies(own: str) -> None:
    # The body is read from the last place it can start: the receiver's query may hold
    # anything, Plivo's values may not.
    url = f"{URL}?{own}"
    headers = signature_headers(TOKEN, "POST", url, GOOD)
    assert verify("POST", url, headers, json.dumps(GOOD).encode()).to_dict() == GOOD
    get_url = f"{URL}?{urlencode(GOOD)}&{own}"
    assert get(get_url).digits == GOOD["digits"]


TOKENS = ["a", "leg", "aleg", "status", "sent", "digits", "1", "=", "&", ".", "%26", "%3D", ""]


def _random_request(rng: random.Random) -> tuple[str, str, bytes, dict[str, Any]]:
    def text() -> str:
        return "".join(rng.choice(TOKENS) for _ in range(rng.randrange(3)))

    own = "&".join(f"{text()}={text()}" for _ in range(rng.randrange(3)))
    if rng.random() < 0.5:
        url = f"{URL}?{urlencode(GOOD)}" + (f"&{own}" if own else "")
        return "GET", url, b"", {}
    body: dict[str, Any] = dict(GOOD)
    for name in rng.sample(sorted(GOOD), rng.randrange(3)):
        body[name] = GOOD[name] + text() if rng.random() < 0.3 else text()
    if rng.random() < 0.3:
        body[rng.choice(["x", "", "legs", "digit"])] = rng.choice([text(), [], {}, 1])
    return "POST", URL + (f"?{own}" if own else ""), json.dumps(body).encode(), body


def test_accepted_requests_with_one_signed_text_carry_the_same_values() -> None:
    """Injectivity where it matters: no two accepted readings of one signature differ."""
    rng = random.Random(2026)
    readings: defaultdict[str, set[str]] = defaultdict(set)
    texts: defaultdict[str, set[tuple[str, str, bytes]]] = defaultdict(set)
    nonce = "12345678901234567890"
    for _ in range(3000):
        method, url, raw, body = _random_request(rng)
        signature = signature_v3(TOKEN, method, url, body, nonce)
        texts[signature].add((method, url, raw))
        try:
            got = verify(method, url, {SIGNATURE_V3: signature, NONCE_V3: nonce}, raw)
        except WebhookError:
            continue
        readings[signature].add(json.dumps([method, got.to_dict()], sort_keys=True))
    assert {s: r for s, r in readings.items() if len(r) > 1} == {}
    shared = sum(1 for requests in texts.values() if len(requests) > 1)
    assert shared >= 20 and len(readings) >= 200, (shared, len(readings))


# --- item 9: no empty token, no duplicate keys ------------------------------------------------


def test_an_empty_auth_token_is_refused_even_for_a_callback_signed_with_it() -> None:
    headers = signature_headers("", "POST", URL, GOOD)
    with pytest.raises(WebhookError, match="empty"):
        verify("POST", URL, headers, json.dumps(GOOD).encode(), token="")


def test_duplicate_json_keys_are_refused() -> None:
    raw = json.dumps(GOOD).encode()[:-1] + b', "digits": "9"}'
    with pytest.raises(WebhookPayloadError, match="duplicate"):
        post(raw, signed_as={**GOOD, "digits": "9"})


def test_plivo_pythons_signature_of_the_documented_callback_still_verifies() -> None:
    nonce = "98765432109876543210"
    base = construct_post_url(URL, GOOD).decode()
    signed = get_signature_v3(TOKEN.encode(), base, nonce.encode()).decode()
    got = verify("POST", URL, {SIGNATURE_V3: signed, NONCE_V3: nonce}, json.dumps(GOOD).encode())
    assert got.to_dict() == GOOD
    url = f"{URL}?{urlencode(GOOD)}&token=a.b.c"
    base = construct_get_url(url, {}).decode()
    signed = get_signature_v3(TOKEN.encode(), base, nonce.encode()).decode()
    assert verify("GET", url, {SIGNATURE_V3: signed, NONCE_V3: nonce})["token"] == "a.b.c"


# --- item 10: replays -------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_replayed_callback_raises_replay_error() -> None:
    store = NonceStore()
    headers = signature_headers(TOKEN, "POST", URL, GOOD)
    raw = json.dumps(GOOD).encode()
    assert verify("POST", URL, headers, raw, nonces=store).digits == GOOD["digits"]
    with pytest.raises(ReplayError):
        verify("POST", URL, headers, raw, nonces=store)
    assert isinstance(ReplayError("x"), WebhookError)


def test_a_refused_callback_does_not_use_up_its_nonce() -> None:
    store = NonceStore()
    headers = signature_headers(TOKEN, "POST", URL, GOOD)
    with pytest.raises(SignatureMismatchError):
        verify("POST", URL, headers, json.dumps({**GOOD, "digits": "9"}).encode(), nonces=store)
    assert len(store) == 0
    verify("POST", URL, headers, json.dumps(GOOD).encode(), nonces=store)
    assert len(store) == 1


def test_the_nonce_store_forgets_after_max_age_and_beyond_max_size() -> None:
    clock = Clock()
    store = NonceStore(max_size=3, max_age=60, clock=clock)
    for nonce in "abc":
        store.check_and_remember(nonce)
    with pytest.raises(ReplayError):
        store.check_and_remember("a")
    store.check_and_remember("d")  # the fourth: "a", the oldest, goes
    assert len(store) == 3
    clock.now += 10
    store.check_and_remember("a")
    clock.now += 49.9
    with pytest.raises(ReplayError):
        store.check_and_remember("d")
    clock.now += 0.1
    assert len(store) == 1  # "a", remembered 10 s after the others
    store.check_and_remember("d")


def test_the_nonce_store_accepts_one_of_concurrent_replays() -> None:
    store = NonceStore()
    headers = signature_headers(TOKEN, "POST", URL, GOOD)
    raw = json.dumps(GOOD).encode()
    start = threading.Barrier(8)
    results: list[str] = []
    lock = threading.Lock()

    def deliver() -> None:
        start.wait()
        try:
            verify("POST", URL, headers, raw, nonces=store)
            outcome = "accepted"
        except ReplayError:
            outcome = "replay"
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["accepted"] + ["replay"] * 7
