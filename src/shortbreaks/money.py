"""Money as people type it and read it: pounds in forms and on pages, integer pence everywhere else.

Forms take pounds (``£15``, ``15``, ``15.00``, ``£1,234.50``) and turn them into pence with
:func:`parse_pounds` (or the :data:`Pounds` form field type); pages show pence as pounds with
:func:`format_pence` (the templates' ``pence`` filter). The JSON API and the database keep
integer pence (``*_pence``); CSV files for people carry pounds (:func:`pounds_text`, ``*_gbp``
columns). Nothing else converts.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

# Whole pounds with optional thousands commas, then at most two decimal places; a leading £.
_POUNDS = re.compile(r"£?(?P<pounds>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<pence>\d{1,2}))?")
POUNDS_EXAMPLE = "like £15 or 15.00"
MAX_PENCE = 10**13


class PoundsError(ValueError):
    """Not an amount of money in pounds; the message says what to enter, for the field named in it."""


def pounds_message(what: str = "the amount") -> str:
    """GOV.UK's wording for an amount that is not pounds: "Enter the price in pounds, like £15 or 15.00"."""
    return f"Enter {what} in pounds, {POUNDS_EXAMPLE}"


def parse_pounds(text: str, *, what: str = "the amount") -> int:
    """``"£1,234.5"`` → ``123450`` pence. Spaces around are ignored.

    Raises :class:`PoundsError` (with :func:`pounds_message`) for anything else: words
    (``fifteen``), a negative amount (``£-3``), a third decimal place (``15.001``) or an
    amount past :data:`MAX_PENCE`.
    """
    cleaned = text.strip().replace(" ", "")
    match = _POUNDS.fullmatch(cleaned)
    if match is None:
        if cleaned.lstrip("£").startswith("-"):
            raise PoundsError(f"{what[0].upper()}{what[1:]} cannot be less than £0")
        raise PoundsError(pounds_message(what))
    pence = int(Decimal(match["pounds"].replace(",", "")) * 100 + int((match["pence"] or "0").ljust(2, "0")))
    if pence > MAX_PENCE:
        raise PoundsError(f"{what[0].upper()}{what[1:]} must be less than £{MAX_PENCE // 100:,}")
    return pence


def format_pence(pence: int | None) -> str:
    """``123450`` → ``£1,234.50``; whole pounds keep their pence (``£10.00``)."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(int(pence)), 100)
    return f"{sign}£{pounds:,}.{rest:02d}"


def pounds_text(pence: int) -> str:
    """Pounds for a spreadsheet cell: ``123450`` → ``1234.50``, ``-2500`` → ``-25.00`` (no £, no commas)."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(int(pence)), 100)
    return f"{sign}{pounds}.{rest:02d}"


def pence_as_pounds_input(pence: int | None) -> str:
    """What a form's pounds box shows for a stored amount: ``1500`` → ``15.00`` (no £: the box has the prefix)."""
    return "" if pence is None else pounds_text(pence)


def pounds_field(what: str = "the amount") -> Any:
    """A form field in pounds that validates to pence: ``price: Annotated[int, pounds_field("the price")]``."""

    def convert(value: Any) -> Any:
        if isinstance(value, str):
            try:
                return parse_pounds(value, what=what)
            except PoundsError as exc:
                # A custom error keeps the message as it is (a ValueError's reads "Value error, …").
                raise PydanticCustomError("pounds", str(exc)) from None
        return value

    return BeforeValidator(convert)


Pounds = Annotated[int, pounds_field("the amount")]
