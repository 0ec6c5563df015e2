"""A client library for accessing Plivo DTMF"""

from . import errors
from .client import Client, DefaultAioHttpClient
from .errors import *  # noqa: F403 - the exception family, listed in errors.__all__

__version__ = "2.0.1"

__all__ = ["Client", "DefaultAioHttpClient", "__version__", "errors", *errors.__all__]
