"""Read OpenAPI 3.1 documents and compile what the mock checks against them.

Every route, allowed method, security requirement, parameter schema, body schema, property
name, default and documented status the mock uses comes from here; nothing is retyped in
code. Schemas are compiled once, at start-up, by jsonschema-rs (JSON Schema 2020-12, with
ECMA-262-like regular expressions: `$` is the end of the text, so `"1\\n"` fails `^[0-9]+$`).
Validators reference the schemas in place (`{"$ref": "<document URI>#<pointer>"}`) through
a registry holding every loaded document, so `#/components/...` and cross-document refs
such as `plivo-dtmf.yaml#/components/...` resolve exactly as written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urldefrag, urljoin, urlsplit

import jsonschema_rs
import yaml

from plivo_mock.pointer import RefError, Resolver
from plivo_mock.pointer import token as pointer_token

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
JSON_MEDIA_TYPE = "application/json"


def json_media_type(content: Any, where: str) -> str:
    """The media type of a body's `content` (request or response), which must be exactly one
    and JSON (`application/json`, or a `+json` one), named as the spec spells it.

    Every reader of a body's schema takes the key from here rather than typing
    `application/json`: a media type changed in the spec then fails generation and the
    checker, naming where, instead of silently dropping that body's rules.
    """
    kinds = list(content) if isinstance(content, dict) else []
    if len(kinds) != 1 or not _is_json(kinds[0]):
        raise SpecError(f"{where}: content must be one JSON media type, not {kinds}")
    return str(kinds[0])


def json_content(holder: Any, where: str) -> Any:
    """The media type object of a (resolved) request body or response's one JSON media
    type (json_media_type), or {} when it has no `content`."""
    content = holder.get("content") if isinstance(holder, dict) else None
    return content[json_media_type(content, where)] if content else {}


def _is_json(media_type: object) -> bool:
    if not isinstance(media_type, str):
        return False
    kind = media_type.split(";", 1)[0].strip().lower()
    return kind == JSON_MEDIA_TYPE or (kind.startswith("application/") and kind.endswith("+json"))


# libyaml's safe loader when available: several times faster at start-up.
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Cap error text: a message quotes the offending value, which can be up to the body limit.
_MAX_MESSAGE = 300
_MAX_ERRORS = 3


class SpecError(ValueError):
    """The document cannot drive the mock (unsupported construct, bad reference...)."""


@dataclass(frozen=True, slots=True)
class Param:
    """A path or query parameter and its compiled schema."""

    name: str
    location: str
    required: bool
    validator: jsonschema_rs.Validator
    # The string values its schema lists (`enum`, `const`): published words, no secret, so
    # the proxy may quote a value that is one of them but for case (redaction.py).
    listed: tuple[str, ...] = ()
    # Values seen valid: clients repeat the same Auth ID and call UUID. Bounded.
    known_valid: set[str] = field(default_factory=set, compare=False, repr=False)

    def is_valid(self, value: str) -> bool:
        if value in self.known_valid:
            return True
        if not self.validator.is_valid(value):
            return False
        if len(self.known_valid) >= 1024:
            self.known_valid.clear()
        self.known_valid.add(value)
        return True


@dataclass(frozen=True, slots=True)
class Body:
    """A JSON request body: its compiled schema, declared property names and defaults."""

    required: bool
    validator: jsonschema_rs.Validator
    properties: frozenset[str]
    defaults: Mapping[str, Any]

    def errors(self, schemas: SchemaSet, value: Any) -> list[str]:
        """The error lines of a body `validator` rejected."""
        return schemas.errors(self.validator, value)


@dataclass(frozen=True, slots=True)
class Answer:
    """One entry of the success response's `x-cases`: the request bodies it answers, and the
    fields (each `const` of its response schema) that the answer then carries."""

    request: jsonschema_rs.Validator
    fields: Mapping[str, Any]
    # The whole `response` schema of the case, which an answer to a matching request must fit.
    response: jsonschema_rs.Validator | None = None


@dataclass(frozen=True, slots=True)
class Operation:
    """One method on one path, as the document describes it."""

    document: ApiDocument
    operation_id: str
    method: str
    secured: bool
    path_params: tuple[Param, ...]
    query_params: tuple[Param, ...]
    body: Body | None
    statuses: frozenset[int]
    success: int
    answers: tuple[Answer, ...] = ()


@dataclass(frozen=True, slots=True)
class Route:
    """A path template and the operations it answers."""

    template: str
    # The template split on "/": (literal text, False) or (parameter name, True).
    segments: tuple[tuple[str, bool], ...]
    # The same match as match_segments, as a regex over a path with no percent escape
    # (nothing to decode, so splitting and comparing is one regex match): the hot path.
    pattern: re.Pattern[str]
    operations: Mapping[str, Operation]
    allow: str

    def match_segments(self, segments: list[str]) -> dict[str, str] | None:
        """The path parameters if `segments` fit the template, else None.

        `segments` is the path as sent split on "/", then each percent-decoded, so that an
        encoded slash (`%2F`) is data inside a segment, never a separator. A parameter is
        never empty.
        """
        if len(segments) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for (text, is_param), segment in zip(self.segments, segments, strict=True):
            if is_param:
                if not segment:
                    return None
                params[text] = segment
            elif segment != text:
                return None
        return params


def read_yaml(path: Path) -> Any:
    """A YAML (or JSON) file's data; a SpecError of one line naming the file if unreadable."""
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_YamlLoader)  # noqa: S506 - a safe loader
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SpecError(f"{path}: a directory, not a file") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(f"{path}: not valid YAML{where}: {' '.join(problem.split())}") from None


class SchemaSet:
    """Loaded documents by URI, one jsonschema-rs registry over all of them.

    The first document is the one served. The others (the control document) refer to it by
    a file name (`plivo-dtmf.yaml#/...`): wherever the spec served is kept and whatever its
    name, that name means it, so the control document always describes the spec in use.
    """

    def __init__(self, paths: Iterable[Path]) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        for path in paths:
            raw = read_yaml(path)
            if not isinstance(raw, dict):
                raise SpecError(f"{path}: not an OpenAPI 3.1 document (not a mapping)")
            self.documents[path.resolve().as_uri()] = raw
        self._alias_the_served_document()
        self._resolver = Resolver(self.documents)
        # Keyword locations are finitely many (the documents' own): their lookups are cached.
        self._keywords: dict[str, tuple[Any, str | None]] = {}
        self._registry = jsonschema_rs.Registry(
            list(self.documents.items()), draft=jsonschema_rs.Draft202012, retriever=_no_retrieval
        )

    def _alias_the_served_document(self) -> None:
        uris = list(self.documents)
        if not uris:
            return
        served = self.documents[uris[0]]
        for uri in uris[1:]:
            elsewhere = {
                target
                for ref in _refs(self.documents[uri])
                if (target := urldefrag(urljoin(uri, ref)).url) not in self.documents
            }
            if len(elsewhere) > 1:
                names = ", ".join(sorted(unquote(t.rsplit("/", 1)[-1]) for t in elsewhere))
                raise SpecError(
                    f"{Path(unquote(urlsplit(uri).path))}: refers to {names}: one "
                    "document besides itself (the spec served) is all it may name"
                )
            for target in elsewhere:
                self.documents[target] = served

    def node(self, uri: str, pointer: str) -> Any:
        """The value at `pointer` in the document at `uri`."""
        try:
            return self._resolver.node(uri, pointer)
        except RefError as exc:
            raise SpecError(str(exc)) from None

    def deref(
        self,
        uri: str,
        pointer: str,
        on_ref: Callable[[dict[str, Any]], None] | None = None,
    ) -> tuple[str, str, Any]:
        """Follow `$ref` chains (bounded, cycles refused) from a node; answer where the
        target lives (`plivo_mock.pointer` is the one reading of refs).

        `on_ref` sees each node that is a `$ref` on the way (and may raise).
        """
        try:
            return self._resolver.deref(uri, pointer, on_ref)
        except RefError as exc:
            raise SpecError(str(exc)) from None

    def validator(self, uri: str, pointer: str) -> jsonschema_rs.Validator:
        """Compile the schema at `pointer` in place, so its refs resolve as written."""
        ref = f"{uri}#{quote(pointer, safe='/~')}"
        return jsonschema_rs.validator_for(
            {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": ref},
            registry=self._registry,
            validate_formats=True,
        )

    def errors(
        self, validator: jsonschema_rs.Validator, instance: Any, where: str = "body"
    ) -> list[str]:
        """Readable messages naming the field and the rule, or [] when valid.

        `where` names the instance itself (the body, a parameter); errors inside it are
        named by their path (`digits`, `accounts.0.auth_id`). Hot paths ask the validator's
        is_valid first (several times cheaper on a valid instance) and come here on failure.
        """
        found: list[str] = []
        for error in validator.iter_errors(instance):
            path = ".".join(map(str, error.instance_path))
            field = (f"{where}.{path}" if where != "body" else path) if path else where
            found.append(word(field, self._message(error)))
            if len(found) == _MAX_ERRORS:
                break
        return found

    def _message(self, error: jsonschema_rs.ValidationError) -> str:
        kind = error.kind.name
        if kind not in ("pattern", "oneOf", "anyOf") or not error.absolute_keyword_location:
            return error.message
        written, description = self._keyword(error.absolute_keyword_location)
        # jsonschema-rs reports patterns as rewritten for its engine (`$(?!\n)`); quote the
        # pattern as the document writes it.
        if kind == "pattern" and isinstance(written, str):
            return f"{_short(error.instance)} does not match the pattern {written}"
        # oneOf/anyOf messages say only that no alternative fits: add the schema's own words.
        if kind != "pattern" and description:
            return f"{error.message} ({description})"
        return error.message

    def _keyword(self, location: str) -> tuple[Any, str | None]:
        """(the keyword's value, its schema's description) at a keyword location; cached."""
        found = self._keywords.get(location)
        if found is None:
            uri, _, fragment = location.partition("#")
            pointer = unquote(fragment)
            if uri not in self.documents:
                found = (None, None)
            else:
                parent = self.node(uri, pointer.rsplit("/", 1)[0])
                description = parent.get("description") if isinstance(parent, dict) else None
                found = (
                    self.node(uri, pointer),
                    description if isinstance(description, str) else None,
                )
            self._keywords[location] = found
        return found


def _refs(node: Any) -> Iterable[str]:
    """Every `$ref` string in a document."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _no_retrieval(uri: str) -> Any:
    # Only the documents loaded are resolved: never a file or URL they happen to name.
    raise SpecError(f"$ref to a document not loaded: {uri}")


def word(field: str, message: str) -> str:
    """One line of a 400's error text: the field, then the message, capped."""
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 1] + "…"
    return f"{field}: {message}"


# json.dumps with options builds an encoder on every call: most of the cost of quoting a value.
_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _short(value: Any) -> str:
    text = _ENCODER.encode(value)
    return text if len(text) <= 80 else text[:79] + "…"


class ApiDocument:
    """One OpenAPI document compiled into routes and operations."""

    def __init__(self, schemas: SchemaSet, path: Path) -> None:
        self.schemas = schemas
        self.path = path
        self.uri = path.resolve().as_uri()
        self.raw = schemas.documents[self.uri]
        version = self.raw.get("openapi")
        if not (isinstance(version, str) and re.fullmatch(r"3\.1\.\d+", version)):
            raise SpecError(f"{path}: not an OpenAPI 3.1 document (openapi: {_short(version)})")
        try:
            routes = [self._route(template) for template in self.raw.get("paths") or {}]
        except SpecError as exc:
            raise SpecError(f"{path}: {exc}") from None
        except (ValueError, LookupError, TypeError, AttributeError) as exc:
            # A document that parses but does not hold together (a $ref to nothing, a
            # parameter that is not a mapping...): name the file, not a Python error.
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise SpecError(f"{path}: cannot be served: {first}") from None
        self.routes: tuple[Route, ...] = tuple(routes)

    @property
    def operations(self) -> list[Operation]:
        return [op for route in self.routes for op in route.operations.values()]

    def schema_validator(self, pointer: str) -> jsonschema_rs.Validator:
        return self.schemas.validator(self.uri, pointer)

    def _route(self, template: str) -> Route:
        item_pointer = "/paths/" + pointer_token(template)
        item = self.schemas.node(self.uri, item_pointer)
        segments: list[tuple[str, bool]] = []
        for segment in template.split("/"):
            whole = re.fullmatch(r"\{([^{}]+)\}", segment)
            if whole is None and ("{" in segment or "}" in segment or "%" in segment):
                raise SpecError(f"{template}: a parameter must be a whole path segment")
            segments.append((whole.group(1), True) if whole else (segment, False))
        regex = "/".join(
            f"(?P<{text}>[^/]+)" if is_param else re.escape(text) for text, is_param in segments
        )
        operations = {
            method.upper(): self._operation(template, item_pointer, method)
            for method in HTTP_METHODS
            if method in item
        }
        return Route(
            template=template,
            segments=tuple(segments),
            pattern=re.compile(regex),
            operations=operations,
            allow=", ".join(sorted(operations)),
        )

    def _operation(self, template: str, item_pointer: str, method: str) -> Operation:
        op_pointer = f"{item_pointer}/{method}"
        op = self.schemas.node(self.uri, op_pointer)
        operation_id = op.get("operationId")
        if not isinstance(operation_id, str):
            raise SpecError(f"{method.upper()} {template}: no operationId")
        params: dict[tuple[str, str], Param] = {}
        # Operation-level parameters override path-item ones of the same name and location.
        for owner in (item_pointer, op_pointer):
            for index, _ in enumerate(self.schemas.node(self.uri, owner).get("parameters", [])):
                param = self._param(f"{owner}/parameters/{index}")
                params[(param.name, param.location)] = param
        security = op.get("security", self.raw.get("security", []))
        responses = op.get("responses", {})
        statuses = frozenset(int(code) for code in responses if str(code).isdigit())
        successes = sorted(code for code in statuses if 200 <= code < 300)
        if len(successes) != 1:
            raise SpecError(f"{operation_id}: expected exactly one 2xx response")
        return Operation(
            document=self,
            operation_id=operation_id,
            method=method.upper(),
            secured=bool(security) and {} not in security,
            path_params=tuple(p for p in params.values() if p.location == "path"),
            query_params=tuple(p for p in params.values() if p.location == "query"),
            body=self._body(op_pointer) if "requestBody" in op else None,
            statuses=statuses,
            success=successes[0],
            answers=self._answers(f"{op_pointer}/responses/{successes[0]}"),
        )

    def _answers(self, response_pointer: str) -> tuple[Answer, ...]:
        uri, pointer, response = self.schemas.deref(self.uri, response_pointer)
        answers = []
        for index, case in enumerate(response.get("x-cases", [])):
            properties = case.get("response", {}).get("properties", {})
            answers.append(
                Answer(
                    request=self.schemas.validator(uri, f"{pointer}/x-cases/{index}/request"),
                    fields={k: v["const"] for k, v in properties.items() if "const" in v},
                    response=self.schemas.validator(uri, f"{pointer}/x-cases/{index}/response"),
                )
            )
        return tuple(answers)

    def _param(self, pointer: str) -> Param:
        uri, pointer, param = self.schemas.deref(self.uri, pointer)
        location = param.get("in")
        if location not in ("path", "query") or "schema" not in param:
            raise SpecError(f"{uri}#{pointer}: only path and query parameters with a schema")
        return Param(
            name=param["name"],
            location=location,
            required=bool(param.get("required", location == "path")),
            validator=self.schemas.validator(uri, f"{pointer}/schema"),
            listed=self._listed(uri, f"{pointer}/schema"),
        )

    def _listed(self, uri: str, pointer: str) -> tuple[str, ...]:
        _, _, schema = self.schemas.deref(uri, pointer)
        if not isinstance(schema, dict):
            return ()
        values = [*schema.get("enum", ()), *([schema["const"]] if "const" in schema else [])]
        return tuple(v for v in values if isinstance(v, str))

    def _body(self, op_pointer: str) -> Body:
        uri, pointer, body = self.schemas.deref(self.uri, f"{op_pointer}/requestBody")
        content = body.get("content", {})
        if set(content) != {JSON_MEDIA_TYPE}:
            raise SpecError(f"{uri}#{pointer}: only {JSON_MEDIA_TYPE} bodies are supported")
        schema_pointer = f"{pointer}/content/{pointer_token(JSON_MEDIA_TYPE)}/schema"
        s_uri, s_pointer, schema = self.schemas.deref(uri, schema_pointer)
        properties = schema.get("properties", {})
        return Body(
            required=bool(body.get("required", False)),
            validator=self.schemas.validator(s_uri, s_pointer),
            properties=frozenset(properties),
            defaults={
                name: prop["default"]
                for name, prop in properties.items()
                if isinstance(prop, dict) and "default" in prop
            },
        )
