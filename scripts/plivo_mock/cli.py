"""What `python -m plivo_mock` and its proxy mode share: the server class and the option
parsing, so both stop cleanly and answer a bad option in one line with exit 2."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from types import FrameType
from typing import NoReturn

import uvicorn

from .config import MAX_SECONDS


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
