from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.send_digits_accepted import SendDigitsAccepted
from ...models.send_digits_request import SendDigitsRequest
from ...types import Response


def _get_kwargs(
    auth_id: str,
    call_uuid: str,
    *,
    body: SendDigitsRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/Account/{auth_id}/Call/{call_uuid}/DTMF/".format(
            auth_id=quote(str(auth_id), safe=""),
            call_uuid=quote(str(call_uuid), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | SendDigitsAccepted | None:
    if response.status_code == 202:
        response_202 = SendDigitsAccepted.from_dict(response.json())

        return response_202

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

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

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = Error.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | SendDigitsAccepted]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    auth_id: str,
    call_uuid: str,
    *,
    client: AuthenticatedClient | Client,
    body: SendDigitsRequest,
) -> Response[Error | SendDigitsAccepted]:
    """Send digits on a call

     Plays DTMF tones into a live call, on the caller's side (`aleg`, the default) or on
    the bridged other party (`bleg`). The answer comes once the digits are queued; with
    `callback_url` it comes at once and the outcome is delivered to that URL.

    Args:
        auth_id (str): The account's Auth ID, equal to the Basic-auth username: 20 characters, MA
            (main account) or SA (subaccount) then upper-case letters and digits.
        call_uuid (str): The UUID of a live call, in lower case.
        body (SendDigitsRequest): What to send. Fields not named here are ignored (the official
            Python and Java SDKs repeat the call UUID in the body).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | SendDigitsAccepted]
    """

    kwargs = _get_kwargs(
        auth_id=auth_id,
        call_uuid=call_uuid,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    auth_id: str,
    call_uuid: str,
    *,
    client: AuthenticatedClient | Client,
    body: SendDigitsRequest,
) -> Error | SendDigitsAccepted | None:
    """Send digits on a call

     Plays DTMF tones into a live call, on the caller's side (`aleg`, the default) or on
    the bridged other party (`bleg`). The answer comes once the digits are queued; with
    `callback_url` it comes at once and the outcome is delivered to that URL.

    Args:
        auth_id (str): The account's Auth ID, equal to the Basic-auth username: 20 characters, MA
            (main account) or SA (subaccount) then upper-case letters and digits.
        call_uuid (str): The UUID of a live call, in lower case.
        body (SendDigitsRequest): What to send. Fields not named here are ignored (the official
            Python and Java SDKs repeat the call UUID in the body).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | SendDigitsAccepted
    """

    return sync_detailed(
        auth_id=auth_id,
        call_uuid=call_uuid,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    auth_id: str,
    call_uuid: str,
    *,
    client: AuthenticatedClient | Client,
    body: SendDigitsRequest,
) -> Response[Error | SendDigitsAccepted]:
    """Send digits on a call

     Plays DTMF tones into a live call, on the caller's side (`aleg`, the default) or on
    the bridged other party (`bleg`). The answer comes once the digits are queued; with
    `callback_url` it comes at once and the outcome is delivered to that URL.

    Args:
        auth_id (str): The account's Auth ID, equal to the Basic-auth username: 20 characters, MA
            (main account) or SA (subaccount) then upper-case letters and digits.
        call_uuid (str): The UUID of a live call, in lower case.
        body (SendDigitsRequest): What to send. Fields not named here are ignored (the official
            Python and Java SDKs repeat the call UUID in the body).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | SendDigitsAccepted]
    """

    kwargs = _get_kwargs(
        auth_id=auth_id,
        call_uuid=call_uuid,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    auth_id: str,
    call_uuid: str,
    *,
    client: AuthenticatedClient | Client,
    body: SendDigitsRequest,
) -> Error | SendDigitsAccepted | None:
    """Send digits on a call

     Plays DTMF tones into a live call, on the caller's side (`aleg`, the default) or on
    the bridged other party (`bleg`). The answer comes once the digits are queued; with
    `callback_url` it comes at once and the outcome is delivered to that URL.

    Args:
        auth_id (str): The account's Auth ID, equal to the Basic-auth username: 20 characters, MA
            (main account) or SA (subaccount) then upper-case letters and digits.
        call_uuid (str): The UUID of a live call, in lower case.
        body (SendDigitsRequest): What to send. Fields not named here are ignored (the official
            Python and Java SDKs repeat the call UUID in the body).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | SendDigitsAccepted
    """

    return (
        await asyncio_detailed(
            auth_id=auth_id,
            call_uuid=call_uuid,
            client=client,
            body=body,
        )
    ).parsed
