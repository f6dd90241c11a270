"""Server-rendered SVG charts: geometry only, computed here; templates draw it with classes.

No JavaScript and no ``style`` attributes, so a strict Content Security Policy allows them.
Every chart's data is also shown in an accessible table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from grants.schemas import MonthReport, RegionReport, RespiteMonth

WIDTH = 640
HEIGHT = 260
MARGIN_LEFT = 90
MARGIN_BOTTOM = 30
MARGIN_TOP = 10


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    actual_points: str
    plan_points: str
    y_ticks: list[tuple[int, int]]  # (y position, value in pence)
    x_labels: list[tuple[int, str]]


def cumulative_chart(months: list[MonthReport]) -> LineChart | None:
    """Cumulative approved spend against the straight-line plan, month by month."""
    if not months:
        return None
    top = max(max(m.cumulative_pence for m in months), max(m.plan_cumulative_pence for m in months), 1)
    plot_w = WIDTH - MARGIN_LEFT - 10
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    step = plot_w / max(1, len(months) - 1)

    def x(i: int) -> int:
        return round(MARGIN_LEFT + i * step)

    def y(value: int) -> int:
        return round(MARGIN_TOP + plot_h - plot_h * value / top)

    actual = " ".join(f"{x(i)},{y(m.cumulative_pence)}" for i, m in enumerate(months))
    plan = " ".join(f"{x(i)},{y(m.plan_cumulative_pence)}" for i, m in enumerate(months))
    ticks = [(y(top * k // 4), top * k // 4) for k in range(5)]
    every = max(1, len(months) // 6)
    labels = [(x(i), m.month.strftime("%b %Y")) for i, m in enumerate(months) if i % every == 0]
    return LineChart(WIDTH, HEIGHT, actual, plan, ticks, labels)


@dataclass(frozen=True)
class Bar:
    label: str
    y: int
    awarded_width: int
    approved_width: int
    approved_pence: int
    awarded_pence: int


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    bars: list[Bar]


def region_chart(regions: list[RegionReport]) -> BarChart | None:
    """Approved spend against the amount awarded, by region."""
    if not regions:
        return None
    label_width = 200
    plot_w = WIDTH - label_width - 10
    top = max(max(r.awarded_pence for r in regions), max(r.approved_pence for r in regions), 1)
    bars = [
        Bar(
            label=r.region or "Not recorded",
            y=10 + i * 34,
            awarded_width=round(plot_w * r.awarded_pence / top),
            approved_width=round(plot_w * r.approved_pence / top),
            approved_pence=r.approved_pence,
            awarded_pence=r.awarded_pence,
        )
        for i, r in enumerate(regions)
    ]
    return BarChart(WIDTH, 20 + 34 * len(regions), label_width, bars)


@dataclass(frozen=True)
class Column:
    x: int
    y: int
    width: int
    height: int
    label: str
    value: str


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    baseline: int
    columns: list[Column]
    y_ticks: list[tuple[int, str]]


def respite_chart(months: list[RespiteMonth]) -> ColumnChart | None:
    """Respite hours delivered each month, as columns (labels every few months so they do not overlap)."""
    if not months:
        return None
    top = max(max(m.respite_minutes for m in months), 60)
    plot_w = WIDTH - MARGIN_LEFT - 10
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    slot = plot_w / len(months)
    baseline = MARGIN_TOP + plot_h
    every = max(1, len(months) // 6)
    columns = []
    for i, m in enumerate(months):
        height = round(plot_h * m.respite_minutes / top)
        columns.append(
            Column(
                x=round(MARGIN_LEFT + i * slot + slot * 0.15),
                y=baseline - height,
                width=max(1, round(slot * 0.7)),
                height=height,
                label=m.month.strftime("%b %Y") if i % every == 0 else "",
                value=m.respite_hours,
            )
        )
    ticks = [(round(baseline - plot_h * k / 4), f"{top * k / 4 / 60:.0f}") for k in range(5)]
    return ColumnChart(WIDTH, HEIGHT, baseline, columns, ticks)
