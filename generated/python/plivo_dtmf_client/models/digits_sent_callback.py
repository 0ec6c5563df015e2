from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.digits_sent_callback_status import DigitsSentCallbackStatus
from ..models.leg import Leg

T = TypeVar("T", bound="DigitsSentCallback")


@_attrs_define
class DigitsSentCallback:
    """The outcome of an asynchronous request."""

    api_id: str
    """ Identifies the request, for Plivo support. """
    call_uuid: str
    digits: str
    leg: Leg | str
    """ Which side of the call hears the digits. """
    status: DigitsSentCallbackStatus | str
    """ sent, or failed when the call ended first. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        api_id = self.api_id

        call_uuid = self.call_uuid

        digits = self.digits

        leg = getattr(self.leg, "value", self.leg)

        status = getattr(self.status, "value", self.status)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "api_id": api_id,
                "call_uuid": call_uuid,
                "digits": digits,
                "leg": leg,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        api_id = d.pop("api_id")

        call_uuid = d.pop("call_uuid")

        digits = d.pop("digits")

        _leg = d.pop("leg")
        leg: Leg | str
        if _leg in list(Leg) or not isinstance(_leg, str):
            leg = Leg(_leg)
        else:
            # Not listed by this version of the spec: kept as sent, for the caller to handle.
            leg = _leg

        _status = d.pop("status")
        status: DigitsSentCallbackStatus | str
        if _status in list(DigitsSentCallbackStatus) or not isinstance(_status, str):
            status = DigitsSentCallbackStatus(_status)
        else:
            # Not listed by this version of the spec: kept as sent, for the caller to handle.
            status = _status

        digits_sent_callback = cls(
            api_id=api_id,
            call_uuid=call_uuid,
            digits=digits,
            leg=leg,
            status=status,
        )

        digits_sent_callback.additional_properties = d
        return digits_sent_callback

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
