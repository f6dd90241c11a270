"""Every named constraint in the migrated database has an entry in ``shortbreaks.constraints``,
and a violation of each kind comes back as the entry's error, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError

from shortbreaks import constraints
from shortbreaks.accounts.errors import EmailTaken
from shortbreaks.accounts.models import User
from shortbreaks.db import is_postgres
from tests.factories import make_user

_NAMED_IN_TRIGGER = re.compile(r"CHECK constraint failed: (\w+)")


async def _postgres_constraints() -> set[tuple[str, str, tuple[str, ...]]]:
    """(table, name, unique columns) of every CHECK, UNIQUE and EXCLUDE constraint and unique index."""
    rows = await connections.get("default").execute_query_dict(
        """
        SELECT t.relname AS "table", i.relname AS name,
               array(SELECT a.attname FROM unnest(x.indkey) k JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k) AS columns
          FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
          JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = 'public' AND x.indisunique AND NOT x.indisprimary
        UNION
        SELECT t.relname, c.conname, ARRAY[]::name[] FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
          JOIN pg_namespace n ON n.oid = c.connamespace
         WHERE n.nspname = 'public' AND c.contype IN ('c', 'x')
        """
    )
    return {(r["table"], r["name"], tuple(r["columns"])) for r in rows}


async def _sqlite_constraints() -> set[tuple[str, str, tuple[str, ...]]]:
    """Unique indexes (autoindexes of UNIQUE columns included) and the CHECKs our triggers raise."""
    conn = connections.get("default")
    found: set[tuple[str, str, tuple[str, ...]]] = set()
    for table in await conn.execute_query_dict("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for index in await conn.execute_query_dict(f"PRAGMA index_list('{table['name']}')"):
            if index["unique"] and index["origin"] != "pk":
                cols = await conn.execute_query_dict(f"PRAGMA index_info('{index['name']}')")
                found.add((table["name"], index["name"], tuple(c["name"] for c in cols)))
    for trigger in await conn.execute_query_dict("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"):
        for name in _NAMED_IN_TRIGGER.findall(trigger["sql"]):
            found.add((trigger["tbl_name"], name, ()))
    return found


async def test_every_named_constraint_in_the_database_has_an_entry(app) -> None:
    postgres = is_postgres(app.state.settings.database_url)
    found = await (_postgres_constraints() if postgres else _sqlite_constraints())
    registry = constraints.registry()
    by_columns = {(c.table, frozenset(c.columns)) for c in registry.values() if c.columns}
    missing = []
    for table, name, columns in sorted(found):
        if table == "tortoise_migrations":
            continue
        if name in registry:
            entry = registry[name]
            if columns and (entry.table, frozenset(entry.columns)) != (table, frozenset(columns)):
                missing.append(f"{name}: the entry says {entry.table}{entry.columns}, the database {table}{columns}")
        elif postgres or (table, frozenset(columns)) not in by_columns:
            # SQLite names a UNIQUE column's index sqlite_autoindex_…: its columns find the entry.
            missing.append(f"{table}: {name} {columns or ''}")
    assert missing == [], "named constraints without an entry in shortbreaks.constraints:\n" + "\n".join(missing)


async def test_an_unregistered_constraint_fails_the_check(app) -> None:
    """The check above is not vacuous: a constraint added without an entry is caught."""
    conn = connections.get("default")
    await conn.execute_script("CREATE UNIQUE INDEX core_user_display_name_extra ON core_user (display_name, created_at)")
    try:
        with pytest.raises(AssertionError, match="core_user_display_name_extra"):
            await test_every_named_constraint_in_the_database_has_an_entry(app)
    finally:
        await conn.execute_script("DROP INDEX core_user_display_name_extra")


async def test_a_unique_violation_becomes_the_entrys_error(app) -> None:
    await make_user(email="taken@example.com")
    with pytest.raises(IntegrityError) as caught:
        await User.create(email="taken@example.com", password_hash="x", display_name="Second")
    assert isinstance(constraints.translate(caught.value), EmailTaken)


async def test_a_check_violation_becomes_the_entrys_error(app) -> None:
    with pytest.raises(IntegrityError) as caught:
        await User.create(email="Mixed@Example.com", password_hash="x", display_name="Upper")
    assert constraints.violated(caught.value) is constraints.registry()["core_user_email_lower"]


def test_an_error_that_names_no_constraint_translates_to_nothing() -> None:
    assert constraints.translate(ValueError("something else")) is None
