"""Receipts: families see their payments and refunds, providers their sessions' takings, officers a CSV of their authority's."""

from __future__ import annotations

import csv
import io

import httpx

from bookings import services
from bookings.models import Booking
from bookings.payments.models import LedgerEntry
from bookings.payments.services import payment_hold
from providers.models import Session
from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.accounts.models import Organisation
from shortbreaks.clock import FrozenClock
from shortbreaks.settings import Settings
from tests.bookings.conftest import make_child
from tests.factories import make_organisation, make_user, sign_in
from tests.payments.conftest import RunJobs, hold_booking, make_paying_family, open_checkout, paid_session, post_event
from tests.payments.fake_stripe import FakeStripe


async def _paid_and_cancelled(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, settings: Settings, fake: FakeStripe, run_jobs: RunJobs
) -> Booking:
    family = await make_paying_family(authority)
    booking = await hold_booking(family, await paid_session(clock), now=clock.now())
    await post_event(client, fake, fake.pay(await open_checkout(settings, booking, now=clock.now())))
    await run_jobs()
    booking = await Booking.get(id=booking.id)
    await services.cancel_booking(booking, actor=family.user, now=clock.now())
    await run_jobs()
    return booking


async def test_a_family_sees_its_payments_and_refunds(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe, run_jobs: RunJobs
) -> None:
    user = await make_user(role=Role.FAMILY, organisation=authority)
    child = await make_child(user)
    booking = await services.create_booking(
        user, session_id=(await paid_session(clock)).id, child_ids=[child.id], now=clock.now(), payment_hold=payment_hold(settings)
    )
    await post_event(client, fake_stripe, fake_stripe.pay(await open_checkout(settings, booking, now=clock.now())))
    await run_jobs()
    await services.cancel_booking(await Booking.get(id=booking.id), actor=user, now=clock.now())
    await run_jobs()
    await sign_in(client, user)

    detail = await client.get(f"/bookings/{booking.id}")
    listing = await client.get("/bookings")

    assert "Paid on" in detail.text
    assert "£25.00: Refunded (You cancelled in time)" in detail.text
    assert "Payments and refunds" in listing.text
    assert listing.text.count("£25.00") == 2  # paid, then refunded


async def test_a_provider_sees_what_was_paid_for_a_session_and_other_providers_do_not(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe, run_jobs: RunJobs
) -> None:
    booking = await _paid_and_cancelled(client, authority, clock, settings, fake_stripe, run_jobs)
    session = await Session.get(id=booking.session_id).prefetch_related("service__provider")  # type: ignore[attr-defined]
    staff = await make_user(role=Role.PROVIDER_STAFF, organisation=await session.service.provider.organisation)
    stranger = await make_user(role=Role.PROVIDER_STAFF, organisation=await make_organisation(kind=OrganisationKind.CHARITY))

    await sign_in(client, stranger)
    assert (await client.get(f"/provider/sessions/{session.id}/payments")).status_code == 404
    client.cookies.clear()
    await sign_in(client, staff)
    page = await client.get(f"/provider/sessions/{session.id}/payments")

    assert page.status_code == 200
    assert "Families paid £25.00 online for this session; £25.00 has been refunded." in page.text
    assert booking.reference in page.text


async def test_an_officer_exports_their_authoritys_payments_as_csv(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe, run_jobs: RunJobs
) -> None:
    ours = await _paid_and_cancelled(client, authority, clock, settings, fake_stripe, run_jobs)
    await _paid_and_cancelled(client, await make_organisation(name="Elsewhere Council"), clock, settings, fake_stripe, run_jobs)
    officer = await make_user(role=Role.LA_OFFICER, organisation=authority)
    await sign_in(client, officer)

    response = await client.get("/authority/payments.csv")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["booking_reference"], r["kind"], r["amount_gbp"]) for r in rows] == [
        (ours.reference, "payment", "25.00"),
        (ours.reference, "refund", "-25.00"),
    ]
    assert {r["stripe_object_id"] for r in rows} == set(
        await LedgerEntry.filter(payment__booking_id=ours.id).values_list("stripe_object_id", flat=True)
    )
