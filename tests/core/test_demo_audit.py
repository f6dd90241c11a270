"""Demo data is deterministic and idempotent; the audit log is append-only."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from tortoise import Tortoise

from shortbreaks import audit
from shortbreaks.demo import DEMO_USERS, load_demo_data
from shortbreaks.models import AuditEvent
from tests.factories import NOW


async def _row_counts() -> dict[str, int]:
    counts = {}
    for app_models in Tortoise.apps.values():
        for model in app_models.values():
            counts[model._meta.db_table] = await model.all().count()
    return counts


async def test_demo_data_loads_once_and_a_second_run_changes_nothing(app: Starlette) -> None:
    assert await load_demo_data(app.state.settings, now=NOW) is True
    first = await _row_counts()
    from shortbreaks.accounts.models import User

    assert await User.filter(email__in=[u[0] for u in DEMO_USERS]).count() == len(DEMO_USERS)
    assert await load_demo_data(app.state.settings, now=NOW) is False
    assert await _row_counts() == first


async def test_the_audit_log_refuses_updates_and_deletes() -> None:
    event = await audit.record("core.test.happened", actor=None, record_type="thing", record_id="1", now=NOW, after={"a": 1})
    # SQLite's RAISE comes through Tortoise as OperationalError; PostgreSQL's as asyncpg's RaiseError.
    with pytest.raises(Exception, match="append-only"):
        await AuditEvent.filter(id=event.id).update(action="core.test.rewritten")
    with pytest.raises(Exception, match="append-only"):
        await AuditEvent.filter(id=event.id).delete()
    assert (await AuditEvent.get(id=event.id)).action == "core.test.happened"


async def test_audit_records_name_actor_action_record_and_request(client) -> None:
    from tests.factories import make_user

    user = await make_user()
    response = await client.post(
        "/api/v1/auth/tokens", json={"email": user.email, "password": "correct horse battery"}, headers={"X-Request-ID": "req-abcdef12"}
    )
    assert response.status_code == 201
    event = await AuditEvent.get(action="core.api_token.created")
    assert (event.actor_id, event.record_type, event.request_id) == (user.id, "api_token", "req-abcdef12")


async def test_the_database_keeps_emails_lower_case_and_memberships_unique() -> None:
    from shortbreaks.accounts.enums import Role
    from shortbreaks.accounts.models import Membership, User
    from tests.factories import make_organisation, make_user

    with pytest.raises(Exception, match="core_user_email_lower"):
        await User.create(email="Mixed@Example.com", password_hash="x", display_name="X")
    user = await make_user()
    organisation = await make_organisation()
    await Membership.create(user=user, organisation=organisation, role=Role.FAMILY)
    with pytest.raises(Exception, match=r"core_membership_unique|UNIQUE constraint failed"):
        await Membership.create(user=user, organisation=organisation, role=Role.FAMILY)
