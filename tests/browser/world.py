"""The security tests' world, built in a served app's database, for the accessibility scan.

Run as ``python -m tests.browser.world`` with the server's environment (``DATABASE_URL`` and
the rest): it builds :func:`tests.security.conftest.build_world` through the real services and
prints one JSON object on its last line of output:

- ``values``: a value for every path parameter any route declares (``World.path_values``);
- ``cookies``: a session cookie value for every signed-in role of ``ROLES``, full strength and
  started now (the server's clock is the real one), plus ``staff_second_factor``: provider staff
  half-way through signing in, as ``/sign-in/two-factor`` needs.

The world's people have no password (they cannot sign in through the form), so the scan sets
these cookies in the browser instead.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from shortbreaks.accounts.services import start_session
from shortbreaks.db import close_db, init_db
from shortbreaks.settings import load_settings
from tests.security.conftest import DRAFT_ROUTES, ROLES, STAFF_ROLES, build_world

SESSION_LENGTH = timedelta(hours=12)


async def build() -> dict[str, dict[str, str]]:
    settings = load_settings()
    await init_db(settings)
    try:
        world = await build_world(settings)
        now = datetime.now(UTC)
        cookies = {}
        for role in ROLES:
            if role != "anonymous":
                cookies[role], _ = await start_session(world.users[role], now=now, absolute=SESSION_LENGTH, is_staff=role in STAFF_ROLES)
        cookies["staff_second_factor"], _ = await start_session(
            world.users["staff"], now=now, absolute=SESSION_LENGTH, stage="second_factor", is_staff=True
        )
        return {
            "values": world.path_values(),
            "draft_values": {path: world.path_values(path) for path in DRAFT_ROUTES},
            "cookies": cookies,
        }
    finally:
        await close_db()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(build())))
