"""Allocations by allowance year, and who may book what (issue #20, items 5 and 6, the bookings side).

- A booking is paid from the child's allocation whose allowance year (``starts_on`` to ``ends_on``)
  holds the session's London date, whatever the council's year (1 February to 31 January here).
- A service paid for only by council allocations is bookable only with an allocation; the family
  cannot pay for it.
- An allocation pays only for the kinds of break its tier lists; an officer's grant by hand (no
  kinds) pays for any.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from bookings import presenters, services
from bookings.enums import FundingSource
from bookings.errors import AllocationNotForService
from bookings.models import Allocation, Child
from providers.enums import FundingRoute, ServiceKind, to_mask
from providers.models import Service, Session
from shortbreaks.accounts.enums import Role
from shortbreaks.accounts.models import Organisation, User
from shortbreaks.clock import LONDON, FrozenClock, utc
from tests.bookings.conftest import NOW, make_child, make_family, make_service, make_session, make_staff, token_headers


async def targeted(service: Service, kind: ServiceKind = ServiceKind.ACTIVITY) -> Service:
    """Paid for only by council allocations: a targeted or specialist service."""
    service.funding_mask = to_mask([FundingRoute.COUNCIL_ALLOCATION, FundingRoute.DIRECT_PAYMENT])
    service.kind = kind
    await service.save()
    return service


async def feb_allocation(child: Child, year: int, *, minutes: int, kinds: tuple[str, ...] = ("activity",), now_year: int) -> Allocation:
    officer = await User.create(email=f"officer-{child.id}-{year}@example.com", password_hash="!", display_name="Officer")
    terms = services.AllowanceTerms(starts_on=date(year, 2, 1), ends_on=date(year + 1, 1, 31), tier_code="targeted", service_kinds=kinds)
    return await services.grant_allocation(
        child, actor=officer, terms=terms, minutes=minutes, reason="Approved", now=utc(now_year, 1, 20, 9)
    )


def at_london(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON).astimezone(UTC)


async def test_the_last_day_of_a_february_year_is_paid_from_that_year_and_the_next_day_from_the_next_at_its_full_amount(
    authority: Organisation, clock: FrozenClock
) -> None:
    clock.set(utc(2027, 1, 20, 9))
    family = await make_family(authority)
    child = await make_child(family)
    old = await feb_allocation(child, 2026, minutes=600, now_year=2027)
    new = await feb_allocation(child, 2027, minutes=600, now_year=2027)
    assert (old.starts_on, old.ends_on, new.starts_on, new.ends_on) == (
        date(2026, 2, 1),
        date(2027, 1, 31),
        date(2027, 2, 1),
        date(2028, 1, 31),
    )
    service = await targeted(await make_service(authority=authority))
    last_day = await make_session(service, starts_at=at_london(date(2027, 1, 31)), hours=3)
    first_day = await make_session(service, starts_at=at_london(date(2027, 2, 1)), hours=3)

    _, places_a = await services.book_places(family, session_id=last_day.id, child_ids=[child.id], now=clock.now())
    _, places_b = await services.book_places(family, session_id=first_day.id, child_ids=[child.id], now=clock.now())

    assert places_a[0].allocation_id == old.id and places_b[0].allocation_id == new.id
    old, new = await Allocation.get(id=old.id), await Allocation.get(id=new.id)
    # Each year pays for its own day; nothing moved between them.
    assert (old.balance_minutes, new.balance_minutes) == (420, 420)


async def test_a_targeted_service_needs_an_allocation_and_the_family_cannot_pay_for_it(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock
) -> None:
    family = await make_family(authority)
    child = await make_child(family, first_name="Aarav")
    service = await targeted(await make_service(authority=authority, price=2500))
    session = await make_session(service)
    headers = await token_headers(family)

    refused = await client.post("/api/v1/bookings", json={"session_id": str(session.id), "child_ids": [str(child.id)]}, headers=headers)
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["code"] == "allocation_required"
    assert f"{service.name} is only for children with a council short breaks allocation, and Aarav has none for" in problem["detail"]

    await services.grant_allocation(child, actor=family, year=2026, minutes=600, reason="Hand grant", now=clock.now())
    as_family = await client.post(
        "/api/v1/bookings", json={"session_id": str(session.id), "child_ids": [str(child.id)], "funding": "family"}, headers=headers
    )
    assert (as_family.status_code, as_family.json()["code"]) == (422, "allocation_required")
    assert "cannot be paid for by the family" in as_family.json()["detail"]

    # An officer's grant by hand lists no kinds: it pays for any service.
    booked = await client.post("/api/v1/bookings", json={"session_id": str(session.id), "child_ids": [str(child.id)]}, headers=headers)
    assert booked.status_code == 201, booked.text
    assert booked.json()["funding"][0]["source"] == "allocation"


async def test_an_allocation_pays_only_for_the_kinds_of_break_its_tier_lists(authority: Organisation, clock: FrozenClock) -> None:
    family = await make_family(authority)
    child = await make_child(family, first_name="Noor")
    officer = await User.create(email="kinds-officer@example.com", password_hash="!", display_name="Officer")
    terms = services.AllowanceTerms(
        starts_on=date(2026, 4, 1), ends_on=date(2027, 3, 31), tier_code="targeted", service_kinds=("activity",)
    )
    allocation = await services.grant_allocation(child, actor=officer, terms=terms, minutes=600, reason="Approved", now=clock.now())
    overnight = await make_session(
        await targeted(await make_service(authority=authority), ServiceKind.OVERNIGHT_AWAY), starts_at=NOW + timedelta(days=10)
    )

    with pytest.raises(AllocationNotForService) as refused:
        await services.create_booking(family, session_id=overnight.id, child_ids=[child.id], now=clock.now())
    assert "Noor's allocation pays for activity or club only, not overnight care away from home" in refused.value.message
    with pytest.raises(AllocationNotForService):
        await services.create_booking(
            family, session_id=overnight.id, child_ids=[child.id], now=clock.now(), funding=FundingSource.ALLOCATION
        )
    assert (await Allocation.get(id=allocation.id)).balance_minutes == 600

    # An open (universal) service of another kind: the allocation does not pay, the child goes as anyone would.
    open_service = await make_service(authority=authority, price=0)
    open_service.kind = ServiceKind.OVERNIGHT_AWAY
    await open_service.save()
    _, places = await services.book_places(
        family, session_id=(await make_session(open_service, starts_at=NOW + timedelta(days=11))).id, child_ids=[child.id], now=clock.now()
    )
    assert (places[0].funding_source, places[0].allocation_id) == (FundingSource.FAMILY, None)
    assert (await Allocation.get(id=allocation.id)).balance_minutes == 600

    activity = await make_session(await targeted(await make_service(authority=authority)), starts_at=NOW + timedelta(days=12))
    _, places = await services.book_places(family, session_id=activity.id, child_ids=[child.id], now=clock.now())
    assert places[0].allocation_id == allocation.id


async def test_the_booking_page_offers_only_what_the_rules_allow(authority: Organisation, clock: FrozenClock) -> None:
    family = await make_family(authority)
    await make_child(family, first_name="Ravi")
    wrong_kind = await make_child(family, first_name="Anika")
    covered = await make_child(family, first_name="Maya")
    officer = await User.create(email="choices-officer@example.com", password_hash="!", display_name="Officer")
    for child, kinds in ((wrong_kind, ("overnight_away",)), (covered, ("activity",))):
        terms = services.AllowanceTerms(starts_on=date(2026, 4, 1), ends_on=date(2027, 3, 31), tier_code="t", service_kinds=kinds)
        await services.grant_allocation(child, actor=officer, terms=terms, minutes=600, reason="Approved", now=clock.now())
    session = await make_session(await targeted(await make_service(authority=authority)))
    session = await Session.get(id=session.id).select_related("service__provider")

    choices = await presenters.booking_choices(family.id, session, online_payment=True)

    routes = {o.child.first_name: o.route for o in choices.options}
    assert routes == {"Ravi": "needs_allocation", "Anika": "not_covered", "Maya": "allocation"}
    assert choices.needs_allocation
    assert [o.child.first_name for o in choices.bookable] == ["Maya"]
    assert "Anika's allocation pays for overnight care away from home only" in next(
        o.why for o in choices.options if o.route == "not_covered"
    )


async def test_the_officer_api_shows_each_allocations_period(client: httpx.AsyncClient, authority: Organisation) -> None:
    family = await make_family(authority)
    child = await make_child(family)
    officer = await make_staff(authority, Role.LA_OFFICER)
    granted = await client.post(
        f"/api/v1/authority/children/{child.id}/allocations",
        json={"year": 2026, "minutes": 600, "reason": "Hand grant"},
        headers=await token_headers(officer),
    )
    assert granted.status_code == 201, granted.text
    body = granted.json()
    assert (body["starts_on"], body["ends_on"], body["period"]) == ("2026-04-01", "2027-03-31", "1 April 2026 to 31 March 2027")
    assert body["service_kinds"] == []
