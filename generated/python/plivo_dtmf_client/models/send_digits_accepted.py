from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.send_digits_accepted_message import SendDigitsAcceptedMessage

T = TypeVar("T", bound="SendDigitsAccepted")


@_attrs_define
class SendDigitsAccepted:
    """The request was taken."""

    message: SendDigitsAcceptedMessage | str
    """ "digits sent", or "async api spawned" with callback_url. """
    api_id: str
    """ Identifies the request, for Plivo support. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        message = getattr(self.message, "value", self.message)

        api_id = self.api_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "message": message,
                "api_id": api_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _message = d.pop("message")
        message: SendDigitsAcceptedMessage | str
        if _message in list(SendDigitsAcceptedMessage) or not isinstance(_message, str):
            message = SendDigitsAcceptedMessage(_message)
        else:
            # Not listed by this version of the spec: kept as sent, for the caller to handle.
            message = _message

        api_id = d.pop("api_id")

        send_digits_accepted = cls(
            message=message,
            api_id=api_id,
        )

        send_digits_accepted.additional_properties = d
        return send_digits_accepted

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
