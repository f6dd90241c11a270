"""The families' search and service pages (issue 18): what is listed, the map beside the address, errors in words."""

from __future__ import annotations

import re

from providers.maps import HEIGHT, WIDTH, MapPoint, draw_map
from providers.postcodes import locate
from tests.providers.conftest import make_provider, make_rule, make_service


async def test_search_leaves_out_services_with_no_session_coming_up(client):
    provider = await make_provider(name="Sunny Days Club")
    await make_rule(await make_service(provider, name="Saturday club"))
    await make_service(provider, name="Summer fun")  # no availability yet: nothing to book

    page = await client.get("/services", params={"postcode": "B15"})

    assert "1 short break with sessions coming up near B15" in page.text
    assert "Saturday club" in page.text and "Summer fun" not in page.text
    api = await client.get("/api/v1/services", params={"postcode": "B15"})
    assert sorted(i["name"] for i in api.json()["items"]) == ["Saturday club", "Summer fun"]  # the API lists every match


async def test_a_result_shows_its_address_and_does_not_repeat_a_provider_named_as_its_service(client):
    same = await make_provider(name="Kite Play Trust", address="35 High Street, Birmingham", postcode="B11 1AA")
    await make_rule(await make_service(same, name="Kite Play Trust"))
    other = await make_provider(name="Acorn Short Breaks", address="1 Mill Lane", postcode="B15 2TT")
    await make_rule(await make_service(other, name="Saturday club"))

    page = await client.get("/services", params={"postcode": "B15"})

    results = page.text.split('<ol class="govuk-list sb-results"', 1)[1].split("</ol>", 1)[0]
    assert results.count("Kite Play Trust") == 1  # the heading only
    assert "35 High Street, Birmingham, B11 1AA" in page.text
    assert "Acorn Short Breaks<br>1 Mill Lane, B15 2TT" in page.text


async def test_search_results_and_the_service_page_show_a_map_beside_the_address(client):
    provider = await make_provider(name="Acorn Short Breaks", address="1 Mill Lane", postcode="B15 2TT")
    service = await make_service(provider, name="Saturday club")
    await make_rule(service)

    results = await client.get("/services", params={"postcode": "B15"})
    page = await client.get(f"/services/{service.id}")

    assert 'role="img" aria-labelledby="results-map-title" aria-describedby="results-map-desc"' in results.text
    assert "1: Saturday club, 1 Mill Lane, B15 2TT; You: B15" in results.text
    assert '<p class="govuk-body sb-where__address">1 Mill Lane, B15 2TT</p>' in page.text
    assert 'role="img" aria-labelledby="service-map-title" aria-describedby="service-map-desc"' in page.text
    description = re.search(r'<desc id="service-map-desc">([^<]*)</desc>', page.text)
    assert description is not None and description.group(1).startswith("Saturday club: 1 Mill Lane, B15 2TT. Postcode districts nearby: ")
    assert "https://" not in page.text.split("<svg", 1)[1].split("</svg>", 1)[0]  # no tiles from anywhere


async def test_search_errors_name_the_field_say_what_to_do_and_are_linked_to_their_box(client):
    page = await client.get("/services", params={"age": "ten", "from": "2026-13-01", "within_miles": "0"})

    assert page.status_code == 422
    assert '<a href="#age">Child&#39;s age must be a whole number, like 3</a>' in page.text
    assert '<a href="#from">From date must be a real date, like 2015-04-27</a>' in page.text
    assert '<a href="#within_miles">Within (miles) must be more than 0</a>' in page.text
    assert 'id="age" name="age" type="text" value="ten" inputmode="numeric" aria-describedby="age-error"' in page.text
    assert "Input should" not in page.text and "expected range" not in page.text
    assert '<details class="govuk-details sb-filters" id="filters" open>' in page.text  # the filters are open to put right


async def test_after_a_search_the_filters_are_behind_filter_results(client):
    await make_rule(await make_service(await make_provider()))

    first = await client.get("/services")
    searched = await client.get("/services", params={"postcode": "B15"})

    assert '<details class="govuk-details sb-filters" id="filters" open>' in first.text
    assert '<details class="govuk-details sb-filters" id="filters">' in searched.text
    assert '<span class="govuk-details__summary-text">Filter results</span>' in searched.text


def test_the_map_places_the_point_among_labelled_nearby_districts_with_a_scale():
    b15 = locate("B15")
    drawn = draw_map([MapPoint("1", "Club: B15", b15.latitude, b15.longitude)], title="Where the club is")

    assert drawn is not None
    [point] = drawn.points
    assert (point.x, point.y) == (WIDTH / 2, HEIGHT / 2)
    assert 4 <= len(drawn.districts) <= 24
    assert all(0 <= d.x <= WIDTH and 0 <= d.y <= HEIGHT for d in drawn.districts)
    assert "B16" in {d.label for d in drawn.districts}
    assert not any(d.label.endswith(("98", "99")) for d in drawn.districts)  # PO boxes are not places
    assert drawn.scale_label in ("0.5 miles", "1 mile") and drawn.scale_width > 0
    assert drawn.description.startswith("Club: B15. Postcode districts nearby: ")
    assert draw_map([], title="Nothing") is None
