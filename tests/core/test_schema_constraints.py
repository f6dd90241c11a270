"""Every constraint a model declares exists in the migrated database.

Tortoise's CreateModel records ``Meta.constraints`` without creating them, so each package
creates them in its migrations; this test catches one that was forgotten, on either database.
"""

from __future__ import annotations

from tortoise import Tortoise, connections

from shortbreaks.db import is_postgres


async def _names_in_database(app) -> str | set[str]:
    connection = connections.get("default")
    if is_postgres(app.state.settings.database_url):
        _, rows = await connection.execute_query(
            "SELECT conname AS name FROM pg_constraint UNION SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'"
        )
        return {row["name"] for row in rows}
    _, rows = await connection.execute_query("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")
    # SQLite: unique indexes carry the constraint's name; CHECKs are table constraints or triggers naming it.
    return "\n".join(f"{row['name']}\n{row['sql']}" for row in rows)


async def test_every_declared_constraint_exists_in_the_database(app) -> None:
    found = await _names_in_database(app)
    missing = []
    for label, models in Tortoise.apps.items():
        for model in models.values():
            for constraint in getattr(model._meta, "constraints", None) or []:
                if constraint.name not in found:
                    missing.append(f"{label}.{model.__name__}: {constraint.name}")
    assert missing == [], "\n".join(missing)
