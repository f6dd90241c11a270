"""Money as people type it: pounds in every form, integer pence inside (issue 18, item 6)."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel, ValidationError

from shortbreaks.money import PoundsError, format_pence, parse_pounds, pence_as_pounds_input, pounds_field, pounds_text


@pytest.mark.parametrize(
    ("typed", "pence"),
    [("£15", 1500), ("15", 1500), ("15.00", 1500), ("15.5", 1550), (" £ 15.05 ", 1505), ("£1,234.50", 123_450), ("0", 0), ("0.01", 1)],
)
def test_parse_pounds_reads_what_people_type(typed: str, pence: int) -> None:
    assert parse_pounds(typed) == pence


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("fifteen", "Enter the price in pounds, like £15 or 15.00"),
        ("15.001", "Enter the price in pounds, like £15 or 15.00"),
        ("", "Enter the price in pounds, like £15 or 15.00"),
        ("15p", "Enter the price in pounds, like £15 or 15.00"),
        ("1,50", "Enter the price in pounds, like £15 or 15.00"),
        ("£-3", "The price cannot be less than £0"),
        ("-3", "The price cannot be less than £0"),
        ("200000000000", "The price must be less than £100,000,000,000"),
    ],
)
def test_parse_pounds_refuses_anything_else_naming_the_field(typed: str, message: str) -> None:
    with pytest.raises(PoundsError) as raised:
        parse_pounds(typed, what="the price")
    assert str(raised.value) == message


def test_pence_are_shown_as_pounds() -> None:
    assert [format_pence(p) for p in (1500, 15, 123_450, -250, None)] == ["£15.00", "£0.15", "£1,234.50", "-£2.50", ""]
    assert [pounds_text(p) for p in (1500, 1, -2500)] == ["15.00", "0.01", "-25.00"]
    assert pence_as_pounds_input(1500) == "15.00"


class PriceForm(BaseModel):
    price: Annotated[int, pounds_field("the price")]


def test_a_pounds_form_field_validates_to_pence_with_the_plain_message() -> None:
    assert PriceForm.model_validate({"price": "15.00"}).price == 1500
    with pytest.raises(ValidationError) as raised:
        PriceForm.model_validate({"price": "fifteen"})
    assert [e["msg"] for e in raised.value.errors()] == ["Enter the price in pounds, like £15 or 15.00"]
