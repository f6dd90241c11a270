"""Report arithmetic with plain numbers: suppression, forecast, cost per hour, percentages."""

from __future__ import annotations

from datetime import date

import pytest

from grants.calculations import cost_per_respite_hour, forecast_months, straight_line_forecast, straight_line_plan
from grants.periods import financial_year_label, financial_year_of, quarter_bounds, quarter_of
from shortbreaks.disclosure import SUPPRESSED, divide_half_up, percent, suppress_counts


def test_small_counts_are_hidden_and_zero_and_large_ones_are_shown() -> None:
    rows, total = suppress_counts([{"children": 0}, {"children": 5}, {"children": 12}], keys=["children"])
    assert rows == [{"children": 0}, {"children": 5}, {"children": 12}]
    assert total == {"children": 17}


def test_one_hidden_cell_hides_the_next_smallest_so_it_cannot_be_worked_out_from_the_total() -> None:
    rows, total = suppress_counts(
        [{"award": "A", "children": 3}, {"award": "B", "children": 40}, {"award": "C", "children": 9}], keys=["children"]
    )
    assert rows == [{"award": "A", "children": "c"}, {"award": "B", "children": 40}, {"award": "C", "children": "c"}]
    assert total == {"children": 52}


def test_two_primary_hidden_cells_need_no_secondary() -> None:
    rows, total = suppress_counts([{"n": 1}, {"n": 2}, {"n": 30}], keys=["n"])
    assert rows == [{"n": "c"}, {"n": "c"}, {"n": 30}]
    assert total == {"n": 33}


def test_a_single_hidden_row_hides_the_total() -> None:
    rows, total = suppress_counts([{"n": 4}], keys=["n"])
    assert rows == [{"n": "c"}]
    assert total == {"n": "c"}


def test_a_small_total_is_hidden_and_needs_no_secondary() -> None:
    rows, total = suppress_counts([{"n": 3}, {"n": 0}], keys=["n"])
    assert rows == [{"n": "c"}, {"n": 0}]
    assert total == {"n": "c"}


def test_the_threshold_is_configurable_and_columns_are_independent() -> None:
    rows, total = suppress_counts(
        [{"children": 9, "families": 7}, {"children": 20, "families": 15}], keys=["children", "families"], threshold=10
    )
    assert rows == [{"children": "c", "families": "c"}, {"children": "c", "families": "c"}]
    assert total == {"children": 29, "families": 22}
    assert SUPPRESSED == "c"


def test_an_explicit_total_is_used_for_distinct_counts() -> None:
    # Children counted once across awards: the total is not the column sum.
    rows, total = suppress_counts([{"n": 6}, {"n": 8}], keys=["n"], total={"n": 11})
    assert (rows, total) == ([{"n": 6}, {"n": 8}], {"n": 11})


def test_straight_line_forecast_projects_underspend() -> None:
    forecast = straight_line_forecast(spent_pence=1_200_000, budget_pence=5_000_000, months_elapsed=12, months_remaining=24)
    assert forecast.monthly_rate_pence == 100_000
    assert forecast.projected_total_pence == 3_600_000
    assert forecast.projected_variance_pence == -1_400_000
    assert forecast.is_overspend is False


def test_straight_line_forecast_projects_overspend_and_rounds_half_up() -> None:
    forecast = straight_line_forecast(spent_pence=1_000, budget_pence=1_500, months_elapsed=3, months_remaining=2)
    assert forecast.monthly_rate_pence == 333
    assert forecast.projected_total_pence == 1_000 + 667
    assert forecast.projected_variance_pence == 167
    assert forecast.is_overspend is True


def test_forecast_before_anything_elapsed_is_the_spend_so_far() -> None:
    forecast = straight_line_forecast(spent_pence=0, budget_pence=100, months_elapsed=0, months_remaining=36)
    assert (forecast.projected_total_pence, forecast.projected_variance_pence) == (0, -100)


def test_forecast_months_count_the_current_month() -> None:
    assert forecast_months(date(2024, 4, 1), date(2027, 3, 31), date(2026, 6, 10)) == (27, 9)
    assert forecast_months(date(2024, 4, 1), date(2027, 3, 31), date(2024, 1, 1)) == (0, 36)
    assert forecast_months(date(2024, 4, 1), date(2027, 3, 31), date(2030, 1, 1)) == (36, 0)


def test_straight_line_plan_reaches_the_total_at_the_end() -> None:
    plan = straight_line_plan(
        3_000_000_000, [date(2024, 4, 1), date(2025, 3, 1), date(2027, 3, 1)], starts_on=date(2024, 4, 1), ends_on=date(2027, 3, 31)
    )
    assert plan == [83_333_333, 1_000_000_000, 3_000_000_000]


def test_cost_per_respite_hour() -> None:
    assert cost_per_respite_hour(1_000_000, 600 * 60) == 1_667  # £10,000 over 600 hours: £16.67 an hour
    assert cost_per_respite_hour(100, 0) is None
    assert cost_per_respite_hour(1, 120) == 1  # 0.5p an hour rounds half up


def test_percent_and_rounding() -> None:
    assert percent(1, 3) == "33.3"
    assert percent(1, 8) == "12.5"
    assert percent(0, 0) == "0.0"
    assert divide_half_up(5, 2) == 3
    assert divide_half_up(-5, 2) == -3


@pytest.mark.parametrize(
    ("day", "year", "quarter"),
    [(date(2025, 4, 1), 2025, 1), (date(2025, 6, 30), 2025, 1), (date(2025, 12, 31), 2025, 3), (date(2026, 3, 31), 2025, 4)],
)
def test_financial_years_run_april_to_march(day, year, quarter) -> None:
    assert (financial_year_of(day), quarter_of(day)) == (year, quarter)


def test_quarter_bounds_and_labels() -> None:
    assert quarter_bounds(2025, 1) == (date(2025, 4, 1), date(2025, 6, 30))
    assert quarter_bounds(2025, 3) == (date(2025, 10, 1), date(2025, 12, 31))
    assert quarter_bounds(2025, 4) == (date(2026, 1, 1), date(2026, 3, 31))
    assert financial_year_label(2025) == "2025-26"
    assert financial_year_label(2099) == "2099-00"


# --- cost per hour only when delivery covers the spend ----------------------------------------------


def test_delivery_covers_spend_only_when_every_month_with_spend_has_delivery() -> None:
    from datetime import date

    from grants.calculations import delivery_covers_spend

    april, may, june = date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1)
    assert delivery_covers_spend({april, may}, {april, may, june}) is True
    assert delivery_covers_spend({april, may, june}, {may}) is False  # a quarter's spend against a month's hours
    assert delivery_covers_spend(set(), {april}) is False  # nothing spent: nothing to divide
    assert delivery_covers_spend({april}, set()) is False


def test_the_outcomes_table_gives_cost_per_hour_only_where_delivery_covers_the_spend() -> None:
    from datetime import date
    from uuid import uuid4

    from grants.queries.outcomes import Outcomes, outcomes_table

    covered, thin = uuid4(), uuid4()
    april, july = date(2025, 4, 1), date(2025, 7, 1)
    table = outcomes_table(
        [(covered, "A001", 600_000), (thin, "A002", 2_000_000)],
        {covered: Outcomes(10, 8, 4, 600, True), thin: Outcomes(10, 8, 1, 120, True)},
        threshold=5,
        spend_months={covered: {april, july}, thin: {april, july}},
        delivery_months={covered: {april, july}, thin: {july}},
    )
    rows = {r.reference: (r.cost_per_respite_hour_pence, r.enough_delivery) for r in [*table.rows, table.total]}
    assert rows == {"A001": (60_000, True), "A002": (None, False), "Total": (None, False)}


def test_an_award_with_no_approved_spend_has_no_cost_per_hour_and_is_not_short_of_delivery() -> None:
    from datetime import date
    from uuid import uuid4

    from grants.queries.outcomes import Outcomes, outcomes_table

    unspent = uuid4()
    table = outcomes_table(
        [(unspent, "A014", 0)],
        {unspent: Outcomes(10, 8, 4, 600, True)},
        threshold=5,
        spend_months={},
        delivery_months={unspent: {date(2026, 4, 1)}},
    )
    assert [(r.cost_per_respite_hour_pence, r.enough_delivery) for r in [*table.rows, table.total]] == [(None, True), (None, True)]
