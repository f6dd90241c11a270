"""The statement in the JSON API: public reads, officers writing whole versions, problem details for refusals."""

from __future__ import annotations

from entitlements.models import Statement, Tier
from tests.entitlements.conftest import statement_body, tier
from tests.factories import bearer

BASE = "/api/v1/councils/westshire/statement"


def _body(**overrides) -> dict:
    return statement_body(**overrides).model_dump(mode="json")


async def test_anyone_reads_the_published_statement(client, council) -> None:
    assert (await client.get(BASE)).status_code == 404
    await council.published()
    response = await client.get(BASE)
    assert response.status_code == 200
    body = response.json()
    assert (body["council"], body["slug"], body["number"], body["status"]) == ("Westshire Council", "westshire", 1, "published")
    assert [t["code"] for t in body["tiers"]] == ["universal", "targeted", "specialist"]
    targeted = body["tiers"][1]
    assert (targeted["hours_per_year"], targeted["rules"]["ehc_plan_or_dla"], targeted["service_kinds"]) == (
        78,
        True,
        ["activity", "day_care_away"],
    )
    assert body["allowance_year"] == {"start_month": 2, "start_day": 1, "current_starts_on": "2026-02-01", "current_ends_on": "2027-01-31"}
    assert (await client.get(BASE + "/versions/1")).json()["number"] == 1


async def test_an_officer_writes_and_publishes_a_version(client, council) -> None:
    await council.published()
    headers = await bearer(council.officer)
    created = await client.post(BASE + "/versions", json=_body(tiers=[tier(hours_per_year=36)]), headers=headers)
    assert created.status_code == 201
    assert (created.json()["number"], created.json()["status"]) == (2, "draft")
    assert (await client.get(BASE + "/versions/2")).status_code == 404  # a draft is not public

    published = await client.post(BASE + "/versions/2/publish", headers=headers)
    assert published.status_code == 200
    assert [v["number"] for v in published.json()["versions"]] == [2, 1]
    assert (await client.get(BASE)).json()["tiers"][0]["hours_per_year"] == 36
    assert (await client.get(BASE + "/versions/1")).json()["status"] == "superseded"


async def test_a_version_with_a_tier_that_has_no_way_to_apply_is_a_422_problem_and_nothing_is_written(client, council) -> None:
    headers = await bearer(council.officer)
    response = await client.post(
        BASE + "/versions", json=_body(tiers=[tier(), tier("specialist", "specialist", how_to_apply="")]), headers=headers
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["code"], problem["status"]) == ("validation_failed", 422)
    assert [e["field"] for e in problem["errors"]] == ["tiers.1.how_to_apply"]
    assert await Statement.all().count() == 0 and await Tier.all().count() == 0


async def test_bad_bodies_are_refused_without_a_500(client, council) -> None:
    headers = await bearer(council.officer)
    for body in (
        {"tiers": [{"code": "Bad Code", "kind": "targeted", "name": "x", "how_to_apply": "y"}]},
        {"tiers": [{**tier(), "kind": "premium"}]},
        {"tiers": [{**tier(), "hours_per_year": -5}]},
        {"tiers": [{**tier(), "rules": {"min_age": 10, "max_age": 5}}]},
        {"tiers": [tier(), tier()]},
        {"unknown": 1},
    ):
        response = await client.post(BASE + "/versions", json=body, headers=headers)
        assert response.status_code == 422, body
    assert await Statement.all().count() == 0


async def test_a_second_draft_is_a_conflict(client, council) -> None:
    headers = await bearer(council.officer)
    assert (await client.post(BASE + "/versions", json=_body(), headers=headers)).status_code == 201
    again = await client.post(BASE + "/versions", json=_body(), headers=headers)
    assert again.status_code == 409 and again.json()["code"] == "draft_exists"


async def test_an_officer_of_another_council_gets_404_and_others_403_or_401(client, council) -> None:
    await council.published()
    other = await client.post(BASE + "/versions", json=_body(), headers=await bearer(council.other_officer))
    assert other.status_code == 404
    publish = await client.post(BASE + "/versions/1/publish", headers=await bearer(council.other_officer))
    assert publish.status_code == 404
    family = await client.post(BASE + "/versions", json=_body(), headers=await bearer(council.family))
    assert family.status_code == 403
    anonymous = await client.post(BASE + "/versions", json=_body())
    assert anonymous.status_code == 401
    assert await Statement.all().count() == 1
