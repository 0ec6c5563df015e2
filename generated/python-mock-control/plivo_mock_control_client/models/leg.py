from enum import StrEnum


class Leg(StrEnum):
    ALEG = "aleg"
    BLEG = "bleg"

    def __str__(self) -> str:
        return str(self.value)
