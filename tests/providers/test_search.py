"""The families' search API: each filter alone and together, distance, dates, paging."""

from __future__ import annotations

from datetime import date

import httpx

from providers import services
from providers.enums import ProviderStatus
from providers.models import Session
from tests.providers.conftest import make_provider, make_rule, make_service


async def _names(client: httpx.AsyncClient, **params) -> list[str]:
    response = await client.get("/api/v1/services", params=params)
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


async def test_search_orders_results_by_distance_and_rounds_it(client):
    far = await make_provider(name="Coventry", postcode="CV1 1AA")
    near = await make_provider(name="Edgbaston", postcode="B15 2TT")
    middle = await make_provider(name="Solihull", postcode="B91 1AA")
    for provider in (far, near, middle):
        await make_service(provider, name=f"{provider.name} club")
    response = await client.get("/api/v1/services", params={"postcode": "B15", "within_miles": 30})
    body = response.json()
    assert [i["name"] for i in body["items"]] == ["Edgbaston club", "Solihull club", "Coventry club"]
    assert [round(i["distance_miles"]) for i in body["items"]] == [0, 7, 18]
    assert body["total"] == 3


async def test_search_within_miles_leaves_out_further_providers(client):
    await make_service(await make_provider(name="Near", postcode="B15"), name="Near club")
    await make_service(await make_provider(name="Far", postcode="M1 1AA"), name="Far club")
    assert await _names(client, postcode="B15", within_miles=5) == ["Near club"]


async def test_search_by_age_needs_kind_price_funding_and_words_alone(client):
    provider = await make_provider()
    await make_service(
        provider,
        name="Little ones",
        min_age=2,
        max_age=6,
        needs=["PMLD"],
        kind="day_care_away",
        price_pence=0,
        funding_routes=["grant_funded"],
    )
    await make_service(
        provider,
        name="Teens",
        min_age=12,
        max_age=18,
        needs=["ASD", "SEMH"],
        kind="activity",
        price_pence=2500,
        funding_routes=["family_pays"],
        description="Climbing and swimming",
    )
    assert await _names(client, age=4) == ["Little ones"]
    assert await _names(client, needs="SEMH,VI") == ["Teens"]
    assert await _names(client, kind="day_care_away") == ["Little ones"]
    assert await _names(client, max_price_pence=1000) == ["Little ones"]
    assert await _names(client, free_only="true") == ["Little ones"]
    assert await _names(client, funding="family_pays") == ["Teens"]
    assert await _names(client, q="SWIM") == ["Teens"]
    assert await _names(client, q="100%") == []


async def test_search_by_accessibility_needs_every_feature_asked(client):
    both = await make_provider(name="Both", accessibility=["hoist", "changing_places"])
    one = await make_provider(name="One", accessibility=["hoist"])
    await make_service(both, name="Both club")
    await make_service(one, name="One club")
    assert await _names(client, accessibility="hoist") == ["Both club", "One club"]
    assert await _names(client, accessibility="hoist,changing_places") == ["Both club"]


async def test_search_by_dates_and_weekdays_needs_a_free_session_then(client):
    provider = await make_provider()
    saturday = await make_service(provider, name="Saturday club")
    await make_rule(saturday, rrule="FREQ=WEEKLY;BYDAY=SA")
    sunday = await make_service(provider, name="Sunday club")
    await make_rule(sunday, rrule="FREQ=WEEKLY;BYDAY=SU")
    await make_service(provider, name="No sessions club")
    summer = {"from": "2026-07-20", "to": "2026-08-31"}
    assert await _names(client, weekdays="sat", **summer) == ["Saturday club"]
    assert await _names(client, weekdays="sat,sun", **summer) == ["Saturday club", "Sunday club"]
    assert await _names(client, **{"from": "2026-08-01", "to": "2026-08-01"}) == ["Saturday club"]
    full = await Session.filter(service_id=saturday.id, local_date__gte=date(2026, 7, 20), local_date__lte=date(2026, 8, 31))
    for session in full:
        assert await services.take_places(session.id, session.capacity)
    assert await _names(client, weekdays="sat", **summer) == []


async def test_search_result_carries_next_free_session_and_places_left(client):
    service = await make_service(await make_provider(), staff_ratio="1:1")
    await make_rule(service, staff_count=2)
    first, second = await Session.filter(service_id=service.id).order_by("starts_at").limit(2)
    await services.take_places(first.id, 2)
    await services.take_places(second.id, 1)
    item = (await client.get("/api/v1/services")).json()["items"][0]
    assert item["next_session"] == {"id": str(second.id), "starts_at": "2026-06-20T10:00:00+01:00", "places_left": 1}
    assert item["provider"]["name"] == "Sunny Days Club"
    assert item["price_pence"] == 1500


async def test_search_combines_filters(client):
    brum = await make_provider(name="Brum", postcode="B15", accessibility=["sensory_room"])
    manc = await make_provider(name="Manc", postcode="M1", accessibility=["sensory_room"])
    match = await make_service(brum, name="ASD Saturday club", min_age=5, max_age=12, needs=["ASD"])
    await make_rule(match)
    wrong_age = await make_service(brum, name="Older ASD club", min_age=13, max_age=18, needs=["ASD"])
    await make_rule(wrong_age)
    too_far = await make_service(manc, name="Manchester ASD club", needs=["ASD"])
    await make_rule(too_far)
    names = await _names(
        client,
        postcode="B15 2TT",
        within_miles=5,
        age=9,
        needs="ASD",
        kind="activity",
        weekdays="sat",
        accessibility="sensory_room",
        max_price_pence=2000,
        funding="council_allocation",
    )
    assert names == ["ASD Saturday club"]


async def test_search_hides_draft_and_suspended_providers(client):
    await make_service(await make_provider(name="Draft", status=ProviderStatus.DRAFT), name="Draft club")
    await make_service(await make_provider(name="Suspended", status=ProviderStatus.SUSPENDED), name="Suspended club")
    await make_service(await make_provider(name="Live"), name="Live club")
    assert await _names(client) == ["Live club"]


async def test_search_pages_are_stable_without_duplicates_or_gaps(client):
    provider = await make_provider()
    for i in range(7):
        await make_service(provider, name=f"Club {i % 3}")
    seen = []
    for page in (1, 2, 3):
        body = (await client.get("/api/v1/services", params={"page": page, "page_size": 3})).json()
        assert body["total"] == 7
        seen += [item["id"] for item in body["items"]]
    assert len(seen) == 7
    assert len(set(seen)) == 7


async def test_search_pages_by_distance_are_stable_when_providers_share_a_place(client):
    for i in range(5):
        await make_service(await make_provider(name=f"Same place {i}", postcode="B15"))
    ids = []
    for page in (1, 2, 3):
        ids += [
            i["id"]
            for i in (await client.get("/api/v1/services", params={"postcode": "B15", "page": page, "page_size": 2})).json()["items"]
        ]
    assert len(set(ids)) == 5


async def test_search_page_shows_results_without_javascript_and_keeps_filters_in_links(client):
    provider = await make_provider()
    for i in range(3):
        await make_rule(await make_service(provider, name=f"Club {i}"))
    response = await client.get("/services", params={"postcode": "B15", "page_size": 2})
    assert response.status_code == 200
    assert "3 short breaks with sessions coming up near B15" in response.text
    assert response.text.count('class="govuk-link" href="/services/') == 2
    assert "less than a mile" in response.text
    assert 'href="?postcode=B15&amp;page_size=2&amp;page=2"' in response.text
