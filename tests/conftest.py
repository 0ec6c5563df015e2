"""Shared fixtures: the mock in-process (ASGI) and as a real server, and a spec oracle.

Every response a fixture's HTTP client receives is checked against the OpenAPI documents
by `SpecOracle`, which reads them with its own small code (not plivo_mock.spec): the
status must be documented for the operation (404 for unknown paths, 405 for other
methods), the body must match the documented schema, declared required headers must be
present and valid.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import httpx
import jsonschema_rs
import pytest
import yaml
from plivo_mock.app import MockApp, create_app
from plivo_mock.config import EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN, MockConfig
from plivo_mock.testing import MockServer, env_without_credentials

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "plivo-dtmf.yaml"
CONTROL_SPEC = ROOT / "openapi" / "mock-control.yaml"
AUTH = (EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN)
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

Conforms = Callable[[str, str, int, Mapping[str, str], bytes], None]


class SpecOracle:
    """Says whether a response is one the documents allow."""

    def __init__(self, paths: list[Path]) -> None:
        self.docs = {p.resolve().as_uri(): yaml.safe_load(p.read_text("utf-8")) for p in paths}
        self.registry = jsonschema_rs.Registry(
            list(self.docs.items()), draft=jsonschema_rs.Draft202012
        )
        self.plivo_uri = SPEC.resolve().as_uri()
        self._validators: dict[str, jsonschema_rs.Validator] = {}

    def deref(self, uri: str, node: Any) -> tuple[str, Any]:
        for _ in range(16):
            if not (isinstance(node, dict) and "$ref" in node):
                return uri, node
            uri, fragment = urldefrag(urljoin(uri, node["$ref"]))
            node = self.docs[uri]
            for token in unquote(fragment).lstrip("/").split("/"):
                node = node[token.replace("~1", "/").replace("~0", "~")]
        raise AssertionError("$ref chain too long")

    def validator(self, uri: str, schema: Any) -> jsonschema_rs.Validator:
        # The schema is wrapped with its document's components, so that `#/components/...`
        # refs resolve in the wrapper and other documents' refs through the registry.
        key = f"{uri}|{id(schema)}"
        if key not in self._validators:
            wrapper = {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "components": self.docs[uri].get("components", {}),
                "allOf": [schema],
            }
            self._validators[key] = jsonschema_rs.validator_for(
                wrapper,
                registry=self.registry,
                base_uri=uri,
                validate_formats=True,
            )
        return self._validators[key]

    def _match(self, path: str) -> tuple[str, dict[str, Any]] | None:
        for uri, doc in self.docs.items():
            for template, item in doc["paths"].items():
                parts = re.split(r"(\{[^}]+\})", template)
                regex = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
                if re.fullmatch(regex, path):
                    return uri, item
        return None

    def check(
        self, method: str, path: str, status: int, headers: Mapping[str, str], body: bytes
    ) -> None:
        where = f"{method} {path} -> {status}"
        found = self._match(path)
        if found is None:
            assert status == 404, f"{where}: unknown path must be 404"
            self._check_error(where, self.plivo_uri, headers, body)
            return
        uri, item = found
        operations = {m.upper(): op for m, op in item.items() if m in METHODS}
        if method.upper() not in operations:
            assert status == 405, f"{where}: undocumented method must be 405"
            allow = {m.strip() for m in headers.get("allow", "").split(",")}
            assert allow == set(operations), f"{where}: Allow {allow} != {set(operations)}"
            self._check_error(where, self.plivo_uri, headers, body)
            return
        responses = operations[method.upper()]["responses"]
        assert str(status) in responses, f"{where}: status not documented ({sorted(responses)})"
        r_uri, response = self.deref(uri, responses[str(status)])
        for name, header in response.get("headers", {}).items():
            h_uri, header = self.deref(r_uri, header)
            value = headers.get(name.lower())
            if value is None:
                assert not header.get("required"), f"{where}: required header {name} missing"
                continue
            errors = list(self.validator(h_uri, header["schema"]).iter_errors(value))
            assert not errors, f"{where}: header {name}: {errors[0].message}"
        content = response.get("content")
        if content is None:
            assert body == b"", f"{where}: body must be empty, got {body[:200]!r}"
            return
        assert headers.get("content-type", "").startswith("application/json"), where
        instance = httpx.Response(200, content=body).json()
        schema = content["application/json"]["schema"]
        errors = list(self.validator(r_uri, schema).iter_errors(instance))
        assert not errors, f"{where}: body {instance!r}: {errors[0].message}"

    def _check_error(self, where: str, uri: str, headers: Mapping[str, str], body: bytes) -> None:
        assert headers.get("content-type", "").startswith("application/json"), where
        instance = httpx.Response(200, content=body).json()
        errors = list(
            self.validator(uri, {"$ref": "#/components/schemas/Error"}).iter_errors(instance)
        )
        assert not errors, f"{where}: body {instance!r}: {errors[0].message}"


@pytest.fixture(scope="session")
def oracle() -> SpecOracle:
    return SpecOracle([SPEC, CONTROL_SPEC])


@pytest.fixture(scope="session")
def conforms(oracle: SpecOracle) -> Conforms:
    """check(method, path, status, headers, body): fails the test on a non-conforming answer."""
    return oracle.check


@pytest.fixture(scope="session")
def plivo_schema(oracle: SpecOracle) -> Callable[[str], jsonschema_rs.Validator]:
    """plivo_schema("DigitsSentCallback") -> a validator for that Plivo spec component."""

    def build(name: str) -> jsonschema_rs.Validator:
        return oracle.validator(oracle.plivo_uri, {"$ref": f"#/components/schemas/{name}"})

    return build


def _check_httpx(oracle: SpecOracle, response: httpx.Response) -> None:
    request = response.request
    oracle.check(
        request.method,
        unquote(urlsplit(str(request.url)).path),
        response.status_code,
        {k.lower(): v for k, v in response.headers.items()},
        response.content,
    )


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# In-process -------------------------------------------------------------------------


@pytest.fixture
async def make_app() -> AsyncIterator[Callable[..., MockApp]]:
    """make_app(**MockConfig fields) -> a fresh app; closed (callbacks stopped) afterwards."""
    apps: list[MockApp] = []

    def build(**overrides: Any) -> MockApp:
        app = create_app(MockConfig(**overrides))
        apps.append(app)
        return app

    yield build
    for app in apps:
        await app.aclose()


@pytest.fixture
async def client_for(
    oracle: SpecOracle,
) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """client_for(app, auth=AUTH, checked=True) -> an httpx.AsyncClient on the app.

    With checked=True every answer is checked against the spec by the oracle.
    """
    clients: list[httpx.AsyncClient] = []

    async def check(response: httpx.Response) -> None:
        await response.aread()
        _check_httpx(oracle, response)

    def build(
        app: MockApp, auth: tuple[str, str] | None = AUTH, checked: bool = True
    ) -> httpx.AsyncClient:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 50000)),
            base_url="http://127.0.0.1:4010",
            auth=auth,
            event_hooks={"response": [check] if checked else []},
        )
        clients.append(client)
        return client

    yield build
    for client in clients:
        await client.aclose()


@pytest.fixture
async def app(make_app: Callable[..., MockApp]) -> MockApp:
    return make_app()


@pytest.fixture
async def client(app: MockApp, client_for: Callable[..., httpx.AsyncClient]) -> httpx.AsyncClient:
    return client_for(app)


# Real socket ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    """One `python -m plivo_mock --no-rate-limit` for the session (tests reset it)."""
    log = tmp_path_factory.mktemp("mock") / "server.log"
    with MockServer("--no-rate-limit", env=env_without_credentials(), log_path=log) as mock:
        yield mock


@pytest.fixture
def live(server: MockServer, oracle: SpecOracle) -> Iterator[httpx.Client]:
    """A client of the session server with the default account, reset before the test."""

    def check(response: httpx.Response) -> None:
        response.read()
        _check_httpx(oracle, response)

    with httpx.Client(
        base_url=server.base_url,
        auth=AUTH,
        timeout=10.0,
        trust_env=False,
        event_hooks={"response": [check]},
    ) as client:
        assert client.post("/__mock__/reset").status_code == 204
        yield client
