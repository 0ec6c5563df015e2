"""What `python -m plivo_mock` and its proxy mode share: the server, its HTTP layer and
its time limits, and the option parsing, so both bound what a client may send in the same
way, stop cleanly and answer a bad option in one line with exit 2."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from types import FrameType
from typing import Any, NoReturn

import uvicorn

from .config import BODY_TIMEOUT_S, HEAD_TIMEOUT_S, MAX_SECONDS
from .protocol import PlivoHttpProtocol

SHUTDOWN_GRACE_S = 2


class Server(uvicorn.Server):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        # uvicorn re-raises a captured SIGINT/SIGTERM after its graceful shutdown, which
        # makes the exit status 130/143; a requested stop is a clean one.
        self._captured_signals.clear()


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, as every start-up error: the usage text is what --help is for.
        self.exit(2, f"plivo-mock: {message} (see --help)\n")


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(
            f"must be more than 0 and at most {MAX_SECONDS:g} seconds: {text!r}"
        )
    return value


def whole(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"must be a whole number from {low} to {high}: {text!r}"
            )
        return value

    return parse


def add_limit_options(parser: argparse.ArgumentParser) -> None:
    """The time limits of x-decisions.request-limits, configurable (tests shorten them)."""
    parser.add_argument(
        "--body-timeout",
        type=positive_seconds,
        default=BODY_TIMEOUT_S,
        metavar="SECONDS",
        help="answer 400 to a request body not fully arrived by then (default %(default)g)",
    )
    parser.add_argument(
        "--head-timeout",
        type=positive_seconds,
        default=HEAD_TIMEOUT_S,
        metavar="SECONDS",
        help="answer 400 to a request line and headers not fully arrived by then, counted "
        "from the connection or the previous answer (default %(default)g)",
    )


def server_config(
    app: Any,
    args: argparse.Namespace,
    on_refused: Callable[[str], None] | None = None,
    **overrides: Any,
) -> uvicorn.Config:
    """uvicorn serving `app` on args.host:args.port through PlivoHttpProtocol."""
    settings: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        # Framing errors answered as Plivo-shaped JSON, in order; the head bounded in size
        # and time before the app sees it.
        "http": PlivoHttpProtocol.with_limits(
            head_timeout_s=args.head_timeout, on_refused=on_refused
        ),
        "access_log": False,
        "log_config": None,
        "server_header": False,
        # The TCP peer decides who may use the control API and is what the log names: a
        # forwarding header (even with FORWARDED_ALLOW_IPS set) changes neither.
        "proxy_headers": False,
        "lifespan": "on",
        # Without it, one client that stops sending its body keeps the server from ever
        # exiting on SIGTERM; in-flight requests finish well within this.
        "timeout_graceful_shutdown": SHUTDOWN_GRACE_S,
        **overrides,
    }
    return uvicorn.Config(app, **settings)
