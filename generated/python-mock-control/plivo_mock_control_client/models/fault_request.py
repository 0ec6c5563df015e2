from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="FaultRequest")


@_attrs_define
class FaultRequest:
    """Give exactly one of `status`, `delay_ms` and `message`."""

    call_uuid: str
    """ The UUID of a live call, in lower case. """
    count: int | Unset = 1
    """ How many DTMF requests on the call the fault applies to. """
    status: int | Unset = UNSET
    """ Answer with this status and a Plivo-shaped error body. """
    delay_ms: int | Unset = UNSET
    """ Hold each request this long, then handle it normally. """
    message: str | Unset = UNSET
    """ Answer 202 with this `message` (the digits are played and recorded as usual): any text, such as a value the
    spec's enum does not list. """

    def to_dict(self) -> dict[str, Any]:
        call_uuid = self.call_uuid

        count = self.count

        status = self.status

        delay_ms = self.delay_ms

        message = self.message

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "call_uuid": call_uuid,
            }
        )
        if count is not UNSET:
            field_dict["count"] = count
        if status is not UNSET:
            field_dict["status"] = status
        if delay_ms is not UNSET:
            field_dict["delay_ms"] = delay_ms
        if message is not UNSET:
            field_dict["message"] = message

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        call_uuid = d.pop("call_uuid")

        count = d.pop("count", UNSET)

        status = d.pop("status", UNSET)

        delay_ms = d.pop("delay_ms", UNSET)

        message = d.pop("message", UNSET)

        fault_request = cls(
            call_uuid=call_uuid,
            count=count,
            status=status,
            delay_ms=delay_ms,
            message=message,
        )

        return fault_request
