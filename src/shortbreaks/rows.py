"""Joined reads for the hot paths, straight into Tortoise model objects.

``Model.filter(...).select_related(...)`` costs about 0.4–0.6 ms of CPU per call in Tortoise
1.1 (pypika builds the joined query afresh every time, then each model is hydrated through
the generic executor), against about 0.06 ms for the same SQL through the connection. On the
paths every booking request takes (the bearer token and its user's memberships, the session
with its service and provider) that was a third of the server's time in the booking rush (see
bench/README.md). :func:`select_joined` runs hand-written SQL whose columns it generates from
the models, and hydrates the rows with Tortoise's own ``_init_from_db``, so the objects are the
ones the ORM would have returned (same field conversions on SQLite and PostgreSQL).
:func:`execute` does the same for the hot path's conditional updates.

Use it only where a benchmark shows the ORM's cost; everywhere else the ORM reads better.
``tests/core/test_rows.py`` checks it against the ORM on both databases.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar
from uuid import UUID

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

M = TypeVar("M", bound=Model)

_PARAM = re.compile(r"\{(\d+)\}")


def columns(alias: str, model: type[Model]) -> str:
    """``alias."col" AS "alias__col", ...`` for every column of ``model``."""
    return ", ".join(f'{alias}."{column}" AS "{alias}__{column}"' for column in model._meta.db_fields)


def _placeholders(sql: str, dialect: str) -> str:
    """``{0}``, ``{1}``… become ``$1``, ``$2``… (PostgreSQL) or ``?1``, ``?2``… (SQLite)."""
    mark = "$" if dialect == "postgres" else "?"
    return _PARAM.sub(lambda m: f"{mark}{int(m.group(1)) + 1}", sql)


def _value(value: Any, dialect: str) -> Any:
    # Tortoise stores UUIDs as text on SQLite; asyncpg takes them as they are.
    if dialect == "sqlite" and isinstance(value, UUID):
        return str(value)
    return value


def hydrate(model: type[M], row: dict[str, Any], alias: str) -> M | None:
    """The ``alias`` part of a joined row as a model object (``None`` for a LEFT JOIN that matched nothing)."""
    prefix = f"{alias}__"
    values = {key[len(prefix) :]: value for key, value in row.items() if key.startswith(prefix)}
    if values.get(model._meta.db_pk_column) is None:
        return None
    return model._init_from_db(**values)


async def select_joined(
    tables: str, values: list[Any], models: dict[str, type[Model]], *, using_db: BaseDBAsyncClient | None = None
) -> list[dict[str, Any]]:
    """``SELECT <every column of every model> FROM <tables>``: each row as ``{alias: model object}``.

    ``tables`` is the rest of the statement (``FROM``, joins, ``WHERE``, ``ORDER BY``, ``LIMIT``),
    with ``{0}``, ``{1}``… for the ``values``. Aliases in ``models`` must be the SQL aliases.
    """
    conn = using_db or connections.get("default")
    dialect = conn.capabilities.dialect
    sql = "SELECT " + ", ".join(columns(alias, model) for alias, model in models.items()) + " " + _placeholders(tables, dialect)
    rows = await conn.execute_query_dict(sql, [_value(v, dialect) for v in values])
    return [{alias: hydrate(model, row, alias) for alias, model in models.items()} for row in rows]


async def execute(statement: str, values: list[Any], *, using_db: BaseDBAsyncClient | None = None) -> int:
    """Run one hand-written ``UPDATE``/``DELETE`` (``{0}``, ``{1}``… for the ``values``); how many rows
    it changed (on SQLite, trigger changes count too, so treat it as "none or some").

    For the conditional updates on the booking hot path (take a place, debit an allocation), where
    building the statement through the ORM cost more than running it.
    """
    conn = using_db or connections.get("default")
    dialect = conn.capabilities.dialect
    changed, _ = await conn.execute_query(_placeholders(statement, dialect), [_value(v, dialect) for v in values])
    return int(changed)


async def update_returning(model: type[M], statement: str, values: list[Any], *, using_db: BaseDBAsyncClient | None = None) -> list[M]:
    """``UPDATE <model's table> <statement> RETURNING <every column>``: the changed rows as model objects.

    ``statement`` is the ``SET … WHERE …`` part, with ``{0}``, ``{1}``… for the ``values``. Claiming
    a row and reading it in one round trip (SQLite has had ``RETURNING`` since 3.35).
    """
    conn = using_db or connections.get("default")
    dialect = conn.capabilities.dialect
    returning = ", ".join(f'"{column}" AS "m__{column}"' for column in model._meta.db_fields)
    sql = f'UPDATE "{model._meta.db_table}" {_placeholders(statement, dialect)} RETURNING {returning}'
    found = await conn.execute_query_dict(sql, [_value(v, dialect) for v in values])
    return [obj for row in found if (obj := hydrate(model, row, "m")) is not None]


async def select_rows(statement: str, values: list[Any], *, using_db: BaseDBAsyncClient | None = None) -> list[dict[str, Any]]:
    """A hand-written ``SELECT`` (``{0}``, ``{1}``… for the ``values``): its rows as dicts, each value as the
    driver returns it (asyncpg: ``UUID``, ``datetime``; SQLite: text for both). For reads of a few
    plain columns on a hot path, where hydrating models would cost more than the read."""
    conn = using_db or connections.get("default")
    dialect = conn.capabilities.dialect
    return list(await conn.execute_query_dict(_placeholders(statement, dialect), [_value(v, dialect) for v in values]))
