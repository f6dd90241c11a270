"""Agreed packages on pages: an officer records, varies and ends a child's package (errors in the GOV.UK summary,
nothing written), the family sees agreed, used, booked and left with a bar and what to do; another council's
officer and another family get 404."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

from bookings.enums import Attendance, BookingStatus
from entitlements import packages
from entitlements.models import AgreedPackage, PackageAmount
from shortbreaks.accounts.enums import Role
from shortbreaks.clock import utc
from tests.bookings.conftest import make_service
from tests.entitlements.applications import make_child
from tests.entitlements.conftest import make_user
from tests.entitlements.test_packages import place, terms
from tests.factories import NOW, csrf_from, sign_in


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def assert_unique_ids(html: str) -> None:
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert sorted(i for i in set(ids) if ids.count(i) > 1) == []


async def post(client, page_url: str, action: str, data: dict):
    page = await client.get(page_url)
    return await client.post(action, data={"csrf_token": csrf_from(page.text), **data})


async def test_an_officer_records_a_package_from_the_childs_page_and_errors_name_the_fields(client, council) -> None:
    child = await make_child(council)
    await sign_in(client, council.officer)
    family_page = await client.get(f"/authority/families/{council.family.id}")
    assert f"/authority/children/{child.id}/packages" in family_page.text
    listing = await client.get(f"/authority/children/{child.id}/packages")
    assert listing.status_code == 200
    assert "No agreed package has been recorded for Sam." in text_of(listing.text)

    new = f"/authority/children/{child.id}/packages/new"
    bad = await post(
        client,
        new,
        new,
        {
            "source": "ehc_plan_h1",
            "source_reference": "EHCP-1",
            "starts_on": "2026-04-01",
            "ends_on": "2026-03-01",
            "hours": "-3",
            "per": "week",
        },
    )
    assert bad.status_code == 422
    assert "There is a problem" in bad.text
    assert '<a href="#ends_on">The end date must be on or after the start date</a>' in bad.text
    empty = await post(client, new, new, {})
    assert empty.status_code == 422
    assert_unique_ids(empty.text)
    assert '<a href="#source">Select where the package comes from</a>' in empty.text
    negative = await post(
        client,
        new,
        new,
        {
            "source": "ehc_plan_h1",
            "source_reference": "EHCP-1",
            "starts_on": "2026-04-01",
            "ends_on": "2027-03-31",
            "hours": "-3",
            "per": "week",
        },
    )
    assert (negative.status_code, '<a href="#hours">Enter hours more than zero</a>' in negative.text) == (422, True)
    assert await AgreedPackage.all().count() == 0

    done = await post(
        client,
        new,
        new,
        {
            "source": "ehc_plan_h1",
            "source_reference": "EHCP-1",
            "starts_on": "2026-04-01",
            "ends_on": "2027-03-31",
            "hours": "3",
            "per": "week",
            "pattern": "3 hours every Saturday",
            "officer_id": str(council.officer.id),
        },
    )
    assert done.status_code == 303
    package = await AgreedPackage.get(child_id=child.id)
    assert done.headers["location"] == f"/authority/children/{child.id}/packages/{package.id}"
    one = text_of((await client.get(done.headers["location"])).text)
    assert "3 hours a week" in one and "3 hours every Saturday" in one and "First amount" in one
    listing = text_of((await client.get(f"/authority/children/{child.id}/packages")).text)
    assert "The child's EHC plan, section H1" in listing and "Reference EHCP-1" in listing


async def test_an_officer_varies_and_ends_a_package_with_the_history_shown(client, council) -> None:
    child = await make_child(council)
    package = await packages.record_package(child, terms(), actor=council.officer_p, now=NOW)
    await sign_in(client, council.officer)
    url = f"/authority/children/{child.id}/packages/{package.id}"

    early = await post(client, url, url + "/vary", {"effective_from": "2026-01-01", "hours": "4", "per": "week", "reason": "Review"})
    assert early.status_code == 422
    assert '<a href="#effective_from">The date the new amount starts must be on or after the package' in early.text
    assert_unique_ids(early.text)
    no_reason = await post(client, url, url + "/vary", {"effective_from": "2026-07-01", "hours": "4", "per": "week", "reason": ""})
    assert (no_reason.status_code, '<a href="#reason">Give the reason for the change</a>' in no_reason.text) == (422, True)
    varied = await post(client, url, url + "/vary", {"effective_from": "2026-07-01", "hours": "4", "per": "week", "reason": "Review"})
    assert varied.status_code == 303
    again = await post(client, url, url + "/vary", {"effective_from": "2026-07-01", "hours": "5", "per": "week", "reason": "Again"})
    assert again.status_code == 409
    assert "The package already changes on that date" in again.text

    late = await post(client, url, url + "/end", {"ends_on": "2027-06-01", "end_reason": "Moved"})
    assert (late.status_code, '<a href="#ends_on">The new end date must be before' in late.text) == (422, True)
    blank = await post(client, url, url + "/end", {"ends_on": "2026-12-31", "end_reason": ""})
    assert (blank.status_code, '<a href="#end_reason">Give the reason for ending the package early</a>' in blank.text) == (422, True)
    ended = await post(client, url, url + "/end", {"ends_on": "2026-12-31", "end_reason": "Moved away"})
    assert ended.status_code == 303

    page = text_of((await client.get(url)).text)
    assert "4 hours a week" in page and "Review" in page and "Ended early" in page and "Moved away" in page
    assert [(a.effective_from, a.minutes) for a in await PackageAmount.filter(package_id=package.id).order_by("effective_from")] == [
        (date(2026, 4, 1), 180),
        (date(2026, 7, 1), 240),
    ]
    assert (await AgreedPackage.get(id=package.id)).ends_on == date(2026, 12, 31)


async def test_another_councils_officer_gets_404_and_changes_nothing(client, council) -> None:
    child = await make_child(council)
    package = await packages.record_package(child, terms(), actor=council.officer_p, now=NOW)
    await sign_in(client, council.other_officer)
    base = f"/authority/children/{child.id}/packages"
    for path in (base, base + "/new", f"{base}/{package.id}"):
        assert (await client.get(path)).status_code == 404
    page = await client.get("/authority/families")
    token = csrf_from(page.text)
    for path, data in (
        (base + "/new", {"source": "ehc_plan_h1"}),
        (f"{base}/{package.id}/vary", {"effective_from": "2026-07-01", "hours": "9", "per": "week", "reason": "x"}),
        (f"{base}/{package.id}/end", {"ends_on": "2026-07-01", "end_reason": "x"}),
    ):
        assert (await client.post(path, data={"csrf_token": token, **data})).status_code == 404
    assert await PackageAmount.filter(package_id=package.id).count() == 1
    # A package of another child of the same council is not this child's.
    client.cookies.clear()
    await sign_in(client, council.officer)
    other_child = await make_child(council, first_name="Ali")
    assert (await client.get(f"/authority/children/{other_child.id}/packages/{package.id}")).status_code == 404


async def test_the_family_sees_agreed_used_booked_and_left_with_a_bar_and_what_to_do(client, council) -> None:
    await council.published()
    child = await make_child(council)
    service = await make_service(authority=council.authority)
    await packages.record_package(child, terms(minutes=360), actor=council.officer_p, now=NOW)
    await place(child, service, starts_at=utc(2026, 6, 8, 9), status=BookingStatus.ATTENDED, attendance=Attendance.ATTENDED)
    await place(child, service, starts_at=utc(2026, 6, 13, 9), hours=2)
    await sign_in(client, council.family)

    children = await client.get("/children")
    assert f"/children/{child.id}/short-breaks" in children.text
    response = await client.get(f"/children/{child.id}/short-breaks")
    assert response.status_code == 200
    page = text_of(response.text)
    assert "Westshire Council has agreed 6 hours a week of short breaks for Sam (3 hours every Saturday)" in page
    assert "the child's EHC plan, section H1" in page and "reference EHCP-2026-114" in page
    assert "This week: Monday 8 June 2026 to Sunday 14 June 2026" in page
    assert "Sam has used 3 hours and has 2 hours booked, of 6 hours agreed: 1 hour left." in page
    assert '<title id="hours-1-title">Used 3 hours, booked 2 hours, left 1 hour, of 6 hours agreed</title>' in response.text
    assert 'role="img"' in response.text and 'width="50.00"' in response.text
    assert "What to do if you are not getting what was agreed" in page
    assert_unique_ids(response.text)
    assert "breaks@council.example.gov.uk" in page and "0121 000 0000" in page
    assert "Local Government and Social Care Ombudsman" in page


async def test_another_family_and_an_officer_get_no_family_page(client, council) -> None:
    child = await make_child(council)
    other_family = await make_user(role=Role.FAMILY, organisation=council.authority)
    await sign_in(client, other_family)
    assert (await client.get(f"/children/{child.id}/short-breaks")).status_code == 404
    client.cookies.clear()
    await sign_in(client, council.officer)
    assert (await client.get(f"/children/{child.id}/short-breaks")).status_code == 403


async def test_a_family_with_no_package_is_told_so_and_who_to_contact(client, council) -> None:
    child = await make_child(council)
    await sign_in(client, council.family)
    page = text_of((await client.get(f"/children/{child.id}/short-breaks")).text)
    assert "The council has not recorded any agreed short breaks for Sam." in page
    assert "Local Government and Social Care Ombudsman" in page
