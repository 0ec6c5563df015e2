from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.event import Event


T = TypeVar("T", bound="EventList")


@_attrs_define
class EventList:
    call_uuid: str
    """ The UUID of a live call, in lower case. """
    events: list[Event]
    dropped: int
    """ Older events let go to stay within the cap. """

    def to_dict(self) -> dict[str, Any]:
        call_uuid = self.call_uuid

        events = []
        for events_item_data in self.events:
            events_item = events_item_data.to_dict()
            events.append(events_item)

        dropped = self.dropped

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "call_uuid": call_uuid,
                "events": events,
                "dropped": dropped,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event import Event  # noqa: PLC0415

        d = dict(src_dict)
        call_uuid = d.pop("call_uuid")

        events = []
        _events = d.pop("events")
        for events_item_data in _events:
            events_item = Event.from_dict(events_item_data)

            events.append(events_item)

        dropped = d.pop("dropped")

        event_list = cls(
            call_uuid=call_uuid,
            events=events,
            dropped=dropped,
        )

        return event_list
