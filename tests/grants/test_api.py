"""The grants JSON API, its CSV and 360Giving exports, and the OpenAPI document."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from grants import exporters, services
from grants.enums import ReturnStatus
from grants.models import Award, ExpenditureLine, SpendReturn, Variation
from shortbreaks.accounts.enums import Role
from shortbreaks.models import AuditEvent
from tests.factories import NOW, bearer

STANDARD = Path("/work/shared/standards/360giving")


async def _submitted(world, lines=((date(2025, 5, 1), 120_000, "staffing"),), quarter=1):
    r = await services.create_return(world.award, financial_year=2025, quarter=quarter, actor=world.grantee_p, now=NOW)
    for spent_on, amount, category in lines:
        await services.add_expenditure_line(
            r, spent_on=spent_on, amount_pence=amount, category=category, description="Play workers", actor=world.grantee_p, now=NOW
        )
    return await services.submit_return(r, actor=world.grantee_p, now=NOW)


# --- API ------------------------------------------------------------------------------------------------


async def test_funds_list_for_the_funder_and_403_for_families(client, world) -> None:
    response = await client.get("/api/v1/funds", headers=await bearer(world.funder))
    assert response.status_code == 200
    assert [(f["name"], f["total_pence"], f["awarded_pence"]) for f in response.json()] == [
        ("Short breaks innovation fund", 3_000_000_000, 10_000_000)
    ]
    for user in (world.family, world.provider):
        assert (await client.get("/api/v1/funds", headers=await bearer(user))).status_code == 403


async def test_report_api_with_filters(client, world) -> None:
    submitted = await _submitted(world)
    await services.approve_return(submitted, actor=world.funder_p, now=NOW)
    headers = await bearer(world.funder)
    response = await client.get(
        f"/api/v1/funds/{world.fund.id}/report", params={"financial_year": 2025, "quarter": 1, "category": "staffing"}, headers=headers
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["awarded_pence"], body["paid_pence"], body["approved_pence"], body["pending_pence"], body["remaining_pence"]) == (
        5_000_000,
        None,
        120_000,
        0,
        4_880_000,
    )
    assert body["outcomes"]["rows"][0]["children"] == 0
    bad = await client.get(f"/api/v1/funds/{world.fund.id}/report", params={"quarter": 5}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "quarter"


async def test_report_api_is_404_for_people_outside_the_fund(client, world) -> None:
    for user in (world.family, world.provider, world.other_grantee):
        response = await client.get(f"/api/v1/funds/{world.fund.id}/report", headers=await bearer(user))
        assert response.status_code == 404


async def test_grantee_claims_and_funder_decides_through_the_api(client, world) -> None:
    grantee = await bearer(world.grantee)
    funder = await bearer(world.funder)
    created = await client.post(f"/api/v1/awards/{world.award.id}/returns", json={"financial_year": 2025, "quarter": 2}, headers=grantee)
    assert created.status_code == 201, created.text
    return_id = created.json()["id"]
    line = {
        "spent_on": "2025-07-15",
        "amount_pence": 45_050,
        "category": "staffing",
        "description": "Summer play scheme",
        "evidence_reference": "INV-1",
    }
    added = await client.post(f"/api/v1/returns/{return_id}/lines", json=line, headers=grantee)
    assert added.status_code == 201
    assert added.json()["total_pence"] == 45_050
    assert (await client.post(f"/api/v1/returns/{return_id}/submit", headers=grantee)).json()["status"] == "submitted"
    # The grantee cannot decide: the route is for funders.
    assert (await client.post(f"/api/v1/returns/{return_id}/approve", json={}, headers=grantee)).status_code == 403
    approved = await client.post(f"/api/v1/returns/{return_id}/approve", json={"reason": "Invoice seen"}, headers=funder)
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["decision_reason"]) == ("approved", "Invoice seen")
    again = await client.post(f"/api/v1/returns/{return_id}/reject", json={"reason": "Changed my mind"}, headers=funder)
    assert (again.status_code, again.json()["code"]) == (409, "already_decided")
    assert (await Award.get(id=world.award.id)).approved_pence == 45_050


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount_pence": -100}, "amount_pence"),
        ({"amount_pence": 100.5}, "amount_pence"),
        ({"amount_pence": "100"}, "amount_pence"),
        ({"category": "catering"}, "category"),
        ({"spent_on": "2025-02-30"}, "spent_on"),
        ({"spent_on": "2024-05-01"}, "spent_on"),
    ],
)
async def test_bad_spend_lines_are_a_clear_422_and_change_nothing(client, world, changes, field) -> None:
    r = await services.create_return(world.award, financial_year=2025, quarter=1, actor=world.grantee_p, now=NOW)
    line = {"spent_on": "2025-05-01", "amount_pence": 100, "category": "staffing", "description": "x"} | changes
    response = await client.post(f"/api/v1/returns/{r.id}/lines", json=line, headers=await bearer(world.grantee))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert await ExpenditureLine.all().count() == 0


async def test_approving_ones_own_return_is_403(client, world) -> None:
    from shortbreaks.accounts.services import ensure_membership

    await ensure_membership(world.grantee, world.funder_org, Role.FUNDER)
    submitted = await _submitted(world)
    response = await client.post(f"/api/v1/returns/{submitted.id}/approve", json={}, headers=await bearer(world.grantee))
    assert (response.status_code, response.json()["code"]) == (403, "own_return")
    assert (await SpendReturn.get(id=submitted.id)).status == ReturnStatus.SUBMITTED


async def test_award_over_the_remaining_budget_is_409(client, world) -> None:
    body = {
        "recipient_identifier": "GB-CHC-1180001",
        "local_authority_identifier": "GB-LAE-BIR",
        "reference": "A099",
        "title": "Too big",
        "description": "x",
        "amount_pence": 990_000_001,
        "awarded_on": "2025-03-01",
        "planned_start": "2025-04-01",
        "planned_end": "2026-03-31",
    }
    response = await client.post(f"/api/v1/rounds/{world.round.id}/awards", json=body, headers=await bearer(world.funder))
    assert (response.status_code, response.json()["code"]) == (409, "over_budget")
    assert await Award.all().count() == 1
    ok = await client.post(
        f"/api/v1/rounds/{world.round.id}/awards", json=body | {"amount_pence": 990_000_000}, headers=await bearer(world.funder)
    )
    assert ok.status_code == 201
    assert ok.json()["grant_id"] == "360G-DFE-SBIF-A099"


async def test_a_variation_below_what_is_paid_is_409_and_a_good_one_is_audited(client, world) -> None:
    headers = await bearer(world.funder)
    tranche = await client.post(
        f"/api/v1/awards/{world.award.id}/tranches", json={"amount_pence": 6_000_000, "due_on": "2025-04-01"}, headers=headers
    )
    assert tranche.status_code == 201
    paid = await client.post(f"/api/v1/tranches/{tranche.json()['id']}/pay", json={"paid_on": "2025-04-02"}, headers=headers)
    assert paid.json()["paid_on"] == "2025-04-02"
    budget = [{"category": "staffing", "financial_year": 2025, "amount_pence": 5_000_000}]
    low = await client.post(
        f"/api/v1/awards/{world.award.id}/variations",
        json={"reason": "Cut", "amount_pence": 5_000_000, "budget_lines": budget},
        headers=headers,
    )
    assert (low.status_code, low.json()["code"]) == (409, "below_committed")
    assert await Variation.all().count() == 0
    longer = await client.post(
        f"/api/v1/awards/{world.award.id}/variations", json={"reason": "Delayed start", "planned_end": "2027-03-30"}, headers=headers
    )
    assert longer.status_code == 201
    assert longer.json()["planned_end"] == "2027-03-30"
    assert await AuditEvent.filter(action="grants.award.varied").count() == 1


# --- exports -----------------------------------------------------------------------------------------


def _validator() -> Draft202012Validator:
    grant_schema = json.loads((STANDARD / "360-giving-schema.json").read_text())
    package_schema = json.loads((STANDARD / "360-giving-package-schema.json").read_text())
    grant = DRAFT202012.create_resource(grant_schema)
    registry = Registry().with_resources(
        [
            (grant_schema["$id"], grant),
            ("https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json", grant),
        ]
    )
    return Draft202012Validator(package_schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


async def test_360giving_package_is_public_valid_and_in_pounds(client, world) -> None:
    await services.vary_award(
        world.award,
        amount_pence=10_000_005,
        budget_lines=[services.BudgetLineInput("staffing", 2025, 5_000_005), services.BudgetLineInput("activities", 2026, 5_000_000)],
        reason="Rounding",
        actor=world.funder_p,
        now=NOW,
    )
    response = await client.get(f"/api/v1/funds/{world.fund.id}/360giving.json")
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    package = response.json()
    errors = sorted(_validator().iter_errors(package), key=str)
    assert [e.message for e in errors] == []
    assert exporters.data_quality_problems(package) == []
    grant = package["grants"][0]
    assert grant["id"] == "360G-DFE-SBIF-A001"
    assert '"amountAwarded": 100000.05' in response.text
    assert grant["recipientOrganization"] == [{"id": "GB-CHC-1180001", "name": "Sunshine Saturday Club", "charityNumber": "1180001"}]
    assert grant["fundingOrganization"] == [{"id": "GB-GOR-D6", "name": "Department for Education"}]
    assert grant["plannedDates"] == [{"startDate": "2025-04-01", "endDate": "2027-03-31"}]
    assert grant["beneficiaryLocation"][0]["name"] == "Birmingham City Council"
    assert grant["grantProgramme"] == [{"code": "R2", "title": "Short breaks innovation fund: 2025-26"}]
    assert "@example.com" not in response.text


def test_the_schema_check_catches_a_broken_grant() -> None:
    assert list(_validator().iter_errors({"grants": [{"id": "x"}]})) != []


def test_data_quality_checks_what_the_schema_does_not() -> None:
    package = {
        "grants": [
            {
                "id": "360G-X-1",
                "amountAwarded": 0,
                "awardDate": "2023-02-31",
                "plannedDates": [{"startDate": "2025-04-01", "endDate": "2025-03-01"}],
                "recipientOrganization": [{"id": "GB-CHC-12", "name": "x", "charityNumber": "12"}],
                "fundingOrganization": [{"id": "GB-COH-123", "name": "y", "companyNumber": "123"}],
            },
            {"id": "360G-X-1", "amountAwarded": 10.001, "recipientOrganization": [], "fundingOrganization": []},
        ]
    }
    assert exporters.data_quality_problems(package) == [
        "360G-X-1: amountAwarded must be a positive number",
        "360G-X-1: awardDate 2023-02-31 is not a real date",
        "360G-X-1: plannedDates[0] starts on or after it ends",
        "360G-X-1: recipientOrganization GB-CHC-12 is not a valid GB-CHC identifier (for example GB-CHC-1234567)",
        "360G-X-1: recipientOrganization charityNumber 12 is not well formed",
        "360G-X-1: fundingOrganization GB-COH-123 is not a valid GB-COH identifier (for example GB-COH-01234567 or GB-COH-SC123456)",
        "360G-X-1: fundingOrganization companyNumber 123 is not well formed",
        "360G-X-1: the id is used twice",
        "360G-X-1: amountAwarded has fractions of a penny",
    ]


def test_pounds_are_pence_over_a_hundred_exactly() -> None:
    assert [exporters.pounds(p) for p in (100, 1, 10, 12345, 3_000_000_000)] == [1, 0.01, 0.1, 123.45, 30_000_000]
    assert json.dumps([exporters.pounds(p) for p in (7, 1_000_000_007, 99_999_999_999)]) == "[0.07, 10000000.07, 999999999.99]"


async def test_awards_spend_and_tranche_csv(client, world) -> None:
    submitted = await _submitted(world, lines=((date(2025, 5, 1), 120_000, "staffing"), (date(2025, 6, 1), 1, "staffing")))
    await services.approve_return(submitted, actor=world.funder_p, now=NOW)
    await _submitted(world, quarter=2, lines=((date(2025, 8, 1), 999, "staffing"),))  # pending: not in spend.csv
    headers = await bearer(world.funder)
    awards = await client.get(f"/api/v1/funds/{world.fund.id}/awards.csv", headers=headers)
    assert awards.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(awards.text)))
    assert [(r["grant_id"], r["amount_gbp"], r["approved_gbp"], r["children_reached"]) for r in rows] == [
        ("360G-DFE-SBIF-A001", "100000.00", "1200.01", "0")
    ]
    spend = await client.get(f"/api/v1/funds/{world.fund.id}/spend.csv", headers=headers)
    lines = list(csv.DictReader(io.StringIO(spend.text)))
    assert [(r["spent_on"], r["amount_gbp"], r["financial_year"], r["quarter"]) for r in lines] == [
        ("2025-05-01", "1200.00", "2025-26", "1"),
        ("2025-06-01", "0.01", "2025-26", "1"),
    ]
    assert sum(Decimal(r["amount_gbp"]) * 100 for r in lines) == (await Award.get(id=world.award.id)).approved_pence
    tranches = await client.get(f"/api/v1/funds/{world.fund.id}/tranches.csv", headers=headers)
    assert tranches.text == "grant_id,tranche,amount_gbp,due_on,paid_on\r\n"


def test_csv_cells_cannot_run_as_formulas() -> None:
    assert exporters.to_csv(["a"], [["=HYPERLINK(1)"], ["-5"], ["ok"]]) == "a\r\n'=HYPERLINK(1)\r\n'-5\r\nok\r\n"


# --- pages -----------------------------------------------------------------------------------------


async def test_openapi_document_describes_the_grants_api(client) -> None:
    from openapi_spec_validator import validate

    document = (await client.get("/api/openapi.json")).json()
    validate(document)
    assert "/api/v1/funds/{fund_id}/report" in document["paths"]
    assert "/api/v1/returns/{return_id}/approve" in document["paths"]
