from enum import StrEnum


class ListLiveCallsStatus(StrEnum):
    LIVE = "live"

    def __str__(self) -> str:
        return str(self.value)
