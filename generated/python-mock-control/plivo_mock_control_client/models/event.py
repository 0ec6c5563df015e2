from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.leg import Leg

if TYPE_CHECKING:
    from ..models.callback_outcome import CallbackOutcome
    from ..models.event_unknown_fields import EventUnknownFields
    from ..models.send_digits_request import SendDigitsRequest


T = TypeVar("T", bound="Event")


@_attrs_define
class Event:
    """One DTMF request the mock accepted."""

    digits: str
    """ The tones to play: 0-9, *, #, A-D (upper case), the pauses w (0.5 s) and W (1 s), and an optional trailing
    @<ms> tone duration from 10 to 9999 ms; 1 to 128 characters. "0" is valid. """
    leg: Leg
    """ Which side of the call hears the digits. """
    fields: SendDigitsRequest
    """ What to send. Fields not named here are ignored (the official Python and Java SDKs repeat the call UUID in
    the body). """
    time: datetime.datetime
    """ When the mock accepted the request (UTC). """
    api_id: str
    """ Identifies the request, for Plivo support. """
    unknown_fields: EventUnknownFields
    """ Body fields the spec does not name, with their values (such as the call_uuid the Python SDK repeats, or
    plivo-go's `legs`). Always empty in strict mode. """
    callback: CallbackOutcome | None
    """ Present for asynchronous requests (with callback_url). """

    def to_dict(self) -> dict[str, Any]:
        from ..models.callback_outcome import CallbackOutcome  # noqa: PLC0415

        digits = self.digits

        leg = self.leg.value

        fields = self.fields.to_dict()

        time = self.time.isoformat()

        api_id = self.api_id

        unknown_fields = self.unknown_fields.to_dict()

        callback: dict[str, Any] | None
        if isinstance(self.callback, CallbackOutcome):
            callback = self.callback.to_dict()
        else:
            callback = self.callback

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "digits": digits,
                "leg": leg,
                "fields": fields,
                "time": time,
                "api_id": api_id,
                "unknown_fields": unknown_fields,
                "callback": callback,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.callback_outcome import CallbackOutcome  # noqa: PLC0415
        from ..models.event_unknown_fields import EventUnknownFields  # noqa: PLC0415
        from ..models.send_digits_request import SendDigitsRequest  # noqa: PLC0415

        d = dict(src_dict)
        digits = d.pop("digits")

        leg = Leg(d.pop("leg"))

        fields = SendDigitsRequest.from_dict(d.pop("fields"))

        time = datetime.datetime.fromisoformat(d.pop("time"))

        api_id = d.pop("api_id")

        unknown_fields = EventUnknownFields.from_dict(d.pop("unknown_fields"))

        def _parse_callback(data: object) -> CallbackOutcome | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                callback_type_0 = CallbackOutcome.from_dict(data)

                return callback_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CallbackOutcome | None, data)

        callback = _parse_callback(d.pop("callback"))

        event = cls(
            digits=digits,
            leg=leg,
            fields=fields,
            time=time,
            api_id=api_id,
            unknown_fields=unknown_fields,
            callback=callback,
        )

        return event
