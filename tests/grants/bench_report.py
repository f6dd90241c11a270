# ruff: noqa: E501, S108  (long SQL for the seed; a throwaway settings folder)
"""Benchmark: the fund report on PostgreSQL with 1,000 awards and 1,000,000 expenditure lines.

Run by hand (it replaces everything in the database it is given):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test_grants .venv/bin/python -m tests.grants.bench_report

Target: each single-filter report under 300 ms median.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from datetime import UTC, datetime

from tortoise import connections

from grants import queries
from grants.models import Award, Fund
from grants.schemas import ReportQuery
from shortbreaks.accounts.models import Organisation, User
from shortbreaks.accounts.services import load_principal
from shortbreaks.db import close_db, init_db, migrate
from shortbreaks.settings import load_settings

AWARDS = 1_000
LINES = 1_000_000

SEED = [
    "TRUNCATE grants_expenditureline, grants_spendreturn, grants_tranche, grants_budgetline, grants_variation, grants_awardservice, grants_award, grants_round, grants_fund, core_membership, core_user, core_organisation RESTART IDENTITY CASCADE",
    "INSERT INTO core_organisation (id, name, kind, identifier, region, created_at, updated_at) VALUES ('00000000-0000-0000-0000-000000000001', 'Department for Education', 'funder', 'GB-GOR-D6', '', now(), now())",
    """INSERT INTO core_organisation (id, name, kind, identifier, region, created_at, updated_at)
       SELECT ('00000000-0000-0000-0001-' || lpad(g::text, 12, '0'))::uuid, 'Council ' || g, 'local_authority', 'GB-LAE-' || chr(65 + g / 26 / 26 % 26) || chr(65 + g / 26 % 26) || chr(65 + g % 26),
              (ARRAY['North East','North West','Yorkshire and The Humber','East Midlands','West Midlands','East of England','London','South East','South West'])[1 + g % 9], now(), now()
       FROM generate_series(1, 150) g""",
    "INSERT INTO core_user (id, email, password_hash, display_name, is_active, is_site_admin, created_at, updated_at) VALUES ('00000000-0000-0000-0000-0000000000aa', 'funder@example.com', 'x', 'Funder', true, false, now(), now())",
    "INSERT INTO core_membership (id, user_id, organisation_id, role, is_org_admin, created_at, updated_at) VALUES (gen_random_uuid(), '00000000-0000-0000-0000-0000000000aa', '00000000-0000-0000-0000-000000000001', 'funder', true, now(), now())",
    """INSERT INTO grants_fund (id, name, funder_id, total_pence, currency, starts_on, ends_on, grant_id_prefix, allocated_pence, awarded_pence, line_tolerance_percent, disclosure_threshold, created_at, updated_at)
       VALUES ('00000000-0000-0000-0002-000000000001', 'Bench fund', '00000000-0000-0000-0000-000000000001', 3000000000, 'GBP', '2024-04-01', '2027-03-31', '360G-B', 3000000000, 2000000000, 10, 5, now(), now())""",
    """INSERT INTO grants_round (id, fund_id, name, code, budget_pence, awarded_pence, starts_on, ends_on, created_at, updated_at)
       VALUES ('00000000-0000-0000-0003-000000000001', '00000000-0000-0000-0002-000000000001', 'All', 'R1', 3000000000, 2000000000, '2024-04-01', '2027-03-31', now(), now())""",
    f"""INSERT INTO grants_award (id, fund_id, round_id, recipient_id, local_authority_id, reference, title, description, amount_pence, awarded_on, planned_start, planned_end, region, status, paid_pence, approved_pence, created_at, updated_at)
       SELECT ('00000000-0000-0000-0004-' || lpad(g::text, 12, '0'))::uuid, '00000000-0000-0000-0002-000000000001', '00000000-0000-0000-0003-000000000001',
              ('00000000-0000-0000-0001-' || lpad((1 + g % 150)::text, 12, '0'))::uuid, ('00000000-0000-0000-0001-' || lpad((1 + g % 150)::text, 12, '0'))::uuid,
              'A' || g, 'Award ' || g, 'x', 2000000, '2024-03-01', '2024-04-01', '2027-03-31',
              (ARRAY['North East','North West','Yorkshire and The Humber','East Midlands','West Midlands','East of England','London','South East','South West'])[1 + (1 + g % 150) % 9], 'active', 0, 0, now(), now()
       FROM generate_series(1, {AWARDS}) g""",  # noqa: S608 — only the module's own integer constant is interpolated
    """INSERT INTO grants_budgetline (id, award_id, category, financial_year, kind, amount_pence, created_at, updated_at)
       SELECT gen_random_uuid(), a.id, c.cat, y, 'revenue', 2000000 / 24, now(), now()
       FROM grants_award a, unnest(ARRAY['staffing','activities','transport','equipment','premises','training','evaluation','management']) c(cat), generate_series(2024, 2026) y""",
    """INSERT INTO grants_spendreturn (id, award_id, financial_year, quarter, status, created_by_id, over_budget_approved, decision_reason, created_at, updated_at)
       SELECT gen_random_uuid(), a.id, y, q, (ARRAY['approved','approved','approved','submitted','queried','resubmitted','rejected','draft'])[1 + (y * 4 + q + abs(hashtext(a.id::text))) % 8],
              '00000000-0000-0000-0000-0000000000aa', false, '', now(), now()
       FROM grants_award a, generate_series(2024, 2026) y, generate_series(1, 4) q""",
    f"""INSERT INTO grants_expenditureline (spend_return_id, spent_on, amount_pence, category, description, evidence_reference, financial_year, quarter, spent_month, created_at)
       SELECT r.id, d, 100 + (g % 5000), (ARRAY['staffing','activities','transport','equipment','premises','training','evaluation','management'])[1 + g % 8], 'x', '',
              r.financial_year, r.quarter, date_trunc('month', d)::date, now()
       FROM (SELECT id, financial_year, quarter, row_number() OVER (ORDER BY id) AS n FROM grants_spendreturn) r,
            generate_series(1, {LINES // (AWARDS * 12)}) g,
            LATERAL (SELECT (make_date(r.financial_year + (r.quarter * 3 + 1) / 12, ((r.quarter - 1) * 3 + 3) % 12 + 1, 1) + (g % 28))::date AS d) dd""",  # noqa: S608 — only the module's own integer constants are interpolated
    "ANALYZE",
]


async def main() -> None:
    url = os.environ["DATABASE_URL"]
    settings = load_settings(
        {"DATABASE_URL": url, "SHORTBREAKS_ENV": "test", "SHORTBREAKS_VAR_DIR": "/tmp/bench-var", "SECRET_KEY": "x" * 60}
    )
    if "--seed" in sys.argv:
        await migrate(settings)
        await close_db()
    await init_db(settings)
    try:
        conn = connections.get("default")
        if "--seed" in sys.argv:
            for statement in SEED:
                started = time.perf_counter()
                await conn.execute_script(statement)
                print(f"{time.perf_counter() - started:6.1f}s  {statement.split()[0:3]}")
        print("lines:", (await conn.execute_query_dict("SELECT count(*) AS n FROM grants_expenditureline"))[0]["n"])
        fund = await Fund.get(name="Bench fund").select_related("funder")
        funder = await load_principal(await User.get(email="funder@example.com"))
        one_la = await Organisation.filter(kind="local_authority").order_by("identifier").first()
        one_award = await Award.filter(fund_id=fund.id).order_by("reference").first()
        filters = {
            "none": ReportQuery(),
            "region": ReportQuery(region="London"),
            "local_authority": ReportQuery(local_authority_id=one_la.id),
            "grantee": ReportQuery(grantee_id=one_award.recipient_id),
            "round": ReportQuery(round_id=one_award.round_id),
            "category": ReportQuery(category="staffing"),
            "financial_year": ReportQuery(financial_year=2025),
            "quarter": ReportQuery(quarter=2),
        }
        as_of = datetime(2026, 6, 10, tzinfo=UTC).date()
        for name, query in filters.items():
            times = []
            for _ in range(7):
                started = time.perf_counter()
                await queries.fund_report(fund, query, funder, as_of=as_of)
                times.append((time.perf_counter() - started) * 1000)
            print(f"{name:16} median {statistics.median(times):7.1f} ms  (min {min(times):.1f})")
    finally:
        await close_db()


if __name__ == "__main__":
    asyncio.run(main())
