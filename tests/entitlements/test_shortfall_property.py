"""The database's shortfall figures equal a straightforward Python computation, on random registers.

Random packages (with variations between weeks, months and years, hours and pounds, some ended or
not yet started, some starting on 29 February), random places (attended, missed, booked, held,
waiting for the provider, cancelled or declined by the provider, cancelled by the family,
released; sessions just after midnight London time, whose UTC start is the day before),
random waiting-list entries and a random "today". The model below counts day by day with exact
fractions and looks at every place, sharing nothing with :mod:`entitlements.shortfall` but the
rules written in its docstring. Each example records a new council (the test's tables are emptied
once per test, not per example), with a second council's package that must never show.

Runs on both databases (``DATABASE_URL``); the examples are few and derandomized, for CI.
"""

from __future__ import annotations

import calendar
import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from math import floor
from uuid import UUID

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bookings.enums import Attendance, BookingStatus, FundingSource, WaitingStatus
from bookings.models import Booking, BookingChild, Child, WaitingListEntry
from bookings.services import new_reference
from entitlements.enums import PackagePeriod, PackageSource
from entitlements.models import AgreedPackage, CouncilProfile, PackageAmount
from entitlements.shortfall import PackageShortfall, child_shortfalls, council_shortfalls
from providers.models import Service, Session
from shortbreaks.accounts.models import User
from shortbreaks.clock import LONDON
from tests.bookings.conftest import make_family, make_service
from tests.factories import make_organisation

_slugs = itertools.count(1)

# --- the random register ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Amount:
    effective_from: date
    minutes: int | None
    pence: int | None
    per: str


@dataclass(frozen=True)
class Package:
    child: int
    starts_on: date
    ends_on: date
    amounts: list[Amount]


@dataclass(frozen=True)
class Place:
    child: int
    local_date: date
    hour: int
    minute: int
    minutes: int
    kind: str  # a booking status, with attended / no_show meaning the child's attendance too
    pence: int


@dataclass(frozen=True)
class Wait:
    child: int
    local_date: date
    minutes: int
    status: WaitingStatus


@dataclass(frozen=True)
class World:
    today: date
    children: int
    price: int
    packages: list[Package]
    places: list[Place]
    waits: list[Wait]


PLACE_KINDS = [s.value for s in BookingStatus]


@st.composite
def amounts(draw: st.DrawFn, effective_from: date) -> Amount:
    unit = draw(st.sampled_from(["minutes", "pence", "both"]))
    return Amount(
        effective_from=effective_from,
        minutes=draw(st.integers(1, 5000)) if unit != "pence" else None,
        pence=draw(st.integers(1, 2_000_000)) if unit != "minutes" else None,
        per=draw(st.sampled_from([p.value for p in PackagePeriod])),
    )


@st.composite
def worlds(draw: st.DrawFn) -> World:
    today = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 800)))  # into the leap year 2028
    children = draw(st.integers(1, 3))
    packages = []
    for child in range(children):
        for _ in range(draw(st.integers(0, 2))):
            starts_on = draw(
                st.one_of(st.just(date(2024, 2, 29)), st.just(today), st.integers(-20, 900).map(lambda n: today - timedelta(days=n)))
            )
            ends_on = starts_on + timedelta(days=draw(st.integers(0, 1100)))
            offsets = sorted(set(draw(st.lists(st.one_of(st.integers(1, 40), st.integers(1, 800)), max_size=3))))
            found = [draw(amounts(starts_on))] + [draw(amounts(starts_on + timedelta(days=n))) for n in offsets]
            packages.append(Package(child, starts_on, ends_on, found))
    places = []
    waits = []
    for child in range(children):
        # Every other day at most, so no two of a child's places overlap (the database refuses that).
        days = draw(st.lists(st.one_of(st.integers(-12, 12), st.integers(-190, 190)), unique=True, max_size=10))
        for n in days:
            local_date = today + timedelta(days=2 * n)
            hour, minute = draw(st.sampled_from([(0, 30), (10, 0), (23, 30)]))
            minutes = draw(st.sampled_from([60, 90, 180, 600]))
            if draw(st.integers(0, 4)) == 0:
                waits.append(Wait(child, local_date, minutes, draw(st.sampled_from(list(WaitingStatus)))))
                continue
            kind = draw(st.sampled_from(PLACE_KINDS))
            places.append(Place(child, local_date, hour, minute, minutes, kind, draw(st.integers(0, 5000))))
    return World(today, children, draw(st.integers(0, 9000)), packages, places, waits)


# --- the model ------------------------------------------------------------------------------------


def anniversary(starts_on: date, year: int) -> date:
    try:
        return starts_on.replace(year=year)
    except ValueError:  # 29 February in a year without one
        return date(year, 2, 28)


def year_around(starts_on: date, today: date) -> tuple[date, date]:
    year = today.year + 1
    while anniversary(starts_on, year) > today:
        year -= 1
    return anniversary(starts_on, year), anniversary(starts_on, year + 1) - timedelta(days=1)


def in_force(package: Package, day: date) -> Amount | None:
    earlier = [a for a in package.amounts if a.effective_from <= day]
    return max(earlier, key=lambda a: a.effective_from) if earlier else None


def rounded(value: Fraction) -> int:
    return floor(value + Fraction(1, 2))


def expected(world: World, package: Package) -> dict[str, object] | None:
    today = world.today
    current = in_force(package, today)
    if not package.starts_on <= today <= package.ends_on or current is None:
        return None
    month_days = calendar.monthrange(today.year, today.month)[1]
    year_first, year_last = year_around(package.starts_on, today)
    if current.per == "week":
        first, last = today - timedelta(days=today.weekday()), today + timedelta(days=6 - today.weekday())
    elif current.per == "month":
        first, last = today.replace(day=1), today.replace(day=month_days)
    else:
        first, last = year_first, year_last
    first, last = max(first, package.starts_on), min(last, package.ends_on)
    length = {"week": 7, "month": month_days, "year": (year_last - year_first).days + 1}
    agreed = {"minutes": Fraction(0), "pence": Fraction(0)}
    day = first
    while day <= today:
        amount = in_force(package, day)
        assert amount is not None
        if amount.minutes is not None:
            agreed["minutes"] += Fraction(amount.minutes, length[amount.per])
        if amount.pence is not None:
            agreed["pence"] += Fraction(amount.pence, length[amount.per])
        day += timedelta(days=1)
    figures: dict[str, object] = {
        "per": current.per,
        "period": (first, last, (today - first).days + 1),
        "units": (current.minutes is not None, current.pence is not None),
        "waiting_entries": sum(
            1 for w in world.waits if w.child == package.child and first <= w.local_date <= last and w.status in ("waiting", "offered")
        ),
    }
    for unit in ("minutes", "pence"):
        counts = dict.fromkeys(("attended", "booked", "unrecorded", "missed", "cancelled_by_provider", "declined", "waiting"), 0)
        for p in world.places:
            if p.child != package.child or not first <= p.local_date <= last:
                continue
            value = p.minutes if unit == "minutes" else p.pence
            if p.kind == "attended" and p.local_date <= today:
                counts["attended"] += value
            if p.kind == "no_show" and p.local_date <= today:
                counts["missed"] += value
            if p.kind in ("confirmed", "held"):
                counts["booked" if p.local_date >= today else "unrecorded"] += value
            if p.kind in ("cancelled_by_provider", "declined"):
                counts[p.kind] += value
            if p.kind == "requested":
                counts["waiting"] += value
        for w in world.waits:
            if w.child == package.child and first <= w.local_date <= last and w.status in ("waiting", "offered"):
                counts["waiting"] += w.minutes if unit == "minutes" else world.price
        agreed_so_far = rounded(agreed[unit])
        shortfall = max(0, agreed_so_far - counts["attended"] - counts["booked"])
        figures[unit] = {
            "agreed": agreed_so_far,
            **counts,
            "shortfall": shortfall,
            "percent_behind": shortfall * 100 // agreed_so_far if agreed_so_far else 0,
        }
    return figures


def observed(row: PackageShortfall) -> dict[str, object]:
    figures: dict[str, object] = {
        "per": row.per.value,
        "period": (row.period_starts, row.period_ends, row.days_so_far),
        "units": (row.in_minutes, row.in_pence),
        "waiting_entries": row.waiting_entries,
    }
    for unit in ("minutes", "pence"):
        f = getattr(row, unit)
        figures[unit] = {name: getattr(f, name) for name in f.__dataclass_fields__}
    return figures


# --- writing the register -------------------------------------------------------------------------


def london_at(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


async def write(world: World) -> tuple[CouncilProfile, list[Child], dict[UUID, Package]]:
    authority = await make_organisation()
    profile = await CouncilProfile.create(local_authority=authority, slug=f"shortfall-{next(_slugs)}")
    family = await make_family(authority)
    children = [await Child.create(family=family, local_authority=authority, first_name=f"Child {n}") for n in range(world.children)]
    service = await make_service(authority=authority, price=world.price)
    by_id = {}
    for package in world.packages:
        row = await AgreedPackage.create(
            council=profile,
            child=children[package.child],
            source=PackageSource.CHILD_IN_NEED,
            starts_on=package.starts_on,
            ends_on=package.ends_on,
        )
        for a in package.amounts:
            await PackageAmount.create(package=row, effective_from=a.effective_from, minutes=a.minutes, pence=a.pence, per=a.per)
        by_id[row.id] = package
    for place in world.places:
        session = await session_on(service, place.local_date, place.hour, place.minute, place.minutes)
        await write_place(family, service, session, children[place.child], place)
    for wait in world.waits:
        session = await session_on(service, wait.local_date, 10, 0, wait.minutes)
        joined = session.starts_at - timedelta(days=3)
        await WaitingListEntry.create(session=session, family=family, child=children[wait.child], status=wait.status, joined_at=joined)
    return profile, children, by_id


async def session_on(service: Service, local_date: date, hour: int, minute: int, minutes: int) -> Session:
    starts_at = london_at(local_date, hour, minute)
    assert starts_at.astimezone(LONDON).date() == local_date
    return await Session.create(
        service=service,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        local_date=local_date,
        local_weekday=local_date.weekday(),
        capacity=5,
    )


async def write_place(family: User, service: Service, session: Session, child: Child, place: Place) -> None:
    status = BookingStatus(place.kind)
    booking = await Booking.create(
        reference=new_reference(),
        family=family,
        session=session,
        service=service,
        status=status,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        minutes=place.minutes,
    )
    attendance = {"attended": Attendance.ATTENDED, "no_show": Attendance.NO_SHOW}.get(place.kind)
    await BookingChild.create(
        booking=booking,
        child=child,
        session_id=session.id,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        active=status.is_active,
        funding_source=FundingSource.ALLOCATION,
        debited_minutes=place.minutes,
        debited_pence=place.pence,
        attendance=attendance,
    )


async def another_councils_package(world: World) -> None:
    """A child of a second council with a package and places on the same days: never in the first's rows."""
    authority = await make_organisation()
    profile = await CouncilProfile.create(local_authority=authority, slug=f"elsewhere-{next(_slugs)}")
    family = await make_family(authority)
    child = await Child.create(family=family, local_authority=authority, first_name="Elsewhere")
    package = await AgreedPackage.create(
        council=profile,
        child=child,
        source=PackageSource.TIER_DECISION,
        starts_on=world.today - timedelta(days=30),
        ends_on=world.today + timedelta(days=30),
    )
    await PackageAmount.create(package=package, effective_from=package.starts_on, minutes=600, per=PackagePeriod.WEEK)


# --- the property ---------------------------------------------------------------------------------


@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(world=worlds())
# A package year from 29 February on the 28th in a year without one (its anniversary, so the first
# day of a new package year), a variation from weeks to a year, and places either side.
@example(
    world=World(
        today=date(2027, 2, 28),
        children=1,
        price=1500,
        packages=[
            Package(
                0,
                date(2024, 2, 29),
                date(2028, 6, 30),
                [Amount(date(2024, 2, 29), 180, None, "week"), Amount(date(2026, 12, 1), 7800, 390_000, "year")],
            )
        ],
        places=[
            Place(0, date(2027, 2, 26), 10, 0, 180, "attended", 2500),
            Place(0, date(2027, 2, 28), 0, 30, 180, "attended", 2500),
            Place(0, date(2027, 3, 2), 23, 30, 600, "confirmed", 2500),
        ],
        waits=[Wait(0, date(2027, 3, 4), 90, WaitingStatus.OFFERED)],
    )
)
async def test_the_databases_shortfall_equals_a_day_by_day_computation(world: World) -> None:
    await another_councils_package(world)
    profile, children, packages = await write(world)

    rows = await council_shortfalls(profile.id, day=world.today)

    wanted = {package_id: expected(world, p) for package_id, p in packages.items()}
    wanted = {package_id: figures for package_id, figures in wanted.items() if figures is not None}
    assert {r.package_id: observed(r) for r in rows} == wanted
    assert all(r.child_id == children[packages[r.package_id].child].id for r in rows)
    for n, child in enumerate(children):
        mine = await child_shortfalls(profile.id, child.id, day=world.today)
        assert mine == [r for r in rows if r.child_id == child.id]
        assert {r.package_id for r in mine} == {i for i, p in packages.items() if p.child == n and i in wanted}
