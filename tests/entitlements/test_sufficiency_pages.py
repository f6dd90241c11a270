"""The sufficiency report's pages, CSV and API: officers of the council only, filters, bad input as 4xx."""

from __future__ import annotations

import csv
import io

from entitlements import sufficiency
from tests.entitlements.conftest import Council
from tests.entitlements.test_sufficiency import DAY
from tests.factories import bearer, sign_in


async def test_the_page_says_when_the_figures_were_worked_out_and_filters_them(client, council: Council, westshire: dict) -> None:
    await sign_in(client, council.officer)
    before = await client.get("/authority/sufficiency/westshire")
    assert before.status_code == 200 and "have not been worked out yet" in before.text
    await sufficiency.refresh(council.profile.id, day=DAY)
    page = await client.get("/authority/sufficiency/westshire?tier=targeted")
    assert page.status_code == 200
    assert "Figures for <strong>Friday 12 June 2026</strong>" in page.text or "12 June 2026" in page.text
    assert '<option value="targeted" selected>' in page.text
    index = await client.get("/authority/sufficiency")
    assert '/authority/sufficiency/westshire"' in index.text
    printable = await client.get("/authority/sufficiency/westshire/print?tier=targeted")
    assert printable.status_code == 200 and "Only: tier or plan The targeted tier." in printable.text


async def test_a_bad_filter_shows_the_error_summary_and_the_api_answers_422(client, council: Council, westshire: dict) -> None:
    await sufficiency.refresh(council.profile.id, day=DAY)
    await sign_in(client, council.officer)
    page = await client.get("/authority/sufficiency/westshire?need=XYZ")
    assert page.status_code == 422
    assert "There is a problem" in page.text and 'href="#need"' in page.text and "Choose a primary need from the list" in page.text
    headers = await bearer(council.officer)
    for query in ("need=XYZ", "age_band=99", "area=ZZ9", "tier=nope", "tier=" + "x" * 50, "colour=red"):
        response = await client.get(f"/api/v1/councils/westshire/sufficiency?{query}", headers=headers)
        assert response.status_code == 422, query
        assert response.headers["content-type"].startswith("application/problem+json")
    csv_response = await client.get("/api/v1/councils/westshire/sufficiency.csv?age_band=99", headers=headers)
    assert csv_response.status_code == 422


async def test_the_api_and_csv_give_the_figures_and_another_council_is_404(client, council: Council, westshire: dict) -> None:
    await sufficiency.refresh(council.profile.id, day=DAY)
    headers = await bearer(council.officer)
    body = (await client.get("/api/v1/councils/westshire/sufficiency?tier=targeted", headers=headers)).json()
    assert body["refreshed_on"] == "2026-06-12" and body["filters"] == {"tier": "targeted"} and body["total"]["children"] == 5
    response = await client.get("/api/v1/councils/westshire/sufficiency.csv", headers=headers)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows[0]["children"] == "6"
    await sign_in(client, council.officer)
    page_csv = await client.get("/authority/sufficiency/westshire.csv?area=B15")
    assert page_csv.status_code == 200
    other = await bearer(council.other_officer)
    for path in (
        "/api/v1/councils/westshire/sufficiency",
        "/api/v1/councils/westshire/sufficiency.csv",
        "/api/v1/councils/nowhere/sufficiency",
    ):
        response = await client.get(path, headers=other)
        assert response.status_code == 404 and response.headers["content-type"].startswith("application/problem+json")
    family = await bearer(council.family)
    assert (await client.get("/api/v1/councils/westshire/sufficiency", headers=family)).status_code == 403


async def test_another_councils_officer_gets_404_on_the_pages(client, council: Council) -> None:
    await sign_in(client, council.other_officer)
    assert (await client.get("/authority/sufficiency/westshire")).status_code == 404
    assert (await client.get("/authority/sufficiency/westshire/print")).status_code == 404
    assert (await client.get("/authority/sufficiency/westshire.csv")).status_code == 404


async def test_a_reason_written_for_few_children_is_not_shown(council: Council) -> None:
    """Free text might name someone: reasons given for fewer children than the threshold go under Other reasons."""
    items = {("declined", "staff illness"): {"children": 5, "places": 7}, ("declined", "jo's behaviour"): {"children": 1, "places": 1}}
    rows, total = sufficiency._declines(items, 5)  # the rule itself, with plain numbers
    assert [(r.label, r.children, r.places) for r in rows] == [
        ("Staff illness", "c", "c"),
        ("Other reasons (each given for fewer children)", "c", "c"),
    ]
    assert (total.children, total.places) == (6, 8)
