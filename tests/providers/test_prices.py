"""Prices in pounds on the directory's pages (issue 18, item 6): a provider types pounds, a family
filters by pounds, and the API keeps integer pence."""

from __future__ import annotations

import html

import pytest

from providers.models import Service
from tests.factories import csrf, sign_in
from tests.providers.conftest import make_service

SERVICE_FORM = {
    "name": "Sitting",
    "kind": "day_care_home",
    "min_age": "3",
    "max_age": "18",
    "needs": ["PMLD"],
    "staff_ratio": "1:1",
    "funding_routes": ["family_pays"],
    "closed_on_bank_holidays": "true",
}


async def test_a_price_typed_as_15_00_publishes_15_pounds(client, world):
    await sign_in(client, world["staff"])
    provider = world["provider"]
    token = await csrf(client, f"/provider/{provider.id}/services/new")

    response = await client.post(f"/provider/{provider.id}/services/new", data={"csrf_token": token, **SERVICE_FORM, "price": "15.00"})

    assert response.status_code == 303
    service = await Service.get(name="Sitting")
    assert service.price_pence == 1500
    assert "£15.00 a session" in (await client.get(f"/services/{service.id}")).text
    assert (await client.get(f"/api/v1/services/{service.id}")).json()["price_pence"] == 1500
    manage = await client.get(f"/provider/services/{service.id}")
    assert 'id="price" name="price" type="text" inputmode="decimal" spellcheck="false" value="15.00"' in manage.text


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("£-3", "The price of a session cannot be less than £0"),
        ("fifteen", "Enter the price of a session in pounds, like £15 or 15.00"),
        ("15.001", None),
    ],
)
async def test_a_price_that_is_not_pounds_gets_an_error_naming_the_field(client, world, typed, message):
    message = message or "Enter the price of a session in pounds, like £15 or 15.00"
    await sign_in(client, world["staff"])
    provider = world["provider"]
    token = await csrf(client, f"/provider/{provider.id}/services/new")

    response = await client.post(
        f"/provider/{provider.id}/services/new", data={"csrf_token": token, **SERVICE_FORM, "price": typed, "min_age": ""}
    )

    assert response.status_code == 422
    text = html.unescape(response.text)
    assert f'<a href="#price">{message}</a>' in text
    assert '<a href="#min_age">' in text  # reported with the form's other problems
    assert f'value="{typed}"' in text  # what they typed, to correct
    assert not await Service.filter(name="Sitting").exists()


async def test_editing_a_service_keeps_its_price_in_pounds(client, world):
    await sign_in(client, world["staff"])
    service = world["service"]
    token = await csrf(client, f"/provider/services/{service.id}")
    values = {**SERVICE_FORM, "name": service.name, "kind": "activity", "staff_ratio": "1:2", "min_age": "5", "max_age": "12"}

    response = await client.post(f"/provider/services/{service.id}", data={"csrf_token": token, **values, "price": "£22.50"})

    assert response.status_code == 303
    await service.refresh_from_db()
    assert service.price_pence == 2250
    refused = await client.post(f"/provider/services/{service.id}", data={"csrf_token": token, **values, "price": "£-3"})
    assert refused.status_code == 422
    assert '<a href="#price">The price of a session cannot be less than £0</a>' in html.unescape(refused.text)


async def test_a_family_filters_by_the_most_they_want_to_pay_in_pounds(client, world):
    await make_service(world["provider"], name="Dear club", price_pence=2500)

    for typed in ("£15", "15", "15.00"):
        page = await client.get("/services", params={"max_price": typed})
        assert page.status_code == 200
        assert "Saturday club" in page.text
        assert "Dear club" not in page.text

    refused = await client.get("/services", params={"max_price": "fifteen"})
    assert refused.status_code == 422
    assert '<a href="#max_price">Enter the most you want to pay in pounds, like £15 or 15.00</a>' in html.unescape(refused.text)


async def test_the_provider_sets_how_soon_it_answers_requests_and_a_target_out_of_range_is_refused(client, world):
    await sign_in(client, world["staff"])
    provider = world["provider"]
    token = await csrf(client, f"/provider/{provider.id}/services/new")
    form = {"csrf_token": token, **SERVICE_FORM, "price": "0", "booking_mode": "approval"}

    refused = await client.post(f"/provider/{provider.id}/services/new", data={**form, "response_target_hours": "0"})
    saved = await client.post(f"/provider/{provider.id}/services/new", data={**form, "response_target_hours": "24"})

    assert refused.status_code == 422 and '<a href="#response_target_hours">' in refused.text
    assert saved.status_code == 303
    service = await Service.get(name="Sitting")
    assert service.response_target_hours == 24
    assert (await client.get(f"/api/v1/services/{service.id}")).json()["response_target_hours"] == 24


async def test_service_form_errors_name_each_box_by_its_label(client, world):
    await sign_in(client, world["staff"])
    provider = world["provider"]
    token = await csrf(client, f"/provider/{provider.id}/services/new")

    response = await client.post(
        f"/provider/{provider.id}/services/new",
        data={"csrf_token": token, **SERVICE_FORM, "price": "0", "min_age": "three", "waiting_list_offer_hours": "0"},
    )

    text = html.unescape(response.text)
    assert response.status_code == 422
    assert '<a href="#min_age">Youngest age must be' in text
    assert '<a href="#waiting_list_offer_hours">Hours to accept a waiting-list offer must be' in text
    assert "Min age" not in text and "Waiting list offer hours" not in text
