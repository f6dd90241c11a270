"""Disclosure control for published figures: the one rule for every report's pages, API, CSV and exports.

Counts of people (children, families, applications, reviews) from 1 to ``threshold - 1`` are
shown as ``"c"``, and so is whatever else would let a hidden count be worked out: another cell of
the same column (from the total), or another part of a row whose parts add up to a whole (decided =
approved + refused). Grants and entitlements reports both use this module; percentages are rounded
half up here too so that every report rounds the same way. No database here: each rule is tested
with plain numbers (tests/test_disclosure.py, tests/grants/test_calculations.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

SUPPRESSED = "c"
DEFAULT_THRESHOLD = 5

Cell = int | str

_TOTAL = -1  # the total row's index in the set of hidden cells


def divide_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up, for non-negative integers."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    if numerator < 0:
        return -divide_half_up(-numerator, denominator)
    return (2 * numerator + denominator) // (2 * denominator)


def percent(part: int, whole: int) -> str:
    """``part`` as a percentage of ``whole`` to one decimal place, half up: ``"12.5"``."""
    if whole <= 0:
        return "0.0"
    tenths = divide_half_up(part * 1000, whole)
    sign = "-" if tenths < 0 else ""
    return f"{sign}{abs(tenths) // 10}.{abs(tenths) % 10}"


def suppress_counts(
    rows: Sequence[Mapping[str, int]],
    *,
    keys: Sequence[str],
    threshold: int = DEFAULT_THRESHOLD,
    total: Mapping[str, int] | None = None,
    parts: Mapping[str, Sequence[str]] | None = None,
) -> tuple[list[dict[str, Cell]], dict[str, Cell]]:
    """Hide small counts of people.

    For each column in ``keys``: a count from 1 to ``threshold - 1`` becomes ``"c"`` (primary
    suppression; zero is shown). If exactly one cell of a column is hidden while its total is
    shown, the smallest other cell is hidden too (secondary suppression), so the hidden one cannot
    be worked out as total minus the rest; with no other cell, the total is hidden; a hidden total
    whose rows are all shown has its smallest counted row hidden. ``total`` defaults to the column
    sums.

    ``parts`` names columns that add up to another in every row (``{"decided": ["approved",
    "refused"]}``): if exactly one of a row's whole-and-parts is hidden, the smallest other is
    hidden too. Both rules repeat until neither hides anything more. Other keys pass through.

    Returns the rows and the total row with hidden cells replaced by ``"c"``.
    """
    totals: dict[str, int] = {key: (total[key] if total is not None else sum(row[key] for row in rows)) for key in keys}
    indices = [*range(len(rows)), _TOTAL]

    def value(i: int, key: str) -> int:
        return int(totals[key] if i == _TOTAL else rows[i][key])

    hidden = {(i, key) for key in keys for i in indices if 0 < value(i, key) < threshold}
    groups = [[whole, *members] for whole, members in (parts or {}).items()]
    changed = True
    while changed:
        changed = False
        for key in keys:
            column = [i for i in range(len(rows)) if (i, key) in hidden]
            if len(column) == 1 and (_TOTAL, key) not in hidden:
                others = [i for i in range(len(rows)) if (i, key) not in hidden]
                hidden.add((min(others, key=lambda i: (value(i, key), i)), key) if others else (_TOTAL, key))
                changed = True
            elif not column and (_TOTAL, key) in hidden:
                counted = [i for i in range(len(rows)) if value(i, key) > 0]
                if counted:  # a hidden total is the sum of the rows: hide one of them
                    hidden.add((min(counted, key=lambda i: (value(i, key), i)), key))
                    changed = True
        for group in groups:
            for i in indices:
                if sum((i, key) in hidden for key in group) == 1:
                    shown = [key for key in group if (i, key) not in hidden]
                    hidden.add((i, min(shown, key=lambda k: (value(i, k), group.index(k)))))
                    changed = True
    out_rows: list[dict[str, Cell]] = [dict(row) for row in rows]
    out_total: dict[str, Cell] = dict(totals)
    for i, key in hidden:
        (out_total if i == _TOTAL else out_rows[i])[key] = SUPPRESSED
    return out_rows, out_total
