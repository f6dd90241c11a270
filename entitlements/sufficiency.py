"""The council's sufficiency report (issue #21): children with agreed packages, hours (and pounds) agreed,
delivered and outstanding by tier, need, age band and area; children waiting and for how long;
providers' declines by reason; places by kind of break against demand; the trend by month.

**Refreshed nightly, read fast.** :func:`refresh` (called by the nightly job for each council, and
by the demo data) writes, set-based in one transaction, each active package's figures from the
shortfall statement (:mod:`entitlements.shortfall`: its current period so far on ``day``) with the
report's dimensions written onto it, the counts behind the other tables, and the month's row of the
trend (as at the month's last refresh). The report reads only those rows, so it costs the same
whatever the year of bookings behind it; the page says the day the figures are for.

**Dimensions.** *Tier*: the tier code of the application a tier decision approved, else the
package's source (EHC plan H1 or H2, child in need plan). *Need*: the first of the child's DfE
primary need codes. *Age band*: the child's age on the refresh day. *Area*: the postcode district
the family gave on the child's latest application to the council that asked for a postcode
(children's records hold no address; a package from a plan has none, so its area is "not known").

**Children are people: counted once.** A child with two packages is one child (of each tier, when
counted by tier); hours are the sums of each package's figures (so a place counts towards each
package it serves, as on the shortfall). *Delivered* is attended; *booked* is booked ahead in the
period; *outstanding* is the shortfall (agreed so far − attended − booked, never below zero).
*Behind*: a child with a shortfall in any of their packages (in its own unit).

**Waiting.** A child is waiting while they have a live waiting-list entry or a request the
provider has not answered, for a session from the refresh day on; how long is from the earliest.

**Places against demand**, in the council's allowance year holding the refresh day: places
offered (scheduled sessions' capacity, providers in the council's area), places the children
asked for (bookings whatever came of them, leaving out holds while paying) and places they are
still waiting for, by kind of break. Declines are places the provider declined, by the reason as
written (lower case); reasons given for fewer children than the threshold are put together as
"Other reasons", so no one's words are shown.

**Disclosure control** (:func:`shortbreaks.disclosure.suppress_counts`): counts of children and
packages from 1 to 4 are ``c``, with whatever else would give one away; a row whose children are
hidden has its packages, hours, pounds and places hidden too.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field
from tortoise.transactions import in_transaction

from entitlements import queries, reports, shortfall, sufficiency_queries
from entitlements.enums import PackageSource
from entitlements.models import CouncilProfile, SufficiencyRefresh, Tier
from providers.enums import NEED_LABELS, SERVICE_KIND_LABELS, Need, ServiceKind
from shortbreaks import disclosure
from shortbreaks.accounts.models import Organisation
from shortbreaks.clock import LONDON
from shortbreaks.errors import ValidationFailed
from shortbreaks.exporters import spreadsheet_cell

CountCell = int | Literal["c"]

AGE_BANDS = {"0-4": "0 to 4", "5-10": "5 to 10", "11-15": "11 to 15", "16-17": "16 and 17", "18-25": "18 to 25", "26+": "26 and over"}
UNKNOWN = "unknown"
WAITING_BANDS = {"week": "Less than a week", "month": "1 to 4 weeks", "quarter": "4 weeks to 3 months", "longer": "More than 3 months"}
SOURCE_LABELS = {
    PackageSource.TIER_DECISION.value: "A tier decision (tier not recorded)",
    PackageSource.EHC_PLAN_H1.value: "EHC plan, section H1",
    PackageSource.EHC_PLAN_H2.value: "EHC plan, section H2",
    PackageSource.CHILD_IN_NEED.value: "Child in need plan",
}
OTHER_REASONS = "other"
# The query's names for the dimensions, and the columns they filter.
FILTERS = {"tier": "tier_key", "need": "need", "age_band": "age_band", "area": "area"}
FILTER_LABELS = {"tier": "Tier or plan", "need": "Primary need", "age_band": "Age", "area": "Area"}
FILTER_MESSAGES = {
    "tier": "Choose a tier or plan from the list",
    "need": "Choose a primary need from the list",
    "age_band": "Choose an age from the list",
    "area": "Choose an area from the list",
}
AMOUNT_KEYS = (
    "minutes_agreed",
    "minutes_attended",
    "minutes_booked",
    "minutes_outstanding",
    "pence_agreed",
    "pence_attended",
    "pence_booked",
    "pence_outstanding",
)


# --- the refresh ----------------------------------------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    return shortfall.anniversary(day, day.year - years)


def _london_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


async def refresh(council_id: UUID, *, day: date) -> int:
    """Work out the council's sufficiency figures for ``day`` (replacing the last ones) and the month's trend row.

    One transaction, set-based statements only (no loop over children); safe to run twice, also at
    once (the council's row is locked first: the second waits, then replaces the first). Returns the
    package rows written (the council's packages active on ``day``).
    """
    council = await CouncilProfile.get(id=council_id)
    year_starts, year_ends = queries.allowance_year(council, day)
    parameters = sufficiency_queries.RefreshParameters(
        council_id=council.id,
        local_authority_id=council.local_authority_id,
        day=day,
        year_starts=year_starts,
        year_ends=year_ends,
        born_after=(
            _years_before(day, 5),
            _years_before(day, 11),
            _years_before(day, 16),
            _years_before(day, 18),
            _years_before(day, 26),
        ),
        waited_since=(
            _london_midnight(day - timedelta(days=6)),
            _london_midnight(day - timedelta(days=27)),
            _london_midnight(day - timedelta(days=90)),
        ),
        month=day.replace(day=1),
    )
    async with in_transaction() as conn:
        # Two refreshes of one council take turns (the second replaces the first's rows).
        await CouncilProfile.filter(id=council.id).select_for_update().using_db(conn).first()
        written = await sufficiency_queries.refresh(parameters, shortfall.periods(day), using_db=conn)
        tier_keys, areas = await sufficiency_queries.read_found(council.id, using_db=conn)
        await SufficiencyRefresh.filter(council_id=council.id).using_db(conn).delete()
        await SufficiencyRefresh.create(
            council_id=council.id,
            day=day,
            year_starts=year_starts,
            year_ends=year_ends,
            packages=written,
            tier_keys=sorted(tier_keys),
            areas=sorted(areas),
            using_db=conn,
        )
    return written


# --- output ----------------------------------------------------------------------------------------------


class GroupRow(BaseModel):
    """A group of children: how many, how many behind, their packages, and the packages' figures
    (minutes and pence, each ``c`` where the group's children are hidden)."""

    key: str
    label: str
    children: CountCell
    children_behind: CountCell
    packages: CountCell
    minutes_agreed: CountCell
    minutes_attended: CountCell = Field(description="Delivered: places attended")
    minutes_booked: CountCell = Field(description="Booked ahead in the period")
    minutes_outstanding: CountCell = Field(description="The shortfall: agreed so far less attended and booked, never below zero")
    pence_agreed: CountCell
    pence_attended: CountCell
    pence_booked: CountCell
    pence_outstanding: CountCell


class Breakdown(BaseModel):
    dimension: str
    label: str
    rows: list[GroupRow]
    total: GroupRow


class WaitingRow(BaseModel):
    key: str
    label: str
    children: CountCell


class DeclineRow(BaseModel):
    key: str
    label: str
    children: CountCell
    places: CountCell


class PlacesRow(BaseModel):
    key: str
    label: str
    places_offered: int = Field(description="Scheduled sessions' places at providers in the council's area")
    children_asking: CountCell
    places_asked_for: CountCell
    children_waiting: CountCell
    places_waited_for: CountCell


class MonthRow(GroupRow):
    pass


class Option(BaseModel):
    value: str
    label: str


class FilterOptions(BaseModel):
    tier: list[Option]
    need: list[Option]
    age_band: list[Option]
    area: list[Option]


class SufficiencyReport(BaseModel):
    """A council's sufficiency report as at its last refresh, small counts hidden as ``c``."""

    council: str
    council_name: str
    threshold: int
    refreshed_on: date | None = Field(description="The day the figures are for; none if never worked out")
    year_starts: date | None
    year_ends: date | None
    filters: dict[str, str] = Field(description="The filters applied: tier, need, age_band, area")
    options: FilterOptions
    total: GroupRow
    breakdowns: list[Breakdown]
    waiting: list[WaitingRow]
    waiting_total: WaitingRow
    declines: list[DeclineRow]
    declines_total: DeclineRow
    places: list[PlacesRow]
    trend: list[MonthRow]


class SufficiencyQuery(BaseModel):
    """The report's filters: at most one value each; each must be one of the report's options."""

    model_config = {"extra": "forbid"}

    tier: str | None = Field(default=None, max_length=40, description="A tier's code, or a plan: ehc_plan_h1, ehc_plan_h2, child_in_need")
    need: str | None = Field(default=None, max_length=8, description="A DfE primary need code, or unknown")
    age_band: str | None = Field(default=None, max_length=8, description="0-4, 5-10, 11-15, 16-17, 18-25, 26+ or unknown")
    area: str | None = Field(default=None, max_length=8, description="A postcode district, or unknown")

    def given(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


# --- building it ------------------------------------------------------------------------------------


def _int(value: Any) -> int:
    return int(value or 0)


async def _tier_labels(council: CouncilProfile, keys: set[str]) -> dict[str, str]:
    codes = {k for k in keys if k not in SOURCE_LABELS}
    names = await reports._tier_names(council, codes)  # the applications report's naming, shared
    return {**names, **{k: SOURCE_LABELS[k] for k in SOURCE_LABELS}}


async def filter_options(council: CouncilProfile, last: SufficiencyRefresh | None) -> FilterOptions:
    """Every value each filter takes: the council's tiers (in its statements, or found by the ``last`` refresh) and the
    plans; needs, age bands; the areas found and the council's districts."""
    found_tiers, found_areas = (set(last.tier_keys), set(last.areas)) if last else (set(), set())
    codes = {str(code) for code in await Tier.filter(statement__council_id=council.id).values_list("code", flat=True)}
    tiers = await _tier_labels(council, codes | found_tiers)
    areas = sorted(found_areas - {UNKNOWN} | set(council.postcode_districts or []))
    return FilterOptions(
        tier=[Option(value=k, label=v) for k, v in tiers.items()],
        need=[Option(value=n.value, label=NEED_LABELS[n]) for n in Need] + [Option(value=UNKNOWN, label="Not recorded")],
        age_band=[Option(value=k, label=v) for k, v in AGE_BANDS.items()] + [Option(value=UNKNOWN, label="Date of birth not recorded")],
        area=[Option(value=a, label=a) for a in areas] + [Option(value=UNKNOWN, label="Not known")],
    )


def check_filters(query: SufficiencyQuery, options: FilterOptions) -> dict[str, str]:
    """The filters given, each checked against its options (:class:`ValidationFailed` naming the field)."""
    given = query.given()
    for name, value in given.items():
        if value not in {o.value for o in getattr(options, name)}:
            raise ValidationFailed.field(name, FILTER_MESSAGES[name])
    return given


def _amounts(row: dict[str, Any]) -> dict[str, int]:
    out = {}
    for unit in ("minutes", "pence"):
        for figure, column in (("agreed", "agreed"), ("attended", "attended"), ("booked", "booked"), ("outstanding", "shortfall")):
            out[f"{unit}_{figure}"] = _int(row.get(f"{unit}_{column}"))
    return out


def _group_rows(
    keys: list[str], labels: dict[str, str], raw: dict[str, dict[str, Any]], total: dict[str, Any], threshold: int, total_label: str
) -> tuple[list[GroupRow], GroupRow]:
    people = ("children", "children_behind", "packages")
    counts = [
        {"children": _int(raw[k].get("children")), "children_behind": _int(raw[k].get("behind")), "packages": _int(raw[k].get("packages"))}
        for k in keys
    ]
    total_counts = {
        "children": _int(total.get("children")),
        "children_behind": _int(total.get("behind")),
        "packages": _int(total.get("packages")),
    }
    rows, shown_total = disclosure.suppress_counts(counts, keys=people, threshold=threshold, total=total_counts)

    def build(key: str, label: str, cells: dict[str, Any], source: dict[str, Any]) -> GroupRow:
        amounts: dict[str, Any] = _amounts(source)
        if cells["children"] == disclosure.SUPPRESSED:  # its packages, hours and pounds would narrow it down
            amounts = dict.fromkeys(amounts, disclosure.SUPPRESSED)
            cells = {**cells, "packages": disclosure.SUPPRESSED}
        return GroupRow.model_validate({"key": key, "label": label, **cells, **amounts})

    out = [build(k, labels.get(k, k), cells, raw[k]) for k, cells in zip(keys, rows, strict=True)]
    return out, build("total", total_label, shown_total, total)


def _places(items: dict[tuple[str, str], dict[str, Any]], threshold: int) -> list[PlacesRow]:
    kinds = [k.value for k in ServiceKind]
    raw = []
    for kind in kinds:
        asking, waiting = items.get(("requested", kind), {}), items.get(("waiting", kind), {})
        raw.append({"children_asking": _int(asking.get("children")), "children_waiting": _int(waiting.get("children"))})
    rows, _ = disclosure.suppress_counts(raw, keys=("children_asking", "children_waiting"), threshold=threshold)
    out = []
    for kind, cells in zip(kinds, rows, strict=True):
        asked = _int(items.get(("requested", kind), {}).get("places"))
        waited = _int(items.get(("waiting", kind), {}).get("places"))
        out.append(
            PlacesRow(
                key=kind,
                label=SERVICE_KIND_LABELS[ServiceKind(kind)],
                places_offered=_int(items.get(("offered", kind), {}).get("places")),
                children_asking=cells["children_asking"],
                places_asked_for=disclosure.SUPPRESSED if cells["children_asking"] == disclosure.SUPPRESSED else asked,
                children_waiting=cells["children_waiting"],
                places_waited_for=disclosure.SUPPRESSED if cells["children_waiting"] == disclosure.SUPPRESSED else waited,
            )
        )
    return out


def _declines(items: dict[tuple[str, str], dict[str, Any]], threshold: int) -> tuple[list[DeclineRow], DeclineRow]:
    reasons: dict[str, dict[str, int]] = defaultdict(lambda: {"children": 0, "places": 0})
    for (section, key), row in items.items():
        if section != "declined":
            continue
        target = key if _int(row.get("children")) >= threshold and key else OTHER_REASONS
        reasons[target]["children"] += _int(row.get("children"))
        reasons[target]["places"] += _int(row.get("places"))
    keys = sorted((k for k in reasons if k != OTHER_REASONS), key=lambda k: (-reasons[k]["places"], k))
    keys += [OTHER_REASONS] if OTHER_REASONS in reasons else []
    rows, total = disclosure.suppress_counts([reasons[k] for k in keys], keys=("children", "places"), threshold=threshold)
    labels = {OTHER_REASONS: "Other reasons (each given for fewer children)"}
    out = [
        DeclineRow.model_validate({"key": k, "label": labels.get(k, k[:1].upper() + k[1:]), **cells})
        for k, cells in zip(keys, rows, strict=True)
    ]
    return out, DeclineRow.model_validate({"key": "total", "label": "All reasons", **total})


async def sufficiency_report(
    council: CouncilProfile, query: SufficiencyQuery | None = None, *, threshold: int = disclosure.DEFAULT_THRESHOLD
) -> SufficiencyReport:
    """The council's report as at its last refresh, with the filters in ``query`` (checked: 422 naming a bad one)."""
    last = await SufficiencyRefresh.get_or_none(council_id=council.id)
    options = await filter_options(council, last)
    given = check_filters(query or SufficiencyQuery(), options)
    f = sufficiency_queries.Filter({FILTERS[k]: v for k, v in given.items()})
    groups = await sufficiency_queries.read_groups(council.id, f)
    by_dimension: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in groups:
        by_dimension[str(row["dimension"])][str(row["key"])] = row
    total = by_dimension["total"].get("total", {})
    labels = {
        "tier_key": {o.value: o.label for o in options.tier},
        "need": {o.value: o.label for o in options.need},
        "age_band": {o.value: o.label for o in options.age_band},
        "area": {o.value: o.label for o in options.area},
    }
    titles = {
        "tier_key": ("tier", "By tier or plan"),
        "need": ("need", "By primary need"),
        "age_band": ("age_band", "By age"),
        "area": ("area", "By area"),
    }
    breakdowns = []
    for column, (name, title) in titles.items():
        found = by_dimension[column]
        order = [o for o in labels[column] if o in found] + sorted(set(found) - set(labels[column]))
        rows, row_total = _group_rows(order, labels[column], found, total, threshold, "All children")
        breakdowns.append(Breakdown(dimension=name, label=title, rows=rows, total=row_total))
    [whole], _ = _group_rows(["total"], {"total": "All children"}, {"total": total}, total, threshold, "All children")

    bands = by_dimension["waiting_band"]
    waiting_counts = [{"children": _int(bands.get(k, {}).get("children"))} for k in WAITING_BANDS]
    waiting_rows, waiting_total = disclosure.suppress_counts(waiting_counts, keys=("children",), threshold=threshold)

    items = {(str(r["section"]), str(r["key"] or "")): r for r in await sufficiency_queries.read_items(council.id, f)}
    declines, declines_total = _declines(items, threshold)

    months = await sufficiency_queries.read_months(council.id, f)
    month_keys = [_month_key(r["month"]) for r in months]
    trend, _ = _group_rows(
        month_keys,
        {k: reports._month_label(k) for k in month_keys},  # the applications report's month names, shared
        dict(zip(month_keys, months, strict=True)),
        {},
        threshold,
        "",
    )
    return SufficiencyReport(
        council=council.slug,
        council_name=(await Organisation.get(id=council.local_authority_id)).name,
        threshold=threshold,
        refreshed_on=last.day if last else None,
        year_starts=last.year_starts if last else None,
        year_ends=last.year_ends if last else None,
        filters=given,
        options=options,
        total=whole,
        breakdowns=breakdowns,
        waiting=[
            WaitingRow.model_validate({"key": k, "label": v, **cells})
            for (k, v), cells in zip(WAITING_BANDS.items(), waiting_rows, strict=True)
        ],
        waiting_total=WaitingRow.model_validate({"key": "total", "label": "All children waiting", **waiting_total}),
        declines=declines,
        declines_total=declines_total,
        places=_places(items, threshold),
        trend=[MonthRow.model_validate(t.model_dump()) for t in trend],
    )


def _month_key(value: Any) -> str:
    return (value if isinstance(value, date) else date.fromisoformat(str(value)[:10])).strftime("%Y-%m")


# --- CSV ------------------------------------------------------------------------------------------------


def report_csv(report: SufficiencyReport) -> str:
    """One long table: a section column, the row's key and label, then its figures (hidden ones as ``c``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = ["children", "children_behind", "packages", *AMOUNT_KEYS, "places", "places_offered", "places_asked_for", "places_waited_for"]
    writer.writerow(["section", "key", "label", *columns])

    def line(section: str, key: str, label: str, cells: dict[str, Any]) -> None:
        writer.writerow([section, spreadsheet_cell(key), spreadsheet_cell(label), *(cells.get(c, "") for c in columns)])

    line("all", "total", report.total.label, report.total.model_dump())
    for b in report.breakdowns:
        for row in [*b.rows, b.total]:
            line(b.dimension, row.key, row.label, row.model_dump())
    for w in [*report.waiting, report.waiting_total]:
        line("waiting", w.key, w.label, w.model_dump())
    for d in [*report.declines, report.declines_total]:
        line("declines", d.key, d.label, d.model_dump())
    for p in report.places:
        cells = p.model_dump()
        line(
            "places_asking",
            p.key,
            p.label,
            {"children": cells["children_asking"], "places_offered": p.places_offered, "places_asked_for": p.places_asked_for},
        )
        line("places_waiting", p.key, p.label, {"children": cells["children_waiting"], "places_waited_for": p.places_waited_for})
    for m in report.trend:
        line("month", m.key, m.label, m.model_dump())
    return out.getvalue()
