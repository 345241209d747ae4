"""LabelledEnum: a member is its stored string, found by it, and carries its label."""

from __future__ import annotations

import pytest

from question_bank.labels import LabelledEnum


class Colour(LabelledEnum):
    red = "red", "Đỏ"
    blue = "blue", "Xanh"


def test_a_member_is_its_value_and_carries_its_label():
    assert Colour("red") is Colour.red and Colour.red == "red" and Colour.red.value == "red"
    assert Colour.blue.label == "Xanh"
    assert Colour.labels() == {Colour.red: "Đỏ", Colour.blue: "Xanh"}
    assert [c.value for c in Colour] == ["red", "blue"]
    with pytest.raises(ValueError):
        Colour("Đỏ")  # a label is not a value
