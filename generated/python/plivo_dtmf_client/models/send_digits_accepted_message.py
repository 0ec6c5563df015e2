from enum import StrEnum


class SendDigitsAcceptedMessage(StrEnum):
    ASYNC_API_SPAWNED = "async api spawned"
    DIGITS_SENT = "digits sent"

    def __str__(self) -> str:
        return str(self.value)
