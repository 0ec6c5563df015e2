from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateCall")


@_attrs_define
class CreateCall:
    bleg: bool | Unset = False
    """ Bridge an other party (a b-leg) to the new call. """

    def to_dict(self) -> dict[str, Any]:
        bleg = self.bleg

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if bleg is not UNSET:
            field_dict["bleg"] = bleg

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        bleg = d.pop("bleg", UNSET)

        create_call = cls(
            bleg=bleg,
        )

        return create_call
