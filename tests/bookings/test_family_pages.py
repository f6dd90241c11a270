"""A family's first day (issue 18): children changed and removed, words people read, errors linked to their fields."""

from __future__ import annotations

from datetime import date, timedelta

import httpx

from bookings import services
from bookings.enums import WaitingStatus
from bookings.models import CareProfile, Child, WaitingListEntry
from bookings.presenters import ledger_description
from providers.enums import ProviderStatus
from providers.models import Provider
from shortbreaks.accounts.enums import Role
from shortbreaks.accounts.models import Organisation
from shortbreaks.models import AuditEvent
from tests.bookings.conftest import NOW, grant, make_child, make_service, make_session
from tests.factories import csrf, make_user, sign_in


async def test_a_family_changes_a_childs_details_and_care_profile(client: httpx.AsyncClient, authority: Organisation) -> None:
    family = await make_user(role=Role.FAMILY, organisation=authority)
    child = await make_child(family, first_name="Leo")
    await sign_in(client, family)

    form = await client.get(f"/children/{child.id}/edit")
    assert form.status_code == 200
    assert 'value="Leo"' in form.text and "No nuts" in form.text  # the current details, to change
    token = await csrf(client, f"/children/{child.id}/edit")
    saved = await client.post(
        f"/children/{child.id}/edit",
        data={"csrf_token": token, "first_name": "Leon", "last_name": "Shah", "date_of_birth": "2016-05-02", "needs": ["PD", "ASD"]},
    )

    assert saved.status_code == 303 and saved.headers["location"].endswith("/children")
    child = await Child.get(id=child.id)
    assert (child.first_name, child.date_of_birth, child.needs) == ("Leon", date(2016, 5, 2), ["PD", "ASD"])
    assert (await CareProfile.get(child_id=child.id)).dietary == ""  # the box was emptied
    assert await AuditEvent.filter(action="bookings.child.updated", record_id=str(child.id)).count() == 1


async def test_a_wrong_date_of_birth_says_what_is_wrong_naming_the_field(client: httpx.AsyncClient, authority: Organisation) -> None:
    family = await make_user(role=Role.FAMILY, organisation=authority)
    child = await make_child(family, first_name="Leo")
    await sign_in(client, family)
    token = await csrf(client, f"/children/{child.id}/edit")

    data = {"csrf_token": token, "first_name": "Leo", "date_of_birth": "2016-13-01"}
    refused = await client.post(f"/children/{child.id}/edit", data=data)

    assert refused.status_code == 422
    assert "Date of birth must be a real date, like 2015-04-27" in refused.text
    assert "expected range" not in refused.text and "Input should" not in refused.text
    assert '<a href="#date_of_birth">' in refused.text
    assert 'aria-describedby="date_of_birth-hint date_of_birth-error"' in refused.text
    assert (await Child.get(id=child.id)).date_of_birth == date(2016, 5, 1)


async def test_a_child_with_no_bookings_to_come_is_removed_and_leaves_its_waiting_lists(
    client: httpx.AsyncClient, authority: Organisation
) -> None:
    family = await make_user(role=Role.FAMILY, organisation=authority)
    child = await make_child(family, first_name="Maya")
    other = await make_child(family, first_name="Sam")
    session = await make_session(await make_service(authority=authority), capacity=1)
    await services.create_booking(family, session_id=session.id, child_ids=[other.id], now=NOW)
    await services.join_waiting_list(family, session_id=session.id, child_ids=[child.id], now=NOW)
    await sign_in(client, family)

    asked = await client.get(f"/children/{child.id}/remove")
    assert asked.status_code == 200 and "Are you sure you want to remove Maya?" in asked.text
    token = await csrf(client, f"/children/{child.id}/remove")
    removed = await client.post(f"/children/{child.id}/remove", data={"csrf_token": token})

    assert removed.status_code == 303
    child = await Child.get(id=child.id)
    assert (child.first_name, child.date_of_birth, child.erased_at is not None) == ("Erased", None, True)
    assert await CareProfile.filter(child_id=child.id).count() == 0
    assert (await WaitingListEntry.get(child_id=child.id)).status == WaitingStatus.WITHDRAWN
    assert await AuditEvent.filter(action="bookings.child.removed", record_id=str(child.id)).count() == 1
    listing = await client.get("/children")
    assert "Maya has been removed from your account and taken off 1 waiting list" in listing.text
    assert "Sam" in listing.text and "Maya" not in listing.text.replace("Maya has been removed", "")


async def test_a_child_with_a_booking_to_come_is_not_removed_and_the_page_says_which_to_cancel(
    client: httpx.AsyncClient, authority: Organisation
) -> None:
    family = await make_user(role=Role.FAMILY, organisation=authority)
    child = await make_child(family, first_name="Maya")
    booking = await services.create_booking(
        family, session_id=(await make_session(await make_service(authority=authority))).id, child_ids=[child.id], now=NOW
    )
    await sign_in(client, family)
    token = await csrf(client, f"/children/{child.id}/remove")

    refused = await client.post(f"/children/{child.id}/remove", data={"csrf_token": token})

    assert refused.status_code == 409
    assert f"Maya has bookings still to come ({booking.reference}). Cancel them first, then remove Maya." in refused.text
    assert '<a href="#upcoming-bookings">' in refused.text
    assert f'href="/bookings/{booking.id}/cancel" id="upcoming-bookings"' in refused.text
    assert (await Child.get(id=child.id)).first_name == "Maya"


async def test_another_familys_child_cannot_be_changed_or_removed(client: httpx.AsyncClient, authority: Organisation) -> None:
    theirs = await make_child(await make_user(role=Role.FAMILY, organisation=authority), first_name="Maya")
    await sign_in(client, await make_user(role=Role.FAMILY, organisation=authority))
    token = await csrf(client, "/children")

    assert (await client.get(f"/children/{theirs.id}/edit")).status_code == 404
    assert (await client.post(f"/children/{theirs.id}/remove", data={"csrf_token": token})).status_code == 404
    assert (await Child.get(id=theirs.id)).first_name == "Maya"


async def test_the_allocation_history_says_what_happened_in_words(client: httpx.AsyncClient, authority: Organisation) -> None:
    family = await make_user(role=Role.FAMILY, organisation=authority)
    child = await make_child(family)
    await grant(child, minutes=600)
    booking = await services.create_booking(
        family, session_id=(await make_session(await make_service(authority=authority))).id, child_ids=[child.id], now=NOW
    )
    await services.cancel_booking(booking, actor=family, now=NOW)
    await sign_in(client, family)

    page = await client.get("/allocations")

    assert f"Given back: you cancelled booking {booking.reference}" in page.text
    assert f"Spent: {booking.reference}" in page.text
    assert "Grant: Annual" in page.text
    assert "cancelled_by_family" not in page.text and "Credit:" not in page.text


def test_ledger_lines_from_the_provider_read_as_the_family_would_say_them() -> None:
    from bookings.enums import LedgerKind
    from bookings.models import AllocationEntry

    def line(kind: LedgerKind, reason: str) -> str:
        return ledger_description(AllocationEntry(kind=kind, reason=reason))

    assert line(LedgerKind.CREDIT, "SB-6DPT-SM cancelled_by_provider") == "Given back: the provider cancelled booking SB-6DPT-SM"
    assert line(LedgerKind.CREDIT, "SB-6DPT-SM declined") == "Given back: the provider declined booking SB-6DPT-SM"
    assert line(LedgerKind.CREDIT, "SB-6DPT-SM released") == "Given back: booking SB-6DPT-SM was not paid for in time"
    assert line(LedgerKind.CREDIT, "SB-6DPT-SM cancelled_by_family") == "Given back: you cancelled booking SB-6DPT-SM"
    assert line(LedgerKind.ADJUSTMENT, "Extra hours agreed") == "Adjustment: Extra hours agreed"


async def test_the_book_form_links_the_childrens_hint_and_error_and_the_summary_goes_to_the_first_box(
    client: httpx.AsyncClient, authority: Organisation
) -> None:
    family = await make_user(role=Role.FAMILY, organisation=authority)
    first = await make_child(family, first_name="Aarav")
    await make_child(family, first_name="Zara")
    session = await make_session(await make_service(authority=authority))
    await sign_in(client, family)
    token = await csrf(client, f"/sessions/{session.id}/book")

    refused = await client.post(f"/sessions/{session.id}/book", data={"csrf_token": token, "action": "book"})

    assert refused.status_code == 422
    assert '<fieldset class="govuk-fieldset" aria-describedby="child_ids-hint child_ids-error">' in refused.text
    assert '<p class="govuk-error-message" id="child_ids-error">' in refused.text
    assert '<a href="#child_ids">Select which children you are booking</a>' in refused.text
    assert f'id="child_ids" name="child_ids" type="checkbox" value="{first.id}"' in refused.text
    assert 'id="child_ids">' not in refused.text  # no longer the wrapper's id


async def test_pages_show_dates_with_their_weekday(client: httpx.AsyncClient, authority: Organisation) -> None:
    family = await make_user(role=Role.FAMILY, organisation=authority)
    child = await make_child(family, dob=date(2016, 5, 1))
    session = await make_session(await make_service(authority=authority))  # 20 June 2026, 9:30am UTC
    await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=NOW)
    await sign_in(client, family)

    assert "Saturday 20 June 2026 at 10:30am" in (await client.get("/bookings")).text
    assert "Sunday 1 May 2016" in (await client.get("/children")).text


async def test_search_and_the_service_page_mark_what_the_family_has_booked_or_waits_for(
    client: httpx.AsyncClient, authority: Organisation
) -> None:
    family = await make_user(role=Role.FAMILY, organisation=authority)
    child, sibling = await make_child(family, first_name="Maya"), await make_child(family, first_name="Sam")
    service = await make_service(authority=authority)
    await Provider.filter(id=service.provider_id).update(status=ProviderStatus.PUBLISHED)
    booked = await make_session(service, capacity=5)
    full = await make_session(service, starts_at=NOW + timedelta(days=17), capacity=1)
    other_family = await make_user(role=Role.FAMILY, organisation=authority)
    await services.create_booking(other_family, session_id=full.id, child_ids=[(await make_child(other_family)).id], now=NOW)
    await services.create_booking(family, session_id=booked.id, child_ids=[child.id], now=NOW)
    await services.join_waiting_list(family, session_id=full.id, child_ids=[sibling.id], now=NOW)
    await sign_in(client, family)

    results = await client.get("/services?q=")  # searching for everything
    page = await client.get(f"/services/{service.id}")

    assert '<strong class="govuk-tag govuk-tag--green">You have 1 booking coming up and 1 waiting list</strong>' in results.text
    assert '(4 places left) <strong class="govuk-tag govuk-tag--green">Booked</strong>' in results.text
    assert '10:30am <strong class="govuk-tag govuk-tag--green">Booked</strong>' in page.text
    assert '<strong class="govuk-tag govuk-tag--green">On the waiting list</strong>' in page.text
    await client.post("/sign-out", data={"csrf_token": await csrf(client, "/")})
    assert "govuk-tag--green" not in (await client.get(f"/services/{service.id}")).text
