from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="CallSummary")


@_attrs_define
class CallSummary:
    call_uuid: str
    """ The UUID of a live call, in lower case. """
    live: bool
    """ False once hung up. """
    bleg: bool
    """ Whether an other party is bridged. """
    events: int
    """ Events kept for the call. """
    dropped_events: int
    """ Older events let go to stay within the cap. """

    def to_dict(self) -> dict[str, Any]:
        call_uuid = self.call_uuid

        live = self.live

        bleg = self.bleg

        events = self.events

        dropped_events = self.dropped_events

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "call_uuid": call_uuid,
                "live": live,
                "bleg": bleg,
                "events": events,
                "dropped_events": dropped_events,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        call_uuid = d.pop("call_uuid")

        live = d.pop("live")

        bleg = d.pop("bleg")

        events = d.pop("events")

        dropped_events = d.pop("dropped_events")

        call_summary = cls(
            call_uuid=call_uuid,
            live=live,
            bleg=bleg,
            events=events,
            dropped_events=dropped_events,
        )

        return call_summary
