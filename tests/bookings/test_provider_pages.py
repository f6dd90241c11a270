"""A provider's working day on the pages: the requests to decide, confirm and decline in place,
the register's waiting list, and errors that never show as success."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bookings import services
from bookings.enums import BookingStatus, WaitingStatus
from bookings.models import Booking, WaitingListEntry
from providers.enums import BookingMode
from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.accounts.models import Organisation
from shortbreaks.clock import FrozenClock
from tests.bookings.conftest import make_child, make_service, make_session
from tests.factories import csrf, make_organisation, make_user, sign_in

ROOT = Path(__file__).resolve().parents[2]


async def _approval_day(authority: Organisation, clock: FrozenClock) -> tuple:
    charity = await make_organisation(kind=OrganisationKind.CHARITY)
    staff = await make_user(role=Role.PROVIDER_STAFF, organisation=charity)
    service = await make_service(organisation=charity, mode=BookingMode.APPROVAL)
    session = await make_session(service, starts_at=clock.now() + timedelta(days=3))
    return charity, staff, service, session


async def test_requests_wait_oldest_first_with_how_long_and_the_childs_needs(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock
) -> None:
    _charity, staff, _service, session = await _approval_day(authority, clock)
    first_family = await make_user(role=Role.FAMILY, organisation=authority)
    second_family = await make_user(role=Role.FAMILY, organisation=authority)
    aarav = await make_child(first_family, first_name="Aarav", care={"communication": "Uses Makaton"})
    bea = await make_child(second_family, first_name="Bea")
    older = await services.create_booking(first_family, session_id=session.id, child_ids=[aarav.id], now=clock.now() - timedelta(days=3))
    newer = await services.create_booking(second_family, session_id=session.id, child_ids=[bea.id], now=clock.now() - timedelta(hours=5))
    # Another provider's request is not this provider's business.
    other = await make_session(await make_service(mode=BookingMode.APPROVAL), starts_at=clock.now() + timedelta(days=3))
    stranger = await make_child(await make_user(role=Role.FAMILY, organisation=authority), first_name="Zed")
    await services.create_booking(await stranger.family, session_id=other.id, child_ids=[stranger.id], now=clock.now())

    await sign_in(client, staff)
    page = await client.get("/provider/bookings")

    assert page.status_code == 200
    text = page.text
    assert text.index(older.reference) < text.index(newer.reference)
    assert "waiting 3 days" in text and "waiting 5 hours" in text
    assert "Autistic spectrum disorder" in text or "ASD" in text
    assert "Uses Makaton" in text
    assert "Zed" not in text
    assert "Bookings (2 waiting)" in text  # the count in the navigation


async def test_requests_waiting_past_the_services_response_target_are_flagged_at_the_top_with_how_late(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock
) -> None:
    _charity, staff, service, session = await _approval_day(authority, clock)
    service.response_target_hours = 24
    await service.save(update_fields=["response_target_hours"])
    family = await make_user(role=Role.FAMILY, organisation=authority)
    late_child = await make_child(family, first_name="Aarav")
    on_time_child = await make_child(family, first_name="Bea")
    late = await services.create_booking(family, session_id=session.id, child_ids=[late_child.id], now=clock.now() - timedelta(days=3))
    on_time = await services.create_booking(
        family, session_id=session.id, child_ids=[on_time_child.id], now=clock.now() - timedelta(hours=5)
    )
    await sign_in(client, staff)

    text = (await client.get("/provider/bookings")).text

    warning = text[text.index('id="late-requests"') : text.index('id="requests"')]
    assert "1 request has waited longer than you aim to answer" in warning
    assert late.reference in warning and "waiting 3 days, 2 days past your 24-hour target" in warning
    assert on_time.reference not in warning
    assert "2 days late" in text


async def test_no_flag_while_every_request_is_within_its_target(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock
) -> None:
    _charity, staff, _service, session = await _approval_day(authority, clock)  # the default target: 48 hours
    family = await make_user(role=Role.FAMILY, organisation=authority)
    child = await make_child(family, first_name="Aarav")
    await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=clock.now() - timedelta(hours=47))
    await sign_in(client, staff)

    text = (await client.get("/provider/bookings")).text

    assert "waiting 47 hours" in text
    assert "late-requests" not in text and " late)" not in text


async def test_the_provider_confirms_in_place_and_returns_to_the_list(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock
) -> None:
    _charity, staff, _service, session = await _approval_day(authority, clock)
    family = await make_user(role=Role.FAMILY, organisation=authority)
    child = await make_child(family, first_name="Aarav")
    booking = await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=clock.now())
    await sign_in(client, staff)
    token = await csrf(client, "/provider/bookings")

    done = await client.post(f"/provider/bookings/{booking.id}", data={"csrf_token": token, "action": "confirm", "return_to": "bookings"})

    assert done.status_code == 303 and done.headers["location"].endswith("/provider/bookings")
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED
    after = await client.get("/provider/bookings")
    assert "No requests are waiting." in after.text
    assert "govuk-notification-banner--success" in after.text and f"{booking.reference} confirmed" in after.text
    assert "Aarav" in after.text  # now among the confirmed bookings coming up


@pytest.mark.parametrize("return_to", ["", "bookings"])
async def test_declining_without_a_reason_shows_an_error_summary_and_changes_nothing(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, return_to: str
) -> None:
    _charity, staff, _service, session = await _approval_day(authority, clock)
    family = await make_user(role=Role.FAMILY, organisation=authority)
    booking = await services.create_booking(family, session_id=session.id, child_ids=[(await make_child(family)).id], now=clock.now())
    await sign_in(client, staff)
    token = await csrf(client, f"/provider/sessions/{session.id}")

    refused = await client.post(
        f"/provider/bookings/{booking.id}", data={"csrf_token": token, "action": "decline", "reason": " ", "return_to": return_to}
    )

    assert refused.status_code == 422
    assert "govuk-error-summary" in refused.text
    assert f'href="#reason-{booking.id}"' in refused.text
    assert f'aria-describedby="reason-{booking.id}-hint reason-{booking.id}-error"' in refused.text
    assert "govuk-notification-banner" not in refused.text
    assert (await Booking.get(id=booking.id)).status == BookingStatus.REQUESTED


async def test_confirming_a_request_the_family_has_just_cancelled_says_so(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock
) -> None:
    _charity, staff, _service, session = await _approval_day(authority, clock)
    family = await make_user(role=Role.FAMILY, organisation=authority)
    booking = await services.create_booking(family, session_id=session.id, child_ids=[(await make_child(family)).id], now=clock.now())
    await sign_in(client, staff)
    token = await csrf(client, "/provider/bookings")
    await services.cancel_booking(booking, actor=family, now=clock.now())

    late = await client.post(f"/provider/bookings/{booking.id}", data={"csrf_token": token, "action": "confirm", "return_to": "bookings"})

    assert late.status_code == 409
    assert f"The family cancelled {booking.reference} before you could confirm it: nothing was changed" in late.text
    assert "govuk-error-summary" in late.text and "govuk-notification-banner" not in late.text
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CANCELLED_BY_FAMILY


async def test_confirm_and_decline_are_separate_forms_so_enter_in_the_reason_cannot_confirm(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock
) -> None:
    _charity, staff, _service, session = await _approval_day(authority, clock)
    family = await make_user(role=Role.FAMILY, organisation=authority)
    booking = await services.create_booking(family, session_id=session.id, child_ids=[(await make_child(family)).id], now=clock.now())
    await sign_in(client, staff)
    for path in (f"/provider/sessions/{session.id}", "/provider/bookings"):
        html = (await client.get(path)).text
        forms = [f for f in html.split("<form")[1:] if f"/provider/bookings/{booking.id}" in f.split(">")[0]]
        decline = [f for f in forms if 'name="reason"' in f]
        assert len(decline) == 1 and 'value="decline"' in decline[0] and 'value="confirm"' not in decline[0].split("</form>")[0]


async def test_the_register_lists_the_waiting_list_in_order_with_any_offer(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock
) -> None:
    charity = await make_organisation(kind=OrganisationKind.CHARITY)
    staff = await make_user(role=Role.PROVIDER_STAFF, organisation=charity)
    session = await make_session(await make_service(organisation=charity), starts_at=clock.now() + timedelta(days=5), capacity=1)
    booked = await make_user(role=Role.FAMILY, organisation=authority)
    booking = await services.create_booking(booked, session_id=session.id, child_ids=[(await make_child(booked)).id], now=clock.now())
    for i, name in enumerate(("Aarav", "Bea")):
        family = await make_user(role=Role.FAMILY, organisation=authority)
        child = await make_child(family, first_name=name)
        await services.join_waiting_list(family, session_id=session.id, child_ids=[child.id], now=clock.now() + timedelta(minutes=i))
    await sign_in(client, staff)

    register = (await client.get(f"/provider/sessions/{session.id}")).text
    assert register.index("1. Aarav, 10") < register.index("2. Bea, 10")
    assert register.count("Waiting for a place") == 2

    # A place frees: the first in line is offered it, and the register shows the offer's end.
    await services.cancel_booking(booking, actor=booked, now=clock.now())
    entry = await WaitingListEntry.get(child__first_name="Aarav")
    assert entry.status == WaitingStatus.OFFERED
    moved = (await client.get(f"/provider/sessions/{session.id}")).text
    assert "Offered a place: the offer ends" in moved
    assert moved.index("1. Aarav") < moved.index("Offered a place") < moved.index("2. Bea")


async def test_a_flashed_error_shows_in_the_error_summary_not_a_success_banner(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock
) -> None:
    family = await make_user(role=Role.FAMILY, organisation=authority)
    session = await make_session(await make_service(), starts_at=clock.now() + timedelta(days=5))
    booking = await services.create_booking(family, session_id=session.id, child_ids=[(await make_child(family)).id], now=clock.now())
    await services.cancel_booking(booking, actor=family, now=clock.now())
    await sign_in(client, family)
    token = await csrf(client, "/bookings")

    again = await client.post(f"/bookings/{booking.id}/cancel", data={"csrf_token": token}, follow_redirects=True)

    assert "govuk-error-summary" in again.text and "This booking has already been cancelled" in again.text
    assert "govuk-notification-banner" not in again.text


def _page_modules() -> list[Path]:
    skip = {".venv", "node_modules", "tests", "bench"}
    return sorted(p for p in ROOT.rglob("pages.py") if not skip & set(p.relative_to(ROOT).parts))


def test_no_page_shows_a_domain_error_in_a_success_banner() -> None:
    """Every page handler that catches a ``DomainError`` shows it as an error (error summary or
    ``redirect(..., error=...)``), never as ``redirect(..., message=...)``: a success banner says a change was made."""
    offenders = []
    modules = _page_modules()
    assert len(modules) >= 5
    for path in modules:
        tree = ast.parse(path.read_text())
        for handler in ast.walk(tree):
            if not isinstance(handler, ast.ExceptHandler) or handler.type is None:
                continue
            caught = ast.unparse(handler.type)
            if "Error" not in caught and "TooManyRequests" not in caught:
                continue
            for node in ast.walk(handler):
                if not isinstance(node, ast.Call):
                    continue
                if ast.unparse(node.func) in ("redirect", "flash") and any(k.arg == "message" for k in node.keywords):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
