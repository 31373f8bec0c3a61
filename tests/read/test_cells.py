"""How a cell's stored value is read: pure functions, every case a council produces."""

from datetime import datetime

import pytest

from fgc_collect.read import cells
from fgc_collect.read.aggregate import interpret
from fgc_collect.spec import load_spec


@pytest.mark.parametrize(
    ("value", "data_type", "kind", "text"),
    [
        (None, "n", "blank", None),
        ("   ", "s", "blank", "   "),
        (12, "n", "number", "12"),
        (12.0, "n", "number", "12"),
        (2.5, "n", "number", "2.5"),
        ("12", "s", "text", "12"),
        ("#REF!", "e", "error", "#REF!"),
        ("#DIV/0!", "s", "error", "#DIV/0!"),
        (True, "b", "bool", "TRUE"),
        (datetime(2024, 1, 5), "d", "date", "2024-01-05T00:00:00"),
    ],
)
def test_classify(value, data_type, kind, text):
    assert cells.classify(value, data_type) == (kind, text)


@pytest.mark.parametrize(
    ("text", "number"),
    [("12", 12), (" 12 ", 12), ("1,234", 1234), ("1 234", 1234), ("-3", -3), ("2.5", 2.5),
     ("12a", None), ("1,23", None), ("", None), ("approx 40", None)],
)
def test_numbers_typed_as_text(text, number):
    assert cells.parse_number_text(text) == number


@pytest.mark.parametrize("text", ["<5", "< 10", "c", "*", "1-4", "1 to 4", "approx 40", "~40", "40+", "fewer than 5"])
def test_suppression_markers(text):
    assert cells.is_suppression_marker(text)


@pytest.mark.parametrize("text", ["12", "Yes", "none known", "E06000047"])
def test_not_suppression_markers(text):
    assert not cells.is_suppression_marker(text)


def test_interpret_by_item_type():
    spec = load_spec()
    count = spec.input_cell("B1")
    assert interpret(count, "number", "7", 7) == {"number": 7.0}
    assert interpret(count, "text", "1,234", "1,234") == {"number": 1234.0, "number_from_text": True}
    assert interpret(count, "text", "<5", "<5") == {"suppressed": True}
    assert interpret(count, "blank", None, None) == {}
    choice = spec.input_cell("A5")
    assert interpret(choice, "text", "yes", "yes") == {"code": "Y"}
    assert interpret(choice, "text", "Maybe", "Maybe") == {"code": None}
    text = spec.input_cell("A3")
    assert interpret(text, "text", "  Jo Bloggs ", "  Jo Bloggs ") == {"text": "Jo Bloggs"}
