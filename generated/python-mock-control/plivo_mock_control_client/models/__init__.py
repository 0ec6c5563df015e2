"""Contains all the data models used in inputs/outputs"""

from .call_list import CallList
from .call_summary import CallSummary
from .callback_method import CallbackMethod
from .callback_outcome import CallbackOutcome
from .callback_outcome_status import CallbackOutcomeStatus
from .create_call import CreateCall
from .error import Error
from .event import Event
from .event_list import EventList
from .event_unknown_fields import EventUnknownFields
from .fault_request import FaultRequest
from .health import Health
from .leg import Leg
from .send_digits_request import SendDigitsRequest

__all__ = (
    "CallbackMethod",
    "CallbackOutcome",
    "CallbackOutcomeStatus",
    "CallList",
    "CallSummary",
    "CreateCall",
    "Error",
    "Event",
    "EventList",
    "EventUnknownFields",
    "FaultRequest",
    "Health",
    "Leg",
    "SendDigitsRequest",
)
