from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ..._spec import check_request
from ...client import Client
from ...models.error import Error
from ...models.list_live_calls_status import ListLiveCallsStatus
from ...models.live_calls import LiveCalls
from ...types import UNSET, Response, http_status


def _get_kwargs(
    *,
    status: ListLiveCallsStatus = ListLiveCallsStatus.LIVE,
    auth_id: str,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_status = getattr(status, "value", status)
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


def _parse_response(*, response: httpx.Response) -> Error | LiveCalls | None:
    """The documented model of the answer's status, or None (never raises)."""
    try:
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

    except (ValueError, TypeError, KeyError, AttributeError):
        # Not JSON, or not the documented shape: the caller still has content and headers.
        return None
    return None


def _build_response(*, response: httpx.Response) -> Response[Error | LiveCalls]:
    return Response(
        status_code=http_status(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(response=response),
    )


def _parse_success(response: httpx.Response) -> LiveCalls:
    """The success model, or the errors.* exception for anything else."""
    if response.status_code == 200:
        try:
            response_200 = LiveCalls.from_dict(response.json())

            return response_200

        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise errors.malformed_success(response, "LiveCalls") from exc
    raise errors.error_from_response(response)


def _request_kwargs(
    *,
    client: Client,
    status: ListLiveCallsStatus = ListLiveCallsStatus.LIVE,
    auth_id: str | None = None,
) -> dict[str, Any]:
    """The request's arguments, checked: as they will be sent, against the spec's own rules
    (see _spec.py)."""
    _kwargs = _get_kwargs(
        auth_id=client.auth_id if auth_id is None else auth_id,
        status=status,
    )
    path_params: dict[str, Any] = {}
    if auth_id is not None:  # else the client's, checked by the Client
        path_params["auth_id"] = auth_id
    check_request(
        "get",
        "/v1/Account/{auth_id}/Call/",
        path_params=path_params,
        query=_kwargs.get("params", {}),
        body=_kwargs.get("json"),
    )
    return _kwargs


def sync_detailed(
    *,
    client: Client,
    status: ListLiveCallsStatus = ListLiveCallsStatus.LIVE,
    auth_id: str | None = None,
) -> Response[Error | LiveCalls]:
    """List live call UUIDs

     Answers the UUIDs of the account's calls that are in progress. Its `calls` feed the
    `call_uuid` of sendDigits through an OpenAPI link, which lets a stateful test find a
    live call on any provider.

    Args:
        auth_id (str | None): The account's Auth ID, equal to the Basic-auth username: 20
            characters, MA (main account) or SA (subaccount) then upper-case letters and digits.
            Default: the client's Auth ID.
        status (ListLiveCallsStatus): Which calls to list; only live calls can be listed.

    Raises:
        errors.InvalidParameterError: An argument breaks a rule of the spec; nothing was sent.
        errors.APIConnectionError: No answer, after the client's retries (errors.APITimeoutError
            on a timeout).

    Returns:
        Response[Error | LiveCalls]: never raises for an answer, whatever its
            status or body.
    """

    response = client.request(
        **_request_kwargs(
            auth_id=auth_id,
            client=client,
            status=status,
        )
    )
    return _build_response(response=response)


def sync(
    *,
    client: Client,
    status: ListLiveCallsStatus = ListLiveCallsStatus.LIVE,
    auth_id: str | None = None,
) -> LiveCalls:
    """List live call UUIDs

     Answers the UUIDs of the account's calls that are in progress. Its `calls` feed the
    `call_uuid` of sendDigits through an OpenAPI link, which lets a stateful test find a
    live call on any provider.

    Args:
        auth_id (str | None): The account's Auth ID, equal to the Basic-auth username: 20
            characters, MA (main account) or SA (subaccount) then upper-case letters and digits.
            Default: the client's Auth ID.
        status (ListLiveCallsStatus): Which calls to list; only live calls can be listed.

    Raises:
        errors.InvalidParameterError: An argument breaks a rule of the spec; nothing was sent.
        errors.BadRequestError: 400, A parameter is missing or invalid.
        errors.AuthenticationError: 401, Authentication failed, or the credentials do not match
            the path's Auth ID.
        errors.ForbiddenError: 403, The account may not do this (geo permissions or verification).
        errors.MethodNotAllowedError: 405, The resource does not answer this method.
        errors.RateLimitError: 429, Over 300 requests in 5 seconds for this account.
        errors.InternalServerError: 500, The provider failed.
        errors.APIStatusError: Any other error status (errors.ServerError for any 5xx).
        errors.APIResponseValidationError: A success status without the documented body.
        errors.APIConnectionError: No answer, after the client's retries (errors.APITimeoutError
            on a timeout).

    Returns:
        LiveCalls
    """

    response = client.request(
        **_request_kwargs(
            auth_id=auth_id,
            client=client,
            status=status,
        )
    )
    return _parse_success(response)


async def asyncio_detailed(
    *,
    client: Client,
    status: ListLiveCallsStatus = ListLiveCallsStatus.LIVE,
    auth_id: str | None = None,
) -> Response[Error | LiveCalls]:
    """List live call UUIDs

     Answers the UUIDs of the account's calls that are in progress. Its `calls` feed the
    `call_uuid` of sendDigits through an OpenAPI link, which lets a stateful test find a
    live call on any provider.

    Args:
        auth_id (str | None): The account's Auth ID, equal to the Basic-auth username: 20
            characters, MA (main account) or SA (subaccount) then upper-case letters and digits.
            Default: the client's Auth ID.
        status (ListLiveCallsStatus): Which calls to list; only live calls can be listed.

    Raises:
        errors.InvalidParameterError: An argument breaks a rule of the spec; nothing was sent.
        errors.APIConnectionError: No answer, after the client's retries (errors.APITimeoutError
            on a timeout).

    Returns:
        Response[Error | LiveCalls]: never raises for an answer, whatever its
            status or body.
    """

    response = await client.arequest(
        **_request_kwargs(
            auth_id=auth_id,
            client=client,
            status=status,
        )
    )
    return _build_response(response=response)


async def asyncio(
    *,
    client: Client,
    status: ListLiveCallsStatus = ListLiveCallsStatus.LIVE,
    auth_id: str | None = None,
) -> LiveCalls:
    """List live call UUIDs

     Answers the UUIDs of the account's calls that are in progress. Its `calls` feed the
    `call_uuid` of sendDigits through an OpenAPI link, which lets a stateful test find a
    live call on any provider.

    Args:
        auth_id (str | None): The account's Auth ID, equal to the Basic-auth username: 20
            characters, MA (main account) or SA (subaccount) then upper-case letters and digits.
            Default: the client's Auth ID.
        status (ListLiveCallsStatus): Which calls to list; only live calls can be listed.

    Raises:
        errors.InvalidParameterError: An argument breaks a rule of the spec; nothing was sent.
        errors.BadRequestError: 400, A parameter is missing or invalid.
        errors.AuthenticationError: 401, Authentication failed, or the credentials do not match
            the path's Auth ID.
        errors.ForbiddenError: 403, The account may not do this (geo permissions or verification).
        errors.MethodNotAllowedError: 405, The resource does not answer this method.
        errors.RateLimitError: 429, Over 300 requests in 5 seconds for this account.
        errors.InternalServerError: 500, The provider failed.
        errors.APIStatusError: Any other error status (errors.ServerError for any 5xx).
        errors.APIResponseValidationError: A success status without the documented body.
        errors.APIConnectionError: No answer, after the client's retries (errors.APITimeoutError
            on a timeout).

    Returns:
        LiveCalls
    """

    response = await client.arequest(
        **_request_kwargs(
            auth_id=auth_id,
            client=client,
            status=status,
        )
    )
    return _parse_success(response)
