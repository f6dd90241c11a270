"""The demo grants: the £30m fund, three rounds, 20 awards, every return status; loading twice changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from grants import queries
from grants.enums import ReturnStatus
from grants.models import Award, ExpenditureLine, Fund, Round, SpendReturn, Tranche
from grants.schemas import ReportQuery
from shortbreaks.accounts.models import User
from shortbreaks.accounts.services import load_principal
from shortbreaks.demo import load_demo_data
from shortbreaks.models import AuditEvent


async def _counts() -> tuple[int, ...]:
    return (
        await Fund.all().count(),
        await Round.all().count(),
        await Award.all().count(),
        await Tranche.all().count(),
        await SpendReturn.all().count(),
        await ExpenditureLine.all().count(),
        await AuditEvent.all().count(),
    )


async def test_demo_grants_load_once_and_add_up(app, settings) -> None:
    await load_demo_data(settings)
    first = await _counts()
    await load_demo_data(settings)
    assert await _counts() == first

    fund = await Fund.get(name="Short breaks innovation fund").select_related("funder")
    assert (fund.total_pence, fund.currency, fund.funder.identifier) == (3_000_000_000, "GBP", "GB-GOR-D6")
    rounds = await Round.filter(fund_id=fund.id).order_by("starts_on").values_list("name", "budget_pence", "awarded_pence")
    # The fund's three financial years end with the next one, whenever the demo is loaded.
    from grants.periods import financial_year_of
    from shortbreaks.clock import LONDON

    first = financial_year_of(datetime.now(UTC).astimezone(LONDON).date()) - 2
    assert [(name, budget) for name, budget, _ in rounds] == [
        (f"{first}-{(first + 1) % 100:02d}", 500_000_000),
        (f"{first + 1}-{(first + 2) % 100:02d}", 1_000_000_000),
        (f"{first + 2}-{(first + 3) % 100:02d}", 1_500_000_000),
    ]
    awards = await Award.filter(fund_id=fund.id).values_list("amount_pence", flat=True)
    assert len(awards) == 20
    assert sum(awards) == fund.awarded_pence == sum(awarded for _, _, awarded in rounds)
    statuses = set(await SpendReturn.all().values_list("status", flat=True))
    assert statuses == set(ReturnStatus)

    funder = await load_principal(await User.get(email="funder@example.com"))
    report = await queries.fund_report(fund, ReportQuery(), funder, as_of=fund.ends_on)
    assert report.awarded_pence == fund.awarded_pence
    assert report.approved_pence == sum(a.approved_pence for a in report.awards) > 0
    assert report.paid_pence == sum(a.paid_pence for a in report.awards) > 0
    assert len(report.by_region) == 9

    # Every award has respite delivered, in every month with approved spend, so each has a cost per hour.
    from shortbreaks.clock import LONDON

    today = datetime.now(UTC).astimezone(LONDON).date()
    report = await queries.fund_report(fund, ReportQuery(), funder, as_of=today)
    assert [r.reference for r in report.outcomes.rows if float(r.respite_hours) > 0] == [f"A{n:03d}" for n in range(1, 21)]
    assert all(r.enough_delivery and r.cost_per_respite_hour_pence for r in report.outcomes.rows if r.approved_pence)
    assert report.outcomes.total.cost_per_respite_hour_pence is not None
    # Dates move with the clock: one tranche is overdue on purpose, and the returns waiting were sent a month ago.
    overdue = await queries.list_overdue(funder, fund, today=today)
    assert [o.tranche.award.reference for o in overdue.tranches] == ["A020"]
    assert overdue.returns and all(o.days_late == 10 for o in overdue.returns)


async def test_demo_pages_render_for_each_role(app, settings, client) -> None:
    from tests.factories import sign_in

    await load_demo_data(settings)
    fund = await Fund.get(name="Short breaks innovation fund")
    award = await Award.get(fund_id=fund.id, reference="A001")
    spend_return = await SpendReturn.filter(award_id=award.id).order_by("quarter").first()
    for email, fund_status in (
        ("funder@example.com", 200),
        ("grantee@example.com", 200),
        ("officer@example.com", 200),
        ("family@example.com", 404),
    ):
        client.cookies.clear()
        user = await User.get(email=email)
        await sign_in(client, user, password="shortbreaks-demo")
        page = await client.get(f"/grants/funds/{fund.id}")
        assert page.status_code == fund_status
        if fund_status == 200:
            assert page.text.count("<svg") == 3  # spend against plan, by region, respite hours by month
            assert (await client.get(f"/grants/awards/{award.id}")).status_code == 200
            assert (await client.get(f"/grants/returns/{spend_return.id}")).status_code == 200
            filtered = await client.get(
                f"/grants/funds/{fund.id}", params={"region": "West Midlands", "category": "staffing", "quarter": "2", "round_id": ""}
            )
            assert filtered.status_code == 200
