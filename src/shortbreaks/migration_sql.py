"""Helpers for migrations that need SQL a model cannot express.

``dialect_sql`` runs different statements on PostgreSQL and SQLite (exclusion
constraints, triggers, partial indexes with PostgreSQL-only expressions).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.migrations import operations as ops


def dialect_sql(
    *,
    postgres: Sequence[str],
    sqlite: Sequence[str],
    reverse_postgres: Sequence[str] = (),
    reverse_sqlite: Sequence[str] = (),
) -> ops.RunPython:
    """An operation that runs ``postgres`` or ``sqlite`` statements by the connection's dialect."""

    def _pick(editor: Any, pg: Sequence[str], lite: Sequence[str]) -> Sequence[str]:
        dialect = editor.client.capabilities.dialect
        if dialect == "postgres":
            return pg
        if dialect == "sqlite":
            return lite
        raise RuntimeError(f"unsupported database dialect {dialect!r}")

    # Each statement goes to the connection whole: Tortoise's SQLite schema editor splits
    # scripts on ";", which would cut a trigger body in two.
    async def forward(_apps: Any, editor: Any) -> None:
        for statement in _pick(editor, postgres, sqlite):
            await editor.client.execute_query(statement)

    async def backward(_apps: Any, editor: Any) -> None:
        for statement in _pick(editor, reverse_postgres, reverse_sqlite):
            await editor.client.execute_query(statement)

    return ops.RunPython(forward, backward)


class StateOnly(ops.TortoiseOperation):
    """Record ``operation`` in the migration state without touching the database, for a change
    whose SQL a ``dialect_sql`` step in the same migration makes by hand (a new NOT NULL column
    filled from existing rows, which Tortoise's ``AddField`` cannot do)."""

    def __init__(self, operation: ops.TortoiseOperation) -> None:
        self.operation = operation

    def describe(self) -> str:
        return f"{self.operation.describe()} (state only)"

    def state_forward(self, app_label: str, state: Any) -> None:
        self.operation.state_forward(app_label, state)

    async def database_forward(self, app_label: str, old_state: Any, new_state: Any, state_editor: Any = None) -> None:
        return None

    async def database_backward(self, app_label: str, old_state: Any, new_state: Any, state_editor: Any = None) -> None:
        return None
