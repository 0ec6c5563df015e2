from enum import StrEnum


class CallbackOutcomeStatus(StrEnum):
    BLOCKED = "blocked"
    DELIVERED = "delivered"
    FAILED = "failed"
    PENDING = "pending"

    def __str__(self) -> str:
        return str(self.value)
