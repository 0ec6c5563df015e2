from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ..._spec import check_request
from ...client import Client
from ...models.error import Error
from ...models.send_digits_accepted import SendDigitsAccepted
from ...models.send_digits_request import SendDigitsRequest
from ...types import Response, http_status


def _get_kwargs(
    call_uuid: str,
    *,
    body: SendDigitsRequest,
    auth_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/Account/{auth_id}/Call/{call_uuid}/DTMF/".format(
            auth_id=quote(str(auth_id), safe=""),
            call_uuid=quote(str(call_uuid), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    return _kwargs


def _parse_response(*, response: httpx.Response) -> Error | SendDigitsAccepted | None:
    """The documented model of the answer's status, or None (never raises)."""
    try:
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

    except (ValueError, TypeError, KeyError, AttributeError):
        # Not JSON, or not the documented shape: the caller still has content and headers.
        return None
    return None


def _build_response(*, response: httpx.Response) -> Response[Error | SendDigitsAccepted]:
    return Response(
        status_code=http_status(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(response=response),
    )


def _parse_success(response: httpx.Response) -> SendDigitsAccepted:
    """The success model, or the errors.* exception for anything else."""
    if response.status_code == 202:
        try:
            response_202 = SendDigitsAccepted.from_dict(response.json())

            return response_202

        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise errors.malformed_success(response, "SendDigitsAccepted") from exc
    raise errors.error_from_response(response)


def _request_kwargs(
    call_uuid: str,
    *,
    client: Client,
    body: SendDigitsRequest,
    auth_id: str | None = None,
) -> dict[str, Any]:
    """The request's arguments, checked: as they will be sent, against the spec's own rules
    (see _spec.py)."""
    _kwargs = _get_kwargs(
        auth_id=client.auth_id if auth_id is None else auth_id,
        call_uuid=call_uuid,
        body=body,
    )
    path_params: dict[str, Any] = {
        "call_uuid": call_uuid,
    }
    if auth_id is not None:  # else the client's, checked by the Client
        path_params["auth_id"] = auth_id
    check_request(
        "post",
        "/v1/Account/{auth_id}/Call/{call_uuid}/DTMF/",
        path_params=path_params,
        query=_kwargs.get("params", {}),
        body=_kwargs.get("json"),
    )
    return _kwargs


def sync_detailed(
    call_uuid: str,
    *,
    client: Client,
    body: SendDigitsRequest,
    auth_id: str | None = None,
) -> Response[Error | SendDigitsAccepted]:
    """Send digits on a call

     Plays DTMF tones into a live call, on the caller's side (`aleg`, the default) or on
    the bridged other party (`bleg`). The answer comes once the digits are queued; with
    `callback_url` it comes at once and the outcome is delivered to that URL.

    Args:
        auth_id (str | None): The account's Auth ID, equal to the Basic-auth username: 20
            characters, MA (main account) or SA (subaccount) then upper-case letters and digits.
            Default: the client's Auth ID.
        call_uuid (str): The UUID of a live call, in lower case.
        body (SendDigitsRequest): What to send. Fields not named here are ignored (the official
            Python and Java SDKs repeat the call UUID in the body).

    Raises:
        errors.InvalidParameterError: An argument breaks a rule of the spec; nothing was sent.
        errors.APIConnectionError: No answer, after the client's retries (errors.APITimeoutError
            on a timeout).

    Returns:
        Response[Error | SendDigitsAccepted]: never raises for an answer, whatever its
            status or body.
    """

    response = client.request(
        **_request_kwargs(
            auth_id=auth_id,
            call_uuid=call_uuid,
            client=client,
            body=body,
        )
    )
    return _build_response(response=response)


def sync(
    call_uuid: str,
    *,
    client: Client,
    body: SendDigitsRequest,
    auth_id: str | None = None,
) -> SendDigitsAccepted:
    """Send digits on a call

     Plays DTMF tones into a live call, on the caller's side (`aleg`, the default) or on
    the bridged other party (`bleg`). The answer comes once the digits are queued; with
    `callback_url` it comes at once and the outcome is delivered to that URL.

    Args:
        auth_id (str | None): The account's Auth ID, equal to the Basic-auth username: 20
            characters, MA (main account) or SA (subaccount) then upper-case letters and digits.
            Default: the client's Auth ID.
        call_uuid (str): The UUID of a live call, in lower case.
        body (SendDigitsRequest): What to send. Fields not named here are ignored (the official
            Python and Java SDKs repeat the call UUID in the body).

    Raises:
        errors.InvalidParameterError: An argument breaks a rule of the spec; nothing was sent.
        errors.BadRequestError: 400, A parameter is missing or invalid.
        errors.AuthenticationError: 401, Authentication failed, or the credentials do not match
            the path's Auth ID.
        errors.ForbiddenError: 403, The account may not do this (geo permissions or verification).
        errors.NotFoundError: 404, No such live call on this account (or no bridged b-leg for
            leg=bleg).
        errors.MethodNotAllowedError: 405, The resource does not answer this method.
        errors.PayloadTooLargeError: 413, The request body is over 8192 bytes.
        errors.UnsupportedMediaTypeError: 415, The request body is not application/json.
        errors.RateLimitError: 429, Over 300 requests in 5 seconds for this account.
        errors.InternalServerError: 500, The provider failed.
        errors.APIStatusError: Any other error status (errors.ServerError for any 5xx).
        errors.APIResponseValidationError: A success status without the documented body.
        errors.APIConnectionError: No answer, after the client's retries (errors.APITimeoutError
            on a timeout).

    Returns:
        SendDigitsAccepted
    """

    response = client.request(
        **_request_kwargs(
            auth_id=auth_id,
            call_uuid=call_uuid,
            client=client,
            body=body,
        )
    )
    return _parse_success(response)


async def asyncio_detailed(
    call_uuid: str,
    *,
    client: Client,
    body: SendDigitsRequest,
    auth_id: str | None = None,
) -> Response[Error | SendDigitsAccepted]:
    """Send digits on a call

     Plays DTMF tones into a live call, on the caller's side (`aleg`, the default) or on
    the bridged other party (`bleg`). The answer comes once the digits are queued; with
    `callback_url` it comes at once and the outcome is delivered to that URL.

    Args:
        auth_id (str | None): The account's Auth ID, equal to the Basic-auth username: 20
            characters, MA (main account) or SA (subaccount) then upper-case letters and digits.
            Default: the client's Auth ID.
        call_uuid (str): The UUID of a live call, in lower case.
        body (SendDigitsRequest): What to send. Fields not named here are ignored (the official
            Python and Java SDKs repeat the call UUID in the body).

    Raises:
        errors.InvalidParameterError: An argument breaks a rule of the spec; nothing was sent.
        errors.APIConnectionError: No answer, after the client's retries (errors.APITimeoutError
            on a timeout).

    Returns:
        Response[Error | SendDigitsAccepted]: never raises for an answer, whatever its
            status or body.
    """

    response = await client.arequest(
        **_request_kwargs(
            auth_id=auth_id,
            call_uuid=call_uuid,
            client=client,
            body=body,
        )
    )
    return _build_response(response=response)


async def asyncio(
    call_uuid: str,
    *,
    client: Client,
    body: SendDigitsRequest,
    auth_id: str | None = None,
) -> SendDigitsAccepted:
    """Send digits on a call

     Plays DTMF tones into a live call, on the caller's side (`aleg`, the default) or on
    the bridged other party (`bleg`). The answer comes once the digits are queued; with
    `callback_url` it comes at once and the outcome is delivered to that URL.

    Args:
        auth_id (str | None): The account's Auth ID, equal to the Basic-auth username: 20
            characters, MA (main account) or SA (subaccount) then upper-case letters and digits.
            Default: the client's Auth ID.
        call_uuid (str): The UUID of a live call, in lower case.
        body (SendDigitsRequest): What to send. Fields not named here are ignored (the official
            Python and Java SDKs repeat the call UUID in the body).

    Raises:
        errors.InvalidParameterError: An argument breaks a rule of the spec; nothing was sent.
        errors.BadRequestError: 400, A parameter is missing or invalid.
        errors.AuthenticationError: 401, Authentication failed, or the credentials do not match
            the path's Auth ID.
        errors.ForbiddenError: 403, The account may not do this (geo permissions or verification).
        errors.NotFoundError: 404, No such live call on this account (or no bridged b-leg for
            leg=bleg).
        errors.MethodNotAllowedError: 405, The resource does not answer this method.
        errors.PayloadTooLargeError: 413, The request body is over 8192 bytes.
        errors.UnsupportedMediaTypeError: 415, The request body is not application/json.
        errors.RateLimitError: 429, Over 300 requests in 5 seconds for this account.
        errors.InternalServerError: 500, The provider failed.
        errors.APIStatusError: Any other error status (errors.ServerError for any 5xx).
        errors.APIResponseValidationError: A success status without the documented body.
        errors.APIConnectionError: No answer, after the client's retries (errors.APITimeoutError
            on a timeout).

    Returns:
        SendDigitsAccepted
    """

    response = await client.arequest(
        **_request_kwargs(
            auth_id=auth_id,
            call_uuid=call_uuid,
            client=client,
            body=body,
        )
    )
    return _parse_success(response)
