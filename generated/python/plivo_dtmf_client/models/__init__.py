"""Contains all the data models used in inputs/outputs"""

from .callback_method import CallbackMethod
from .digits_sent_callback import DigitsSentCallback
from .digits_sent_callback_status import DigitsSentCallbackStatus
from .error import Error
from .leg import Leg
from .list_live_calls_status import ListLiveCallsStatus
from .live_calls import LiveCalls
from .send_digits_accepted import SendDigitsAccepted
from .send_digits_accepted_message import SendDigitsAcceptedMessage
from .send_digits_request import SendDigitsRequest

__all__ = (
    "CallbackMethod",
    "DigitsSentCallback",
    "DigitsSentCallbackStatus",
    "Error",
    "Leg",
    "ListLiveCallsStatus",
    "LiveCalls",
    "SendDigitsAccepted",
    "SendDigitsAcceptedMessage",
    "SendDigitsRequest",
)
