from __future__ import annotations

import unicodedata

import pytest

from question_bank.xlsx import cell_text
from question_bank.text import fold, header_key, normalize_text


def test_normalize_text_gives_nfc_and_collapses_spaces():
    nfd = unicodedata.normalize("NFD", "Cải  cách\thành chính ")
    assert normalize_text(nfd) == "Cải cách hành chính"
    assert unicodedata.is_normalized("NFC", normalize_text(nfd))


@pytest.mark.parametrize(
    "raw, folded",
    [("Cải cách HÀNH chính", "cai cach hanh chinh"), ("Đường   Đi", "duong di"), ("Nghị quyết 76/NQ-CP", "nghi quyet 76/nq-cp")],
)
def test_fold(raw, folded):
    assert fold(raw) == folded


def test_header_key_ignores_case_spacing_and_diacritics():
    assert header_key(" Mã  đơn vị cấp trên ") == header_key("MA DON VI CAP TREN") == "madonvicaptren"


@pytest.mark.parametrize(
    "value, text",
    [(12.0, "12"), (12.5, "12.5"), (7, "7"), (None, ""), (" a  b ", "a b")],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_cell_text_dates():
    from datetime import date, datetime

    assert cell_text(date(2021, 7, 15)) == "15/07/2021"
    assert cell_text(datetime(2021, 7, 15)) == "15/07/2021"
