from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.callback_method import CallbackMethod
from ..models.leg import Leg
from ..types import UNSET, Unset

T = TypeVar("T", bound="SendDigitsRequest")


@_attrs_define
class SendDigitsRequest:
    """What to send. Fields not named here are ignored (the official Python and Java SDKs repeat the call UUID in the
    body).

    """

    digits: str
    """ The tones to play: 0-9, *, #, A-D (upper case), the pauses w (0.5 s) and W (1 s), and an optional trailing
    @<ms> tone duration from 10 to 9999 ms; 1 to 128 characters. "0" is valid. """
    leg: Leg | Unset = UNSET
    """ Which side of the call hears the digits. Unset, the server's default applies: aleg. """
    callback_url: str | Unset = UNSET
    """ Makes the request asynchronous; the outcome is delivered to this URL: an absolute http or https URL that
    names a host. """
    callback_method: CallbackMethod | Unset = UNSET
    """ How the callback is delivered. Unset, the server's default applies: POST. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        digits = self.digits

        leg: str | Unset = UNSET
        if not isinstance(self.leg, Unset):
            leg = getattr(self.leg, "value", self.leg)

        callback_url = self.callback_url

        callback_method: str | Unset = UNSET
        if not isinstance(self.callback_method, Unset):
            callback_method = getattr(self.callback_method, "value", self.callback_method)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "digits": digits,
            }
        )
        if leg is not UNSET:
            field_dict["leg"] = leg
        if callback_url is not UNSET:
            field_dict["callback_url"] = callback_url
        if callback_method is not UNSET:
            field_dict["callback_method"] = callback_method

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        digits = d.pop("digits")

        _leg = d.pop("leg", UNSET)
        leg: Leg | Unset
        if isinstance(_leg, Unset):
            leg = UNSET
        else:
            leg = Leg(_leg)

        callback_url = d.pop("callback_url", UNSET)

        _callback_method = d.pop("callback_method", UNSET)
        callback_method: CallbackMethod | Unset
        if isinstance(_callback_method, Unset):
            callback_method = UNSET
        else:
            callback_method = CallbackMethod(_callback_method)

        send_digits_request = cls(
            digits=digits,
            leg=leg,
            callback_url=callback_url,
            callback_method=callback_method,
        )

        send_digits_request.additional_properties = d
        return send_digits_request

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
