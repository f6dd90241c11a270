"""An application to decide, in a served app's demo database, for ``test_decide.py``.

Run as ``python -m tests.browser.decide_world`` with the server's environment: on top of the demo
data it sends an application from the demo family (family@example.com) for Birmingham's short
breaks allowance, as the family's form would leave it, and adds a second officer of the council
(reviewer@example.com, demo password) to review decisions. Prints ``{"application_id": …,
"reference": …}`` on its last line.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from bookings.models import Child
from entitlements.enums import ApplicationStatus, StatementStatus
from entitlements.models import Application, CouncilProfile, Tier
from shortbreaks.accounts.enums import Role
from shortbreaks.accounts.models import User
from shortbreaks.accounts.services import ensure_membership
from shortbreaks.db import close_db, init_db
from shortbreaks.demo import DEMO_PASSWORD
from shortbreaks.security import hash_password
from shortbreaks.settings import load_settings


async def build() -> dict[str, str]:
    await init_db(load_settings())
    try:
        council = await CouncilProfile.get(slug="birmingham").select_related("local_authority")
        tier = await Tier.get(statement__council_id=council.id, statement__status=StatementStatus.PUBLISHED, code="targeted")
        family = await User.get(email="family@example.com")
        child = await Child.filter(family_id=family.id).order_by("first_name").first()
        assert child is not None
        application = await Application.create(
            reference="AP-BROW-SE",
            council_id=council.id,
            family_id=family.id,
            child_id=child.id,
            tier_id=tier.id,
            tier_code=tier.code,
            status=ApplicationStatus.SUBMITTED,
            submitted_at=datetime.now(UTC) - timedelta(days=2),
            answers={"ehc_plan": "yes", "What helps at home?": "An evening off each week"},
        )
        reviewer = await User.create(
            email="reviewer@example.com",
            password_hash=hash_password(DEMO_PASSWORD),
            display_name="Rita Reviewer",
            email_verified_at=datetime.now(UTC),
        )
        await ensure_membership(reviewer, council.local_authority, Role.LA_OFFICER)
        return {"application_id": str(application.id), "reference": application.reference, "child": child.first_name}
    finally:
        await close_db()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(build())))
