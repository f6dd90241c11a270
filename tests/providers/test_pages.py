"""The provider directory pages: management journeys, who may see them, and the public service page."""

from __future__ import annotations

from providers.models import Service, Session
from tests.factories import csrf, sign_in
from tests.providers.conftest import RULE


async def test_management_pages_create_a_service_and_a_rule(client, world):
    await sign_in(client, world["staff"])
    provider = world["provider"]
    assert (await client.get("/provider")).status_code == 200
    assert (await client.get(f"/provider/{provider.id}")).status_code == 200
    token = await csrf(client, f"/provider/{provider.id}/services/new")
    form = {
        "csrf_token": token,
        "name": "Sitting",
        "kind": "day_care_home",
        "min_age": "3",
        "max_age": "18",
        "needs": ["PMLD", "PD"],
        "staff_ratio": "1:1",
        "price": "0",
        "closed_on_bank_holidays": "true",
    }
    response = await client.post(f"/provider/{provider.id}/services/new", data=form)
    assert response.status_code == 303
    service = await Service.get(name="Sitting")
    assert [n.value for n in service.needs] == ["PMLD", "PD"]
    response = await client.post(
        f"/provider/services/{service.id}/rules", data={"csrf_token": token, **RULE, "end_time": "12:00", "rrule": "FREQ=WEEKLY;BYDAY=WE"}
    )
    assert response.status_code == 303
    assert await Session.filter(service_id=service.id).count() == 16
    hourly = {"csrf_token": token, **RULE, "end_time": "12:00", "rrule": "FREQ=HOURLY"}
    response = await client.post(f"/provider/services/{service.id}/rules", data=hourly)
    assert response.status_code == 422
    assert "FREQ must be DAILY, WEEKLY or MONTHLY" in response.text
    assert (await client.get(f"/provider/services/{service.id}")).status_code == 200
    assert (await client.get(f"/provider/{provider.id}/edit")).status_code == 200


async def test_management_pages_are_404_for_other_providers_staff(client, world):
    await sign_in(client, world["other_staff"])
    assert (await client.get(f"/provider/{world['provider'].id}")).status_code == 404
    assert (await client.get(f"/provider/services/{world['service'].id}")).status_code == 404


async def test_officer_publishes_from_the_provider_page(client, world):
    await sign_in(client, world["officer"])
    token = await csrf(client, f"/provider/{world['provider'].id}")
    response = await client.post(f"/provider/{world['provider'].id}/suspend", data={"csrf_token": token})
    assert response.status_code == 303
    await world["provider"].refresh_from_db()
    assert world["provider"].status.value == "suspended"


async def test_service_page_lists_upcoming_sessions_with_places_left(client, world):
    response = await client.get(f"/services/{world['service'].id}")
    assert response.status_code == 200
    assert "13 June 2026 at 10am" in response.text
