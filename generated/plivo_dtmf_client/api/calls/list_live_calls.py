from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.list_live_calls_status import ListLiveCallsStatus
from ...models.live_calls import LiveCalls
from ...types import UNSET, Response


def _get_kwargs(
    auth_id: str,
    *,
    status: ListLiveCallsStatus,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_status = status.value
    params["status"] = json_status

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/Account/{auth_id}/Call/".format(
            auth_id=quote(str(auth_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | LiveCalls | None:
    if response.status_code == 200:
        response_200 = LiveCalls.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 405:
        response_405 = Error.from_dict(response.json())

        return response_405

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | LiveCalls]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    auth_id: str,
    *,
    client: AuthenticatedClient | Client,
    status: ListLiveCallsStatus,
) -> Response[Error | LiveCalls]:
    """List live call UUIDs

     Answers the UUIDs of the account's calls that are in progress. Its `calls` feed the
    `call_uuid` of sendDigits through an OpenAPI link, which lets a stateful test find a
    live call on any provider.

    Args:
        auth_id (str): The account's Auth ID, equal to the Basic-auth username: 20 characters, MA
            (main account) or SA (subaccount) then upper-case letters and digits.
        status (ListLiveCallsStatus): Which calls to list; only live calls can be listed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | LiveCalls]
    """

    kwargs = _get_kwargs(
        auth_id=auth_id,
        status=status,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    auth_id: str,
    *,
    client: AuthenticatedClient | Client,
    status: ListLiveCallsStatus,
) -> Error | LiveCalls | None:
    """List live call UUIDs

     Answers the UUIDs of the account's calls that are in progress. Its `calls` feed the
    `call_uuid` of sendDigits through an OpenAPI link, which lets a stateful test find a
    live call on any provider.

    Args:
        auth_id (str): The account's Auth ID, equal to the Basic-auth username: 20 characters, MA
            (main account) or SA (subaccount) then upper-case letters and digits.
        status (ListLiveCallsStatus): Which calls to list; only live calls can be listed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | LiveCalls
    """

    return sync_detailed(
        auth_id=auth_id,
        client=client,
        status=status,
    ).parsed


async def asyncio_detailed(
    auth_id: str,
    *,
    client: AuthenticatedClient | Client,
    status: ListLiveCallsStatus,
) -> Response[Error | LiveCalls]:
    """List live call UUIDs

     Answers the UUIDs of the account's calls that are in progress. Its `calls` feed the
    `call_uuid` of sendDigits through an OpenAPI link, which lets a stateful test find a
    live call on any provider.

    Args:
        auth_id (str): The account's Auth ID, equal to the Basic-auth username: 20 characters, MA
            (main account) or SA (subaccount) then upper-case letters and digits.
        status (ListLiveCallsStatus): Which calls to list; only live calls can be listed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | LiveCalls]
    """

    kwargs = _get_kwargs(
        auth_id=auth_id,
        status=status,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    auth_id: str,
    *,
    client: AuthenticatedClient | Client,
    status: ListLiveCallsStatus,
) -> Error | LiveCalls | None:
    """List live call UUIDs

     Answers the UUIDs of the account's calls that are in progress. Its `calls` feed the
    `call_uuid` of sendDigits through an OpenAPI link, which lets a stateful test find a
    live call on any provider.

    Args:
        auth_id (str): The account's Auth ID, equal to the Basic-auth username: 20 characters, MA
            (main account) or SA (subaccount) then upper-case letters and digits.
        status (ListLiveCallsStatus): Which calls to list; only live calls can be listed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | LiveCalls
    """

    return (
        await asyncio_detailed(
            auth_id=auth_id,
            client=client,
            status=status,
        )
    ).parsed
