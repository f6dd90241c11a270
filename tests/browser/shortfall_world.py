"""A child behind their agreed short breaks, in a served app's demo database, for ``test_shortfalls.py``.

Run as ``python -m tests.browser.shortfall_world`` with the server's environment: on top of the demo
data it adds the Reid family (reid.family@example.com, demo password) in Birmingham with Noah, 8,
autistic, who has this year's 78-hour allowance and an EHC plan agreeing 26 hours a year ("3 hours
every other Saturday") from eight weeks ago, with nothing booked; then runs the nightly shortfall
job once, which opens Noah's case. Prints ``{"child_id": …, "case_id": …}`` on its last line.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta

from bookings import services as booking_services
from entitlements import packages, shortfall_cases
from entitlements.enums import PackagePeriod, PackageSource
from entitlements.models import ShortfallCase
from shortbreaks.accounts.enums import Role
from shortbreaks.accounts.models import Organisation, User
from shortbreaks.accounts.services import ensure_membership, load_principal
from shortbreaks.clock import LONDON
from shortbreaks.db import close_db, init_db
from shortbreaks.demo import DEMO_PASSWORD
from shortbreaks.security import hash_password
from shortbreaks.settings import load_settings


async def build() -> dict[str, str]:
    settings = load_settings()
    await init_db(settings)
    try:
        now = datetime.now(UTC)
        today = now.astimezone(LONDON).date()
        authority = await Organisation.get(identifier="GB-LAE-BIR")
        officer = await User.get(email="officer@example.com")
        family = await User.create(
            email="reid.family@example.com",
            password_hash=hash_password(DEMO_PASSWORD),
            display_name="The Reid family",
            email_verified_at=now,
        )
        await ensure_membership(family, authority, Role.FAMILY)
        born = date(today.year - 8, 3, 4)
        child = await booking_services.create_child(
            family,
            local_authority_id=authority.id,
            first_name="Noah",
            last_name="Reid",
            date_of_birth=born,
            needs=["ASD"],
            care={},
            now=now,
        )
        year = booking_services.financial_year(today)
        await booking_services.grant_allocation(child, actor=officer, year=year, minutes=78 * 60, reason="Short breaks allowance", now=now)
        starts_on = today - timedelta(weeks=8)
        terms = packages.PackageTerms(
            source=PackageSource.EHC_PLAN_H1,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=364),
            per=PackagePeriod.YEAR,
            minutes=26 * 60,
            source_reference="EHCP-7731",
            pattern="3 hours every other Saturday",
            officer_id=officer.id,
        )
        principal = await load_principal(officer)
        await packages.record_package(child, terms, actor=principal, now=now - timedelta(weeks=8))
        await shortfall_cases.run_nightly(now=now, base_url=settings.base_url)
        case = await ShortfallCase.get(child_id=child.id)
        return {"child_id": str(child.id), "case_id": str(case.id)}
    finally:
        await close_db()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(build())))
