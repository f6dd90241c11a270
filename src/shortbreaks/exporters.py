"""What every standard-format exporter shares: cells a spreadsheet will not run as a formula."""

from __future__ import annotations

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(text: str) -> str:
    """``text`` as a CSV cell that a spreadsheet shows as text, never runs as a formula (CSV injection, OWASP)."""
    return "'" + text if text.startswith(_FORMULA_START) else text
