from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.event_list import EventList
from ...types import Response


def _get_kwargs(
    call_uuid: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/__mock__/calls/{call_uuid}/events".format(
            call_uuid=quote(str(call_uuid), safe=""),
        ),
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | EventList | None:
    if response.status_code == 200:
        response_200 = EventList.from_dict(response.json())

        return response_200

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

    if response.status_code == 500:
        response_500 = Error.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | EventList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    call_uuid: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Error | EventList]:
    """List a call's DTMF events

     The DTMF requests the mock accepted (202) on the call, oldest first. Only the
    latest events are kept (1000 by default); `dropped` counts the older ones let go.
    Requests answered with an error, injected faults included, record nothing.

    Args:
        call_uuid (str): The UUID of a live call, in lower case.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | EventList]
    """

    kwargs = _get_kwargs(
        call_uuid=call_uuid,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    call_uuid: str,
    *,
    client: AuthenticatedClient | Client,
) -> Error | EventList | None:
    """List a call's DTMF events

     The DTMF requests the mock accepted (202) on the call, oldest first. Only the
    latest events are kept (1000 by default); `dropped` counts the older ones let go.
    Requests answered with an error, injected faults included, record nothing.

    Args:
        call_uuid (str): The UUID of a live call, in lower case.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | EventList
    """

    return sync_detailed(
        call_uuid=call_uuid,
        client=client,
    ).parsed


async def asyncio_detailed(
    call_uuid: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Error | EventList]:
    """List a call's DTMF events

     The DTMF requests the mock accepted (202) on the call, oldest first. Only the
    latest events are kept (1000 by default); `dropped` counts the older ones let go.
    Requests answered with an error, injected faults included, record nothing.

    Args:
        call_uuid (str): The UUID of a live call, in lower case.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | EventList]
    """

    kwargs = _get_kwargs(
        call_uuid=call_uuid,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    call_uuid: str,
    *,
    client: AuthenticatedClient | Client,
) -> Error | EventList | None:
    """List a call's DTMF events

     The DTMF requests the mock accepted (202) on the call, oldest first. Only the
    latest events are kept (1000 by default); `dropped` counts the older ones let go.
    Requests answered with an error, injected faults included, record nothing.

    Args:
        call_uuid (str): The UUID of a live call, in lower case.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | EventList
    """

    return (
        await asyncio_detailed(
            call_uuid=call_uuid,
            client=client,
        )
    ).parsed
