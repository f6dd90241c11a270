"""Demo grants: the DfE's £30m short breaks innovation fund, its three rounds, 20 awards,
tranches, budgets and four quarters of spend returns in every status.

Dates move with the clock the demo is loaded with, so it never goes stale: the fund runs for
three financial years ending with the next one; tranches due before today are paid (but for one,
left overdue so the dashboard shows what that looks like); the returns are for the four
quarters before the last one to end (whose returns the grantees still have to send), and those
waiting for a decision were submitted a month ago (past the fund's decision target).

Fixed amounts; idempotent: each item is looked up by its natural key before it is made, and
everything goes through the services, so the running totals and the audit log are the real thing.

Each award is linked to a grant-funded service in its area with attended Saturdays going back 18
months (:mod:`grants.demo_delivery`), and to the other demo services there, so "respite
delivered" has hours for every award and every month with spend.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID

from grants import services
from grants.demo_delivery import PLACES, ensure_delivery
from grants.enums import BudgetCategory, CostKind, ReturnStatus
from grants.models import Award, Fund, Round, SpendReturn, Tranche
from grants.periods import financial_year_of, quarter_bounds
from grants.services import BudgetLineInput
from providers import queries as provider_queries
from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.accounts.services import ensure_membership, ensure_organisation, ensure_user, load_principal
from shortbreaks.clock import LONDON
from shortbreaks.demo import DEMO_PASSWORD, DemoContext
from shortbreaks.permissions import Principal

FUND_NAME = "Short breaks innovation fund"
FUND_PREFIX = "360G-DFE-SBIF"
# (code, budget, financial year of the fund's: 0 for its first)
ROUNDS = [("R1", 500_000_000, 0), ("R2", 1_000_000_000, 1), ("R3", 1_500_000_000, 2)]
# The award whose latest tranche is left unpaid past its date: the dashboard's overdue example.
OVERDUE_TRANCHE_AWARD = "A020"
SUBMITTED_DAYS_AGO = 30

# (identifier, name, kind, region)
EXTRA_ORGANISATIONS = [
    ("GB-LAE-NET", "Newcastle City Council", OrganisationKind.LOCAL_AUTHORITY, "North East"),
    ("GB-LAE-NGM", "Nottingham City Council", OrganisationKind.LOCAL_AUTHORITY, "East Midlands"),
    ("GB-LAE-NWM", "London Borough of Newham", OrganisationKind.LOCAL_AUTHORITY, "London"),
    ("GB-LAE-KEN", "Kent County Council", OrganisationKind.LOCAL_AUTHORITY, "South East"),
    ("GB-LAE-NFK", "Norfolk County Council", OrganisationKind.LOCAL_AUTHORITY, "East of England"),
    ("GB-CHC-1092847", "Tyneside Family Respite", OrganisationKind.CHARITY, "North East"),
    ("GB-CHC-1143020", "Pennine Playtime", OrganisationKind.CHARITY, "Yorkshire and The Humber"),
    ("GB-CHC-1074512", "Avon Adventure Breaks", OrganisationKind.CHARITY, "South West"),
    ("GB-CHC-1158839", "East London Saturday Clubs", OrganisationKind.CHARITY, "London"),
    ("GB-CHC-1120476", "Broads Holiday Play", OrganisationKind.CHARITY, "East of England"),
    ("GB-COH-08123456", "Midlands Inclusive Activities Ltd", OrganisationKind.COMPANY, "East Midlands"),
]

# (reference, round code, recipient identifier, local authority identifier, amount in pence, title)
AWARDS = [
    ("A001", "R1", "GB-LAE-BIR", "GB-LAE-BIR", 98_000_000, "Birmingham overnight short breaks pilot"),
    ("A002", "R1", "GB-CHC-1180001", "GB-LAE-BIR", 87_500_000, "Saturday club expansion"),
    ("A003", "R1", "GB-LAE-MAN", "GB-LAE-MAN", 110_000_000, "Manchester holiday activities for disabled children"),
    ("A004", "R1", "GB-CHC-1092847", "GB-LAE-NET", 95_250_000, "Tyneside family respite weekends"),
    ("A005", "R1", "GB-LAE-LDS", "GB-LAE-LDS", 101_000_000, "Leeds after-school short breaks"),
    ("A006", "R2", "GB-CHC-1143020", "GB-LAE-LDS", 120_000_000, "Pennine outdoor play for children with complex needs"),
    ("A007", "R2", "GB-LAE-BST", "GB-LAE-BST", 135_000_000, "Bristol shared care network"),
    ("A008", "R2", "GB-CHC-1074512", "GB-LAE-BST", 99_999_999, "Adventure breaks for teenagers"),
    ("A009", "R2", "GB-LAE-NWM", "GB-LAE-NWM", 140_000_000, "Newham evening and weekend clubs"),
    ("A010", "R2", "GB-CHC-1158839", "GB-LAE-NWM", 88_000_050, "East London Saturday clubs"),
    ("A011", "R2", "GB-LAE-KEN", "GB-LAE-KEN", 150_000_000, "Kent short breaks in rural areas"),
    ("A012", "R2", "GB-COH-08123456", "GB-LAE-NGM", 112_345_678, "Inclusive sports sessions"),
    ("A013", "R2", "GB-LAE-NFK", "GB-LAE-NFK", 125_000_000, "Norfolk holiday play schemes"),
    ("A014", "R3", "GB-CHC-1120476", "GB-LAE-NFK", 180_000_000, "Broads holiday play"),
    ("A015", "R3", "GB-LAE-NGM", "GB-LAE-NGM", 210_000_000, "Nottingham overnight care in the home"),
    ("A016", "R3", "GB-LAE-NET", "GB-LAE-NET", 195_000_000, "Newcastle day care in the home"),
    ("A017", "R3", "GB-LAE-BIR", "GB-LAE-BIR", 230_000_000, "Birmingham short breaks for children with autism"),
    ("A018", "R3", "GB-CHC-1180001", "GB-LAE-BIR", 160_000_000, "Sunshine summer schemes"),
    ("A019", "R3", "GB-LAE-MAN", "GB-LAE-MAN", 205_500_000, "Manchester family link carers"),
    ("A020", "R3", "GB-CHC-1143020", "GB-LAE-LDS", 170_000_000, "Pennine weekend breaks"),
]

# Share of each year's budget, in percent; management takes what rounding leaves.
BUDGET_SHARES = [
    (BudgetCategory.STAFFING, 50, CostKind.REVENUE),
    (BudgetCategory.ACTIVITIES, 20, CostKind.REVENUE),
    (BudgetCategory.TRANSPORT, 10, CostKind.REVENUE),
    (BudgetCategory.EQUIPMENT, 5, CostKind.CAPITAL),
    (BudgetCategory.TRAINING, 5, CostKind.REVENUE),
    (BudgetCategory.EVALUATION, 3, CostKind.REVENUE),
]

# The four quarters' returns, oldest first: each award cycles through these, so every status appears.
RETURN_PATTERNS = [
    (ReturnStatus.APPROVED, ReturnStatus.APPROVED, ReturnStatus.APPROVED, ReturnStatus.SUBMITTED),
    (ReturnStatus.APPROVED, ReturnStatus.APPROVED, ReturnStatus.QUERIED, ReturnStatus.DRAFT),
    (ReturnStatus.APPROVED, ReturnStatus.REJECTED, ReturnStatus.RESUBMITTED, ReturnStatus.DRAFT),
    (ReturnStatus.APPROVED, ReturnStatus.APPROVED, ReturnStatus.APPROVED, ReturnStatus.APPROVED),
]

DEMO_GRANTEE_EMAIL = "charity-grantee@example.com"


def budget_for(amount_pence: int, years: list[int]) -> list[BudgetLineInput]:
    """Split an award evenly across its years and by ``BUDGET_SHARES``; lines add up to the penny."""
    lines = []
    per_year = amount_pence // len(years)
    for i, year in enumerate(years):
        year_total = per_year if i < len(years) - 1 else amount_pence - per_year * (len(years) - 1)
        used = 0
        for category, share, kind in BUDGET_SHARES:
            part = year_total * share // 100
            lines.append(BudgetLineInput(category, year, part, kind))
            used += part
        lines.append(BudgetLineInput(BudgetCategory.MANAGEMENT, year, year_total - used, CostKind.REVENUE))
    return lines


def last_quarters(today: date, count: int = 4) -> list[tuple[int, int]]:
    """The ``count`` complete (financial year, quarter) before the one ``today`` is in, oldest first."""
    year, quarter = financial_year_of(today), (today.month - 4) % 12 // 3 + 1
    out = []
    for _ in range(count):
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
        out.append((year, quarter))
    return out[::-1]


async def load(ctx: DemoContext) -> None:
    now = ctx.now
    today = now.astimezone(LONDON).date()
    first_year = financial_year_of(today) - 2
    fund_start, fund_end = date(first_year, 4, 1), date(first_year + 3, 3, 31)
    funder_org = ctx.organisations["GB-GOR-D6"]
    funder = await load_principal(ctx.users["funder@example.com"])
    orgs = dict(ctx.organisations)
    for identifier, name, kind, region in EXTRA_ORGANISATIONS:
        orgs[identifier] = await ensure_organisation(identifier=identifier, name=name, kind=kind, region=region, now=now)

    # Grantee users: grantee@example.com holds Birmingham's awards; one demo user holds the rest.
    charity_grantee = await ensure_user(email=DEMO_GRANTEE_EMAIL, password=DEMO_PASSWORD, display_name="Chris Okoye", now=now)
    ctx.users[DEMO_GRANTEE_EMAIL] = charity_grantee
    for _ref, _round, recipient, _la, _amount, _title in AWARDS:
        if recipient != "GB-LAE-BIR":
            await ensure_membership(charity_grantee, orgs[recipient], Role.GRANTEE)
    grantees = {
        "GB-LAE-BIR": await load_principal(ctx.users["grantee@example.com"]),
        "other": await load_principal(charity_grantee),
    }

    fund = await Fund.get_or_none(funder_id=funder_org.id, grant_id_prefix=FUND_PREFIX)
    if fund is None:
        fund = await services.create_fund(
            name=FUND_NAME,
            funder=funder_org,
            total_pence=3_000_000_000,
            starts_on=fund_start,
            ends_on=fund_end,
            grant_id_prefix=FUND_PREFIX,
            actor=funder,
            now=now,
        )
    rounds: dict[str, Round] = {}
    for code, budget, offset in ROUNDS:
        year = financial_year_of(fund.starts_on) + offset
        existing = await Round.get_or_none(fund_id=fund.id, code=code)
        rounds[code] = existing or await services.create_round(
            fund,
            name=f"{year}-{(year + 1) % 100:02d}",
            code=code,
            budget_pence=budget,
            starts_on=date(year, 4, 1),
            ends_on=date(year + 1, 3, 31),
            actor=funder,
            now=now,
        )
    delivery: dict[str, UUID] = {}
    for number, identifier in enumerate(PLACES, start=1):
        delivery[identifier] = await ensure_delivery(orgs[identifier], number=number, now=now)
    # The four quarters before the last one to end: the grantees have still to send that one's returns.
    quarters = last_quarters(today, 5)[:4]

    for index, (reference, round_code, recipient, authority, amount, title) in enumerate(AWARDS):
        round_ = rounds[round_code]
        award = await Award.get_or_none(fund_id=fund.id, reference=reference)
        years = list(range(financial_year_of(round_.starts_on), financial_year_of(fund.ends_on) + 1))
        if award is None:
            award = await services.create_award(
                round_,
                recipient=orgs[recipient],
                local_authority=orgs[authority],
                reference=reference,
                title=title,
                description=f"{title}: short breaks for disabled children and their families, funded by the {FUND_NAME}.",
                amount_pence=amount,
                awarded_on=date(round_.starts_on.year, 2, 15),
                planned_start=round_.starts_on,
                planned_end=fund.ends_on,
                budget_lines=budget_for(amount, years),
                actor=funder,
                now=now,
            )
        await _tranches(award, years, funder, now, leave_overdue=reference == OVERDUE_TRANCHE_AWARD)
        actor = grantees["GB-LAE-BIR"] if recipient == "GB-LAE-BIR" else grantees["other"]
        pattern = RETURN_PATTERNS[index % len(RETURN_PATTERNS)]
        await _returns(award, [(q, s) for q, s in zip(quarters, pattern, strict=True) if q[0] in years], actor, funder, now)
        await services.link_service(award, service_id=delivery[authority], actor=funder, now=now)
        await _link_services(award, funder, now)


async def _link_services(award: Award, funder: Principal, now: datetime) -> None:
    """Link an award to the demo services in its area (the first five), so respite delivered has figures."""
    sessions = await provider_queries.list_sessions_in_authority(award.local_authority_id)
    service_ids: list[UUID] = []
    for session in sessions:
        # providers.models.Session declares its service foreign key but not the service_id it adds.
        if session.service_id not in service_ids:
            service_ids.append(session.service_id)
    for service_id in sorted(service_ids, key=str)[:5]:
        await services.link_service(award, service_id=service_id, actor=funder, now=now)


async def _tranches(award: Award, years: list[int], funder: Principal, now: datetime, *, leave_overdue: bool = False) -> None:
    """A tranche each April; those due before today are paid five days after, but for the latest one when ``leave_overdue``."""
    today = now.astimezone(LONDON).date()
    per_year = award.amount_pence // len(years)
    due = [date(year, 4, 15) for year in years]
    latest_due = max((d for d in due if d < today), default=None)
    for number, (year, due_on) in enumerate(zip(years, due, strict=True), start=1):
        amount = per_year if number < len(years) else award.amount_pence - per_year * (len(years) - 1)
        tranche = await Tranche.get_or_none(award_id=award.id, number=number)
        if tranche is None:
            tranche = await services.schedule_tranche(award, amount_pence=amount, due_on=due_on, actor=funder, now=now)
        if leave_overdue and tranche.due_on == latest_due:
            continue
        paid_on = date(year, 4, 20)
        if tranche.paid_on is None and tranche.due_on < today and paid_on <= today:
            await services.pay_tranche(tranche, paid_on=paid_on, actor=funder, now=now)


async def _returns(
    award: Award, plan: list[tuple[tuple[int, int], ReturnStatus]], grantee: Principal, funder: Principal, now: datetime
) -> None:
    """A return for each ``((financial year, quarter), status)``: about a fifth of each category's yearly budget a quarter.

    Those left waiting for a decision were submitted ``SUBMITTED_DAYS_AGO`` days ago, past the fund's target.
    """
    submitted_at = now - timedelta(days=SUBMITTED_DAYS_AGO)
    for (year, quarter), target in plan:
        if await SpendReturn.filter(award_id=award.id, financial_year=year, quarter=quarter).exists():
            continue
        lines = await award.budget_lines.filter(financial_year=year)
        start, _end = quarter_bounds(year, quarter)
        spend_return = await services.create_return(award, financial_year=year, quarter=quarter, actor=grantee, now=now)
        for i, line in enumerate(sorted(lines, key=lambda x: (-x.amount_pence, x.category.value))[:4]):
            await services.add_expenditure_line(
                spend_return,
                spent_on=start.replace(day=5 + 7 * i),
                amount_pence=line.amount_pence * 21 // 100 + i,
                category=line.category,
                description=f"{line.category.label} for quarter {quarter}",
                evidence_reference=f"{award.reference}-Q{quarter}-{i + 1}",
                actor=grantee,
                now=now,
            )
        if target is ReturnStatus.DRAFT:
            continue
        await services.submit_return(spend_return, actor=grantee, now=submitted_at if target is ReturnStatus.SUBMITTED else now)
        if target is ReturnStatus.APPROVED:
            await services.approve_return(spend_return, actor=funder, now=now, reason="Evidence checked")
        elif target is ReturnStatus.REJECTED:
            await services.reject_return(spend_return, reason="Spend is outside the grant's purpose", actor=funder, now=now)
        elif target in (ReturnStatus.QUERIED, ReturnStatus.RESUBMITTED):
            await services.query_return(spend_return, reason="Send the invoices for the transport lines", actor=funder, now=now)
            if target is ReturnStatus.RESUBMITTED:
                await services.submit_return(spend_return, actor=grantee, now=now)
