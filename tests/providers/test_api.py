"""The provider directory API: who may write what, bad input, search, public reads and the calendar."""

from __future__ import annotations

from datetime import date

import pytest

from providers.models import AvailabilityRule, Closure, Provider, Service, Session
from shortbreaks.accounts.enums import OrganisationKind, Role
from tests.factories import bearer, make_organisation, make_user, sign_in
from tests.providers.conftest import RULE

SERVICE = {"name": "Club", "kind": "activity", "min_age": 5, "max_age": 12, "needs": ["ASD"], "staff_ratio": "1:2", "price_pence": 1000}


def _writes(w) -> list[tuple[str, str, dict | None]]:
    p, s, r, c = w["provider"].id, w["service"].id, w["rule"].id, w["closure"].id
    return [
        ("PATCH", f"/api/v1/providers/{p}", {"description": "Changed"}),
        ("POST", f"/api/v1/providers/{p}/services", SERVICE),
        ("PATCH", f"/api/v1/services/{s}", {"price_pence": 900}),
        ("POST", f"/api/v1/services/{s}/rules", RULE | {"rrule": "FREQ=WEEKLY;BYDAY=SU"}),
        ("PATCH", f"/api/v1/rules/{r}", {"start_time": "11:00"}),
        ("POST", f"/api/v1/services/{s}/closures", {"starts_on": "2026-08-01", "ends_on": "2026-08-02"}),
        ("DELETE", f"/api/v1/closures/{c}", None),
        ("DELETE", f"/api/v1/rules/{r}", None),
    ]


async def _state() -> tuple:
    return (
        await Provider.all().values_list("description", flat=True),
        await Service.all().count(),
        await Service.all().values_list("price_pence", flat=True),
        await AvailabilityRule.all().values_list("start_time", flat=True),
        await Closure.all().count(),
        await Session.all().count(),
    )


@pytest.mark.parametrize(("who", "status"), [("family", 403), ("other_staff", 404), ("other_officer", 404)])
async def test_every_write_route_refuses_other_people_and_writes_nothing(client, world, who, status):
    headers = await bearer(world[who])
    before = await _state()
    for method, path, body in _writes(world):
        response = await client.request(method, path, json=body, headers=headers)
        assert (method, path, response.status_code) == (method, path, status)
    assert await _state() == before


@pytest.mark.parametrize("who", ["staff", "officer", "admin"])
async def test_every_write_route_lets_the_provider_its_officers_and_the_admin_in(client, world, who):
    headers = await bearer(world[who])
    for method, path, body in _writes(world):
        response = await client.request(method, path, json=body, headers=headers)
        assert (method, path, response.status_code) == (method, path, {"POST": 201, "PATCH": 200, "DELETE": 204}[method])


async def test_only_officers_of_the_authority_publish_and_suspend(client, world):
    path = f"/api/v1/providers/{world['provider'].id}"
    assert (await client.post(path + "/suspend", headers=await bearer(world["family"]))).status_code == 403
    assert (await client.post(path + "/suspend", headers=await bearer(world["staff"]))).status_code == 403
    assert (await client.post(path + "/suspend", headers=await bearer(world["other_officer"]))).status_code == 404
    response = await client.post(path + "/suspend", headers=await bearer(world["officer"]))
    assert (response.status_code, response.json()["status"]) == (200, "suspended")
    assert (await client.get(f"/api/v1/services/{world['service'].id}")).status_code == 404
    response = await client.post(path + "/publish", headers=await bearer(world["officer"]))
    assert (response.status_code, response.json()["status"]) == (200, "published")


async def test_provider_staff_create_a_draft_profile_that_families_cannot_see(client, world):
    org = await make_organisation(kind=OrganisationKind.CHARITY)
    staff = await make_user(role=Role.PROVIDER_STAFF, organisation=org)
    body = {"name": "New club", "local_authority_id": str(world["brum"].id), "postcode": "b152tt", "accessibility": ["hoist"]}
    response = await client.post("/api/v1/providers", json=body, headers=await bearer(staff))
    assert response.status_code == 201
    created = response.json()
    assert (created["status"], created["postcode"], created["accessibility"]) == ("draft", "B15 2TT", ["hoist"])
    assert (await client.get("/api/v1/providers", headers=await bearer(staff))).json()[0]["name"] == "New club"
    assert (await client.post("/api/v1/providers", json=body, headers=await bearer(world["family"]))).status_code == 403


@pytest.mark.parametrize(
    ("path_key", "body", "field"),
    [
        ("provider", {"postcode": "NOT A POSTCODE"}, "postcode"),
        ("provider", {"postcode": "ZZ99 9ZZ"}, "postcode"),
        ("provider", {"ofsted_urn": "12345"}, "ofsted_urn"),
        ("rules", RULE | {"rrule": "FREQ=SECONDLY"}, "rrule"),
        ("rules", RULE | {"rrule": "FREQ=WEEKLY;BYHOUR=10"}, "rrule"),
        ("rules", RULE | {"rrule": "nonsense"}, "rrule"),
        ("rules", RULE | {"staff_count": 0}, "staff_count"),
        ("rules", RULE | {"staff_count": -1}, "staff_count"),
        ("services", SERVICE | {"min_age": 12, "max_age": 5}, "max_age"),
        ("services", SERVICE | {"max_age": 30}, "max_age"),
        ("services", SERVICE | {"price_pence": -1}, "price_pence"),
        ("services", SERVICE | {"needs": ["ASD", "XYZ"]}, "needs.1"),
        ("services", SERVICE | {"staff_ratio": "group"}, "group_size"),
        ("services", SERVICE | {"staff_ratio": "group", "group_size": 0}, "group_size"),
        ("closures", {"starts_on": "2026-12-25", "ends_on": "2026-12-26"}, "starts_on"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(client, world, path_key, body, field):
    w = world
    path = {
        "provider": f"/api/v1/providers/{w['provider'].id}",
        "rules": f"/api/v1/services/{w['service'].id}/rules",
        "services": f"/api/v1/providers/{w['provider'].id}/services",
        "closures": f"/api/v1/services/{w['service'].id}/closures",
    }[path_key]
    method = "PATCH" if path_key == "provider" else "POST"
    before = await _state()
    response = await client.request(method, path, json=body, headers=await bearer(w["staff"]))
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert await _state() == before


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"postcode": "XX"}, "postcode"),
        ({"postcode": "BT1 1AA"}, "postcode"),
        ({"within_miles": "101"}, "within_miles"),
        ({"page_size": "51"}, "page_size"),
        ({"needs": "ASD,NOPE"}, "needs.1"),
        ({"age": "26"}, "age"),
        ({"weekdays": "someday"}, "weekdays"),
    ],
)
async def test_bad_search_input_is_a_422_naming_the_field(client, params, field):
    response = await client.get("/api/v1/services", params=params)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_unbookable_rule_change_answers_409_listing_the_booked_sessions(client, world):
    from providers.services import take_places

    session = await Session.get(service_id=world["service"].id, local_date=date(2026, 6, 13))
    await take_places(session.id, 1)
    response = await client.patch(f"/api/v1/rules/{world['rule'].id}", json={"start_time": "09:00"}, headers=await bearer(world["staff"]))
    assert response.status_code == 409
    assert response.json()["code"] == "booked_sessions_affected"
    assert response.json()["errors"] == [{"field": "sessions", "message": "Saturday 13 June 2026 at 10:00 (1 booked)"}]


async def test_public_service_and_sessions_api(client, world):
    service = world["service"]
    body = (await client.get(f"/api/v1/services/{service.id}")).json()
    assert (body["name"], body["provider"]["name"], body["waiting_list_offer_hours"]) == ("Saturday club", "Ours", 24)
    sessions = (await client.get(f"/api/v1/services/{service.id}/sessions", params={"from": "2026-06-13", "to": "2026-06-20"})).json()
    assert [(s["starts_at"], s["ends_at"], s["capacity"], s["places_left"], s["status"]) for s in sessions] == [
        ("2026-06-13T10:00:00+01:00", "2026-06-13T13:00:00+01:00", 4, 4, "scheduled"),
        ("2026-06-20T10:00:00+01:00", "2026-06-20T13:00:00+01:00", 4, 4, "scheduled"),
    ]


async def test_provider_calendar_shows_places_taken(client, world):
    from providers.services import take_places

    session = await Session.get(service_id=world["service"].id, local_date=date(2026, 6, 13))
    await take_places(session.id, 3)
    rows = (
        await client.get(
            f"/api/v1/providers/{world['provider'].id}/sessions",
            params={"from": "2026-06-13", "to": "2026-06-13"},
            headers=await bearer(world["staff"]),
        )
    ).json()
    assert [(r["service_name"], r["places_taken"], r["places_left"]) for r in rows] == [("Saturday club", 3, 1)]
    await sign_in(client, world["staff"])
    page = await client.get(f"/provider/{world['provider'].id}/calendar")
    assert page.status_code == 200
    assert "3 of 4" in page.text
