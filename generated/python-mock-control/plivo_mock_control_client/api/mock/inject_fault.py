from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.fault_request import FaultRequest
from ...types import Response


def _get_kwargs(
    *,
    body: FaultRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/__mock__/faults",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | FaultRequest | None:
    if response.status_code == 201:
        response_201 = FaultRequest.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 405:
        response_405 = Error.from_dict(response.json())

        return response_405

    if response.status_code == 413:
        response_413 = Error.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Error.from_dict(response.json())

        return response_415

    if response.status_code == 500:
        response_500 = Error.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | FaultRequest]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: FaultRequest,
) -> Response[Error | FaultRequest]:
    """Inject a fault into a call

     The next `count` DTMF requests on the call that would have been accepted are
    answered instead with `status` (a Plivo-shaped error body, no event recorded), or
    are held for `delay_ms` and then handled normally (an event is recorded after the
    delay; with `callback_url` the answer is immediate and the callback is delayed), or
    are handled normally but answered 202 with `message` in place of the spec's (to see
    how a client parses a value the spec does not list: the SDKs' open enums).
    `status` may be any 4xx or 5xx, including ones the Plivo spec does not document
    (such as 503), to test how a client copes. A new fault replaces the call's current
    one; hanging up clears it.

    Args:
        body (FaultRequest): Give exactly one of `status`, `delay_ms` and `message`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | FaultRequest]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: FaultRequest,
) -> Error | FaultRequest | None:
    """Inject a fault into a call

     The next `count` DTMF requests on the call that would have been accepted are
    answered instead with `status` (a Plivo-shaped error body, no event recorded), or
    are held for `delay_ms` and then handled normally (an event is recorded after the
    delay; with `callback_url` the answer is immediate and the callback is delayed), or
    are handled normally but answered 202 with `message` in place of the spec's (to see
    how a client parses a value the spec does not list: the SDKs' open enums).
    `status` may be any 4xx or 5xx, including ones the Plivo spec does not document
    (such as 503), to test how a client copes. A new fault replaces the call's current
    one; hanging up clears it.

    Args:
        body (FaultRequest): Give exactly one of `status`, `delay_ms` and `message`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | FaultRequest
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: FaultRequest,
) -> Response[Error | FaultRequest]:
    """Inject a fault into a call

     The next `count` DTMF requests on the call that would have been accepted are
    answered instead with `status` (a Plivo-shaped error body, no event recorded), or
    are held for `delay_ms` and then handled normally (an event is recorded after the
    delay; with `callback_url` the answer is immediate and the callback is delayed), or
    are handled normally but answered 202 with `message` in place of the spec's (to see
    how a client parses a value the spec does not list: the SDKs' open enums).
    `status` may be any 4xx or 5xx, including ones the Plivo spec does not document
    (such as 503), to test how a client copes. A new fault replaces the call's current
    one; hanging up clears it.

    Args:
        body (FaultRequest): Give exactly one of `status`, `delay_ms` and `message`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | FaultRequest]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: FaultRequest,
) -> Error | FaultRequest | None:
    """Inject a fault into a call

     The next `count` DTMF requests on the call that would have been accepted are
    answered instead with `status` (a Plivo-shaped error body, no event recorded), or
    are held for `delay_ms` and then handled normally (an event is recorded after the
    delay; with `callback_url` the answer is immediate and the callback is delayed), or
    are handled normally but answered 202 with `message` in place of the spec's (to see
    how a client parses a value the spec does not list: the SDKs' open enums).
    `status` may be any 4xx or 5xx, including ones the Plivo spec does not document
    (such as 503), to test how a client copes. A new fault replaces the call's current
    one; hanging up clears it.

    Args:
        body (FaultRequest): Give exactly one of `status`, `delay_ms` and `message`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | FaultRequest
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
