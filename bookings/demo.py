"""Bookings demo data: the Shah family in Birmingham with two children and allocations, past
bookings (attended, no-show), a future booking for both, a place on a full session's waiting list
and a request waiting on an approval service. Loading twice changes nothing.

Twelve more demo families (``<surname>.family@example.com``, demo password) fill one Saturday
so that the Shahs can wait for a place.

Sessions come from the providers' demo data (the "Sunshine Saturday Club" provider); without
them only the children and allocations are made.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from bookings import services
from bookings.enums import Attendance
from bookings.models import Booking, Child
from providers import queries as provider_queries
from providers import services as provider_services
from providers.enums import BookingMode
from providers.models import Session
from shortbreaks.accounts.models import User
from shortbreaks.clock import LONDON
from shortbreaks.demo import DemoContext
from shortbreaks.errors import DomainError

CHILDREN = [
    ("Aarav", date(2014, 9, 12), ["ASD", "SLCN"], {"communication": "Uses Makaton and a picture board", "dietary": "Vegetarian"}),
    ("Anika", date(2017, 3, 3), ["PD"], {"medical": "Uses a wheelchair; hoist for transfers", "emergency_contact_name": "Raj Shah"}),
    # No bookings: the family can try changing and removing a child (Aarav and Anika have bookings, so removing them is refused).
    ("Ishaan", date(2019, 8, 21), ["SLCN"], {"communication": "Short sentences; give him time to answer"}),
]


async def _family_children(
    family: User, authority_id: UUID, now: datetime, specs: list[tuple[Any, ...]], *, last_name: str | None = None
) -> list[Child]:
    children = []
    for first_name, dob, needs, care in specs:
        child = await Child.get_or_none(family_id=family.id, first_name=first_name)
        if child is None:
            child = await services.create_child(
                family, local_authority_id=authority_id, first_name=first_name, last_name=last_name or family.display_name.split()[-1],
                date_of_birth=dob, needs=needs, care=care, now=now,
            )  # fmt: skip
        children.append(child)
    return children


OTHER_FAMILIES = [
    ("Okafor", "Chidi", date(2016, 1, 20)),
    ("Begum", "Sana", date(2015, 7, 8)),
    ("Kowalski", "Jan", date(2017, 11, 2)),
    ("Evans", "Megan", date(2016, 4, 30)),
    ("Hussain", "Zayn", date(2015, 2, 14)),
    ("Murphy", "Aoife", date(2018, 6, 1)),
    ("Nguyen", "Minh", date(2016, 9, 9)),
    ("Clarke", "Ruby", date(2017, 12, 12)),
    ("Ali", "Yusuf", date(2014, 10, 10)),
    ("Taylor", "Leo", date(2016, 3, 3)),
    ("Patel", "Isha", date(2017, 5, 5)),
    ("Brown", "Noah", date(2015, 8, 18)),
]


async def _other_family(
    surname: str, first_name: str, dob: date, authority_id: UUID, officer: User, year: int, now: datetime
) -> tuple[User, Child]:
    """One of the other demo families (signs in with the demo password), its child with an allocation."""
    from shortbreaks.accounts.enums import Role
    from shortbreaks.accounts.models import Organisation
    from shortbreaks.accounts.services import ensure_membership, ensure_user
    from shortbreaks.demo import DEMO_PASSWORD

    authority = await Organisation.get(id=authority_id)
    user = await ensure_user(
        email=f"{surname.lower()}.family@example.com", password=DEMO_PASSWORD, display_name=f"The {surname} family", now=now
    )
    await ensure_membership(user, authority, Role.FAMILY)
    # Named as people are ("Chidi Okafor"), not after the account ("The Okafor family").
    [child] = await _family_children(user, authority_id, now, [(first_name, dob, ["ASD"], {})], last_name=surname)
    if not await child.allocations.filter(year=year).exists():
        await services.grant_allocation(child, actor=officer, year=year, minutes=40 * 60, pence=0, reason="Annual short breaks", now=now)
    return user, child


async def _fill(session: Session, authority_id: UUID, officer: User, year: int, now: datetime) -> None:
    """Book other demo families onto ``session`` until it is full."""
    for surname, first_name, dob in OTHER_FAMILIES:
        current = await provider_queries.get_session_for_booking(session.id)
        if current.places_left <= 0:
            return
        user, child = await _other_family(surname, first_name, dob, authority_id, officer, year, now)
        await services.create_booking(user, session_id=current.id, child_ids=[child.id], now=now)


async def load(ctx: DemoContext) -> None:
    authority = ctx.organisations["GB-LAE-BIR"]
    officer = ctx.users["officer@example.com"]
    family = ctx.users["family@example.com"]
    now = ctx.now
    year = services.financial_year(now.astimezone(LONDON).date())
    shahs = await _family_children(family, authority.id, now, CHILDREN)
    # Granted at the start of the allowance year, before the past bookings below spend from it, so
    # the Shahs' history reads in order: the allowance, then what was booked.
    year_start = min(now, datetime(year, 4, 1, 9, tzinfo=LONDON).astimezone(now.tzinfo))
    for child, minutes, pence in [(shahs[0], 78 * 60, 0), (shahs[1], 0, 88_000)]:
        if not await child.allocations.filter(year=year).exists():
            await services.grant_allocation(
                child, actor=officer, year=year, minutes=minutes, pence=pence, reason="Annual short breaks", now=year_start
            )

    if await Booking.filter(family_id=family.id).exists():
        return
    sessions = await provider_queries.list_sessions_in_authority(authority.id)
    sunshine = ctx.organisations["GB-CHC-1180001"].id
    club = [s for s in sessions if s.service.provider.organisation_id == sunshine]
    if club and not any(s.starts_at < now for s in club):
        # The directory materialises sessions from now on; past ones (for attended and no-show
        # bookings) come from its own service, run as of three weeks ago.
        saturday = next(s.service for s in club if s.service.booking_mode == BookingMode.INSTANT)
        await provider_services.materialise_service(saturday, now=now - timedelta(weeks=3))
        sessions = await provider_queries.list_sessions_in_authority(authority.id)
        club = [s for s in sessions if s.service.provider.organisation_id == sunshine]
    instant = [s for s in club if s.service.booking_mode == BookingMode.INSTANT and s.status.value == "scheduled"]
    approval = [
        s for s in sessions if s.service.booking_mode == BookingMode.APPROVAL and s.status.value == "scheduled" and s.service.min_age <= 9
    ]
    past = [s for s in instant if s.starts_at < now][-2:]
    future = [s for s in instant if s.starts_at > now + timedelta(days=2) and services.opens_at(s) <= now]
    staff = ctx.users["provider@example.com"]
    try:
        for session, mark in zip(past, [Attendance.ATTENDED, Attendance.NO_SHOW], strict=False):
            booked_at = session.starts_at - timedelta(days=3)
            booking = await services.create_booking(family, session_id=session.id, child_ids=[shahs[0].id], now=booked_at)
            await services.record_attendance(booking, actor=staff, attendance={shahs[0].id: mark}, now=session.ends_at)
        if future:
            await services.create_booking(family, session_id=future[0].id, child_ids=[c.id for c in shahs[:2]], now=now)
        # A full session: other demo families fill the next Saturday but one, and Anika waits for a place.
        if len(future) > 1:
            await _fill(future[1], authority.id, officer, year, now)
            club = [await provider_queries.get_session_for_booking(s.id) for s in club]
        full = [s for s in club if s.starts_at > now and s.places_left == 0 and services.opens_at(s) <= now][:1]
        for session in full:
            await services.join_waiting_list(family, session_id=session.id, child_ids=[shahs[1].id], now=now)
            # A second child waits behind Anika, so the register shows a queue.
            user, child = await _other_family(*OTHER_FAMILIES[-1], authority.id, officer, year, now)
            await services.join_waiting_list(user, session_id=session.id, child_ids=[child.id], now=now + timedelta(minutes=20))
        # Requests waiting for the demo provider's decision on its approval service (the Tea Club),
        # the oldest two days old; the Shahs' request comes last.
        sunshine_approval = [s for s in approval if s.service.provider.organisation_id == sunshine]
        open_approval = [s for s in sunshine_approval or approval if s.starts_at > now + timedelta(days=7) and services.opens_at(s) <= now]
        for session in open_approval[:1]:
            for (surname, first_name, dob), ago in zip(OTHER_FAMILIES[:2], (timedelta(days=2), timedelta(hours=5)), strict=True):
                user, child = await _other_family(surname, first_name, dob, authority.id, officer, year, now)
                await services.create_booking(user, session_id=session.id, child_ids=[child.id], now=now - ago)
            await services.create_booking(family, session_id=session.id, child_ids=[shahs[1].id], now=now)
    except DomainError:
        # Demo sessions may be too small or too close for every step; what was made stays consistent.
        return
