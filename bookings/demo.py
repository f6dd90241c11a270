"""Bookings demo data: the Shah family in Birmingham with two children and allocations, past
bookings (attended, no-show), a future booking for both, a place on a full session's waiting list
and a request waiting on an approval service. Loading twice changes nothing.

Only the core's demo family is used: the core's demo test pins the number of demo users.

Sessions come from the providers' demo data (the "Sunshine Saturday Club" provider); without
them only the children and allocations are made.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bookings import services
from bookings.enums import Attendance
from bookings.models import Booking, Child
from providers import queries as provider_queries
from providers import services as provider_services
from providers.enums import BookingMode
from shortbreaks.accounts.models import User
from shortbreaks.clock import LONDON
from shortbreaks.demo import DemoContext
from shortbreaks.errors import DomainError

CHILDREN = [
    ("Aarav", date(2014, 9, 12), ["ASD", "SLCN"], {"communication": "Uses Makaton and a picture board", "dietary": "Vegetarian"}),
    ("Anika", date(2017, 3, 3), ["PD"], {"medical": "Uses a wheelchair; hoist for transfers", "emergency_contact_name": "Raj Shah"}),
]


async def _family_children(family: User, authority_id: object, now: datetime, specs: list[tuple]) -> list[Child]:  # type: ignore[type-arg]
    children = []
    for first_name, dob, needs, care in specs:
        child = await Child.get_or_none(family_id=family.id, first_name=first_name)
        if child is None:
            child = await services.create_child(
                family, local_authority_id=authority_id, first_name=first_name, last_name=family.display_name.split()[-1],  # type: ignore[arg-type]
                date_of_birth=dob, needs=needs, care=care, now=now,
            )  # fmt: skip
        children.append(child)
    return children


async def load(ctx: DemoContext) -> None:
    authority = ctx.organisations["GB-LAE-BIR"]
    officer = ctx.users["officer@example.com"]
    family = ctx.users["family@example.com"]
    now = ctx.now
    year = services.financial_year(now.astimezone(LONDON).date())
    shahs = await _family_children(family, authority.id, now, CHILDREN)
    for child, minutes, pence in [(shahs[0], 78 * 60, 0), (shahs[1], 0, 88_000)]:
        if not await child.allocations.filter(year=year).exists():
            await services.grant_allocation(
                child, actor=officer, year=year, minutes=minutes, pence=pence, reason="Annual short breaks", now=now
            )

    if await Booking.filter(family_id=family.id).exists():
        return
    sessions = await provider_queries.list_sessions_in_authority(authority.id)
    sunshine = ctx.organisations["GB-CHC-1180001"].id
    club = [s for s in sessions if s.service.provider.organisation_id == sunshine]  # type: ignore[attr-defined]
    if club and not any(s.starts_at < now for s in club):
        # The directory materialises sessions from now on; past ones (for attended and no-show
        # bookings) come from its own service, run as of three weeks ago.
        await provider_services.materialise_service(club[0].service, now=now - timedelta(weeks=3))
        sessions = await provider_queries.list_sessions_in_authority(authority.id)
        club = [s for s in sessions if s.service.provider.organisation_id == sunshine]  # type: ignore[attr-defined]
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
            await services.create_booking(family, session_id=future[0].id, child_ids=[c.id for c in shahs], now=now)
        # A full session: Anika waits for a place (sessions the directory's demo leaves full).
        full = [s for s in club if s.starts_at > now and s.places_left == 0 and services.opens_at(s) <= now][:1]
        for session in full:
            await services.join_waiting_list(family, session_id=session.id, child_ids=[shahs[1].id], now=now)
        # A request waiting for the provider's decision on an approval service.
        for session in [s for s in approval if s.starts_at > now + timedelta(days=7) and services.opens_at(s) <= now][:1]:
            await services.create_booking(family, session_id=session.id, child_ids=[shahs[1].id], now=now)
    except DomainError:
        # Demo sessions may be too small or too close for every step; what was made stays consistent.
        return
