"""The bookings API: shapes clients rely on, bad input, and who may see what (404 for other people's records)."""

from __future__ import annotations

from datetime import timedelta

import httpx

from bookings import services
from bookings.models import Booking, Child
from providers.enums import BookingMode
from providers.models import Session
from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.accounts.models import Organisation
from shortbreaks.models import AuditEvent
from tests.bookings.conftest import NOW, grant, make_child, make_family, make_service, make_session, make_staff, token_headers
from tests.factories import make_organisation


async def test_a_family_adds_and_lists_its_children(client: httpx.AsyncClient, authority: Organisation) -> None:
    family = await make_family(authority)
    headers = await token_headers(family)
    created = await client.post(
        "/api/v1/children",
        json={"first_name": "Aarav", "date_of_birth": "2015-04-02", "needs": ["ASD", "SLCN"], "care_profile": {"dietary": "Vegetarian"}},
        headers=headers,
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["first_name"], body["needs"], body["care_profile"]["dietary"]) == ("Aarav", ["SLCN", "ASD"], "Vegetarian")
    assert (await Child.get(id=body["id"])).local_authority_id == authority.id  # type: ignore[attr-defined]
    listed = await client.get("/api/v1/children", headers=headers)
    assert [c["id"] for c in listed.json()] == [body["id"]]
    bad = await client.post("/api/v1/children", json={"first_name": "X", "date_of_birth": "2015-01-01", "needs": ["NOPE"]}, headers=headers)
    assert bad.status_code == 422
    assert "Vegetarian" not in str(await AuditEvent.all().values_list("before", "after"))


async def test_booking_through_the_api_returns_the_documented_shape(client: httpx.AsyncClient, authority: Organisation) -> None:
    family = await make_family(authority)
    headers = await token_headers(family)
    child = await make_child(family)
    allocation = await grant(child, minutes=600)
    session = await make_session(await make_service(), hours=2, capacity=1)

    created = await client.post("/api/v1/bookings", json={"session_id": str(session.id), "child_ids": [str(child.id)]}, headers=headers)

    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["session_id"], body["child_ids"]) == ("confirmed", str(session.id), [str(child.id)])
    assert body["funding"] == [
        {"child_id": str(child.id), "source": "allocation", "allocation_id": str(allocation.id), "minutes": 120, "pence": 0}
    ]
    assert body["reference"] == (await Booking.get(id=body["id"])).reference
    assert (await client.get(f"/api/v1/bookings/{body['id']}", headers=headers)).json()["reference"] == body["reference"]
    assert [b["id"] for b in (await client.get("/api/v1/bookings", headers=headers)).json()] == [body["id"]]

    duplicate = await client.post("/api/v1/bookings", json={"session_id": str(session.id), "child_ids": [str(child.id)]}, headers=headers)
    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "duplicate_booking")
    other_child = await make_child(family)
    full = await client.post("/api/v1/bookings", json={"session_id": str(session.id), "child_ids": [str(other_child.id)]}, headers=headers)
    assert full.status_code == 409
    assert full.headers["content-type"] == "application/problem+json"
    assert (full.json()["code"], full.json()["status"]) == ("session_full", 409)

    allocations = (await client.get("/api/v1/allocations", headers=headers)).json()
    assert allocations[0]["balance_minutes"] == 480
    assert [(e["kind"], e["minutes"]) for e in allocations[0]["ledger"]] == [("grant", 600), ("debit", -120)]

    cancelled = await client.post(f"/api/v1/bookings/{body['id']}/cancel", json={}, headers=headers)
    assert cancelled.json()["status"] == "cancelled_by_family"
    twice = await client.post(f"/api/v1/bookings/{body['id']}/cancel", json={}, headers=headers)
    assert (twice.status_code, twice.json()["code"]) == (409, "already_cancelled")


async def test_other_familys_bookings_children_and_offers_are_not_found(client: httpx.AsyncClient, authority: Organisation) -> None:
    owner, stranger = await make_family(authority), await make_family(authority)
    child = await make_child(owner)
    session = await make_session(await make_service())
    booking = await services.create_booking(owner, session_id=session.id, child_ids=[child.id], now=NOW)
    headers = await token_headers(stranger)
    assert (await client.get(f"/api/v1/bookings/{booking.id}", headers=headers)).status_code == 404
    assert (await client.post(f"/api/v1/bookings/{booking.id}/cancel", json={}, headers=headers)).status_code == 404
    assert (await client.get(f"/api/v1/children/{child.id}", headers=headers)).status_code == 404
    booked = await client.post("/api/v1/bookings", json={"session_id": str(session.id), "child_ids": [str(child.id)]}, headers=headers)
    assert booked.status_code == 404
    assert (await client.get("/api/v1/allocations", headers=headers)).json() == []
    assert (await client.get("/api/v1/bookings", headers=headers)).json() == []


async def test_provider_staff_see_the_care_profile_only_while_the_booking_is_active(
    client: httpx.AsyncClient, authority: Organisation
) -> None:
    charity = await make_organisation(kind=OrganisationKind.CHARITY)
    staff = await make_staff(charity)
    outsider = await make_staff(await make_organisation(kind=OrganisationKind.CHARITY))
    family = await make_family(authority)
    child = await make_child(family, first_name="Maya", care={"medical": "Type 1 diabetes"})
    session = await make_session(await make_service(organisation=charity, mode=BookingMode.APPROVAL))
    booking = await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=NOW)
    headers = await token_headers(staff)

    seen = (await client.get(f"/api/v1/provider/bookings/{booking.id}", headers=headers)).json()
    assert seen["children"][0]["name"] == "Maya Shah"
    assert seen["children"][0]["care_profile"]["medical"] == "Type 1 diabetes"
    assert seen["children"][0]["age"] == 10
    assert (await client.get(f"/api/v1/provider/bookings/{booking.id}", headers=await token_headers(outsider))).status_code == 404
    assert (await client.get(f"/api/v1/provider/sessions/{session.id}/bookings", headers=await token_headers(outsider))).status_code == 404

    declined = await client.post(
        f"/api/v1/provider/bookings/{booking.id}/decline", json={"reason": "Full of staff training"}, headers=headers
    )
    assert declined.status_code == 200
    after = declined.json()["children"][0]
    assert (after["name"], after["care_profile"], after["age"]) == ("Maya Shah", None, None)
    register = (await client.get(f"/api/v1/provider/sessions/{session.id}/bookings", headers=headers)).json()
    assert [b["status"] for b in register] == ["declined"]


async def test_provider_confirms_and_cancels_a_session_through_the_api(client: httpx.AsyncClient, authority: Organisation) -> None:
    charity = await make_organisation(kind=OrganisationKind.CHARITY)
    staff = await make_staff(charity)
    family = await make_family(authority)
    child = await make_child(family)
    session = await make_session(await make_service(organisation=charity, mode=BookingMode.APPROVAL))
    booking = await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=NOW)
    headers = await token_headers(staff)
    confirmed = await client.post(f"/api/v1/provider/bookings/{booking.id}/confirm", json={}, headers=headers)
    assert confirmed.json()["status"] == "confirmed"
    cancelled = await client.post(f"/api/v1/provider/sessions/{session.id}/cancel", json={"reason": "Staff illness"}, headers=headers)
    assert cancelled.json() == {"session_id": str(session.id), "bookings_cancelled": 1}
    assert (await Session.get(id=session.id)).places_taken == 0
    family_view = (await client.get(f"/api/v1/bookings/{booking.id}", headers=await token_headers(family))).json()
    assert (family_view["status"], family_view["reason"]) == ("cancelled_by_provider", "Staff illness")


async def test_officers_grant_and_adjust_allocations_in_their_authority_only(client: httpx.AsyncClient, authority: Organisation) -> None:
    officer = await make_staff(authority, Role.LA_OFFICER)
    elsewhere = await make_staff(await make_organisation(), Role.LA_OFFICER)
    family = await make_family(authority)
    child = await make_child(family)
    headers = await token_headers(officer)
    granted = await client.post(f"/api/v1/authority/children/{child.id}/allocations", json={"year": 2026, "minutes": 4680}, headers=headers)
    assert granted.status_code == 201
    assert granted.json()["balance_minutes"] == 4680
    wrong_year = await client.post(
        f"/api/v1/authority/children/{child.id}/allocations", json={"year": 2020, "minutes": 60}, headers=headers
    )
    assert wrong_year.status_code == 422
    negative = await client.post(f"/api/v1/authority/children/{child.id}/allocations", json={"year": 2026, "pence": -5}, headers=headers)
    assert negative.status_code == 422
    adjusted = await client.post(
        f"/api/v1/authority/allocations/{granted.json()['id']}/adjustments", json={"minutes": -60, "reason": "Correction"}, headers=headers
    )
    assert adjusted.json()["balance_minutes"] == 4620
    other = await token_headers(elsewhere)
    assert (
        await client.post(f"/api/v1/authority/children/{child.id}/allocations", json={"year": 2026, "minutes": 1}, headers=other)
    ).status_code == 404
    assert (await client.get(f"/api/v1/authority/families/{family.id}/bookings", headers=other)).status_code == 404
    assert (await client.get(f"/api/v1/authority/families/{family.id}/bookings", headers=headers)).json() == []
    children = (await client.get(f"/api/v1/authority/families/{family.id}/children", headers=headers)).json()
    assert [c["care_profile"] for c in children] == [None]


async def test_families_download_their_data_and_erase_their_account(client: httpx.AsyncClient, authority: Organisation) -> None:
    family = await make_family(authority)
    child = await make_child(family, first_name="Zara")
    headers = await token_headers(family)
    data = await client.get("/api/v1/my-data", headers=headers)
    assert data.headers["content-disposition"].startswith("attachment")
    assert data.json()["children"][0]["first_name"] == "Zara"
    assert (await client.post("/api/v1/my-data/erase", headers=headers)).status_code == 204
    assert (await Child.get(id=child.id)).first_name == "Erased"
    assert (await client.get("/api/v1/children", headers=headers)).status_code == 401


async def test_waiting_list_refuses_a_session_with_places(client: httpx.AsyncClient, authority: Organisation) -> None:
    family = await make_family(authority)
    child = await make_child(family)
    session = await make_session(await make_service(), starts_at=NOW + timedelta(days=3))
    joined = await client.post(
        f"/api/v1/sessions/{session.id}/waiting-list", json={"child_ids": [str(child.id)]}, headers=await token_headers(family)
    )
    assert (joined.status_code, joined.json()["code"]) == (409, "session_has_places")
