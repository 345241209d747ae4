"""Enumerations whose members carry the Vietnamese label the pages show for them."""

from __future__ import annotations

import enum


class LabelledEnum(str, enum.Enum):
    """A string enumeration with each member's label written beside its value: `draft = "draft", "Bản nháp"`.

    A member equals its value (the string the database stores); `.label` is what a page shows.
    """

    label: str

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def labels(cls) -> dict:
        """{member: label} in declaration order, for choices and lookups."""
        return {member: member.label for member in cls}
