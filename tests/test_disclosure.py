"""Disclosure control beyond one column: parts of a row that add up to a whole, and hidden totals.

The one-column rules are tested with the grants report's numbers in tests/grants/test_calculations.py.
"""

from __future__ import annotations

from shortbreaks.disclosure import suppress_counts

PARTS = {"decided": ["approved", "refused"]}


def test_a_hidden_part_hides_another_part_of_its_row_so_it_cannot_be_worked_out_from_the_whole() -> None:
    rows, total = suppress_counts(
        [{"decided": 12, "approved": 9, "refused": 3}, {"decided": 20, "approved": 10, "refused": 10}],
        keys=["decided", "approved", "refused"],
        parts=PARTS,
    )
    # 3 refused is hidden; the refused column then hides its next smallest (10); 9 approved would
    # give the 3 away (12 - 9), so it is hidden, and so is 10 approved for the same reason. The four
    # hidden cells form a rectangle: every row and column sum still has two unknowns.
    assert rows == [{"decided": 12, "approved": "c", "refused": "c"}, {"decided": 20, "approved": "c", "refused": "c"}]
    assert total == {"decided": 32, "approved": 19, "refused": 13}


def test_rows_without_small_counts_are_untouched_by_parts() -> None:
    rows, total = suppress_counts(
        [{"decided": 12, "approved": 7, "refused": 5}, {"decided": 0, "approved": 0, "refused": 0}],
        keys=["decided", "approved", "refused"],
        parts=PARTS,
    )
    assert rows == [{"decided": 12, "approved": 7, "refused": 5}, {"decided": 0, "approved": 0, "refused": 0}]
    assert total == {"decided": 12, "approved": 7, "refused": 5}


def test_a_small_part_of_the_total_row_hides_its_partner_and_a_row_that_gives_it_away() -> None:
    rows, total = suppress_counts(
        [{"decided": 6, "approved": 6, "refused": 0}, {"decided": 9, "approved": 5, "refused": 4}],
        keys=["decided", "approved", "refused"],
        parts=PARTS,
    )
    # Refused 4 is hidden in row 2; the rule hides approved 5 there; the columns then each need one
    # more hidden cell; and no row or total is left with a single hidden part.
    for row in [*rows, total]:
        assert sum(row[k] == "c" for k in ("decided", "approved", "refused")) != 1
    for key in ("decided", "approved", "refused"):
        column = [row[key] for row in rows]
        assert column.count("c") != 1 or total[key] == "c"
    assert rows[1]["refused"] == "c"
