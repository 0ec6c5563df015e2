from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.callback_method import CallbackMethod
from ..models.callback_outcome_status import CallbackOutcomeStatus

T = TypeVar("T", bound="CallbackOutcome")


@_attrs_define
class CallbackOutcome:
    """What became of an asynchronous request's callback."""

    url: str
    method: CallbackMethod
    """ How the callback is delivered. """
    status: CallbackOutcomeStatus
    """ pending (not sent yet), delivered (the receiver answered 2xx), failed (another status, a timeout or a
    connection error), blocked (the host is not one the mock may call: loopback unless configured otherwise; nothing
    was sent). """
    http_status: int | None
    """ The receiver's status, when it answered. """
    error: None | str
    """ Why delivery failed or was blocked. """
    signed: bool
    """ Whether the callback was sent with Plivo's signature headers (X-Plivo-Signature-V3 and -V2 with their
    nonces, made with the call's account's Auth Token). Every callback the mock sends is; the signature, the nonces
    and the token are never recorded. """

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        method = self.method.value

        status = self.status.value

        http_status: int | None
        http_status = self.http_status

        error: None | str
        error = self.error

        signed = self.signed

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "url": url,
                "method": method,
                "status": status,
                "http_status": http_status,
                "error": error,
                "signed": signed,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        url = d.pop("url")

        method = CallbackMethod(d.pop("method"))

        status = CallbackOutcomeStatus(d.pop("status"))

        def _parse_http_status(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        http_status = _parse_http_status(d.pop("http_status"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        signed = d.pop("signed")

        callback_outcome = cls(
            url=url,
            method=method,
            status=status,
            http_status=http_status,
            error=error,
            signed=signed,
        )

        return callback_outcome
