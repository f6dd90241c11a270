"""The one way to write SQL by hand, for what the ORM cannot say or a measured hot read needs.

State changes go through the ORM (conditional updates are ``Model.filter(...).update(x=F("x") + n)``
with the affected-row count). Hand-written SQL lives only in a package's ``queries`` or here, and
carries a one-line reason where it is written. It always uses PostgreSQL's numbered placeholders
(``$1``, ``$2``…) with the values passed to the driver as parameters; on SQLite they are rewritten to
``?1``, ``?2``… (SQLite's own numbered form), so one statement serves both databases.

Why reads are hand-written on the hot paths: ``Model.filter(...).select_related(...)`` costs about
0.4–0.6 ms of CPU per call in Tortoise 1.1 (pypika builds the joined query afresh every time),
against about 0.06 ms for the same SQL through the connection; on the bearer-token and
session-for-booking reads every booking takes, that was a third of the server's time in the
booking rush (bench/README.md). :func:`fetch_models` turns such rows into model objects with
Tortoise's public ``Model.construct`` and each field's ``to_python_value``, so they are the objects
the ORM would have returned. ``tests/core/test_sql.py`` checks that against the ORM on both databases.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar
from uuid import UUID

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

M = TypeVar("M", bound=Model)

_PLACEHOLDER = re.compile(r"\$(\d+)")


def _client(using_db: BaseDBAsyncClient | None) -> BaseDBAsyncClient:
    return using_db or connections.get("default")


def _prepare(client: BaseDBAsyncClient, statement: str, values: tuple[Any, ...]) -> tuple[str, list[Any]]:
    if client.capabilities.dialect == "postgres":
        return statement, list(values)
    # SQLite: ``?NNN`` numbered parameters; Tortoise stores UUIDs there as text.
    return _PLACEHOLDER.sub(r"?\1", statement), [str(v) if isinstance(v, UUID) else v for v in values]


async def fetch(statement: str, *values: Any, using_db: BaseDBAsyncClient | None = None) -> list[dict[str, Any]]:
    """Run a hand-written read (``$1``… for ``values``): its rows as dicts, each value as the driver
    returns it (asyncpg: ``UUID``, ``datetime``; SQLite: text for both)."""
    client = _client(using_db)
    sql, params = _prepare(client, statement, values)
    return list(await client.execute_query_dict(sql, params))


async def execute(statement: str, *values: Any, using_db: BaseDBAsyncClient | None = None) -> int:
    """Run a hand-written statement that changes rows; how many it changed (on SQLite, trigger
    changes count too, so treat it as "none or some"). For what the ORM cannot say."""
    client = _client(using_db)
    sql, params = _prepare(client, statement, values)
    changed, _ = await client.execute_query(sql, params)
    return int(changed)


def uuid_value(value: Any) -> UUID:
    """A UUID column as read from a raw row (or ``.values()``): asyncpg gives a ``UUID``, SQLite,
    where Tortoise stores UUIDs as text, a string."""
    return value if isinstance(value, UUID) else UUID(str(value))


def columns(alias: str, model: type[Model]) -> str:
    """``alias."col" AS "alias__col", …`` for every column of ``model``: the select list that
    :func:`fetch_models` reads back."""
    return ", ".join(f'{alias}."{column}" AS "{alias}__{column}"' for column in model._meta.db_fields)


def returning(alias: str, model: type[Model]) -> str:
    """``"col" AS "alias__col", …``: the same for an ``UPDATE … RETURNING`` (SQLite takes no table
    prefix there), read back by :func:`fetch_models` under ``alias``."""
    return ", ".join(f'"{column}" AS "{alias}__{column}"' for column in model._meta.db_fields)


def model_from_row(model: type[M], row: dict[str, Any], alias: str) -> M | None:
    """The ``alias`` part of a row selected with :func:`columns` as a model object that the ORM
    treats as loaded from the database (``None`` for a LEFT JOIN that matched nothing)."""
    meta = model._meta
    prefix = f"{alias}__"
    if row.get(prefix + meta.db_pk_column) is None:
        return None
    values: dict[str, Any] = {}
    for column, name in meta.fields_db_projection_reverse.items():
        value = row[prefix + column]
        values[name] = None if value is None else meta.fields_map[name].to_python_value(value)
    return model.construct(_saved_in_db=True, **values)


async def fetch_models(
    statement: str, *values: Any, models: dict[str, type[Model]], using_db: BaseDBAsyncClient | None = None
) -> list[dict[str, Any]]:
    """Run a hand-written read whose select list is :func:`columns` (or :func:`returning`) for each alias in ``models``:
    each row as ``{alias: model object or None}``."""
    rows = await fetch(statement, *values, using_db=using_db)
    return [{alias: model_from_row(model, row, alias) for alias, model in models.items()} for row in rows]
