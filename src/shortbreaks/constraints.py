"""Database rule violations as domain errors, by the violated constraint's exact name.

Capacity, balances and uniqueness are enforced by the database (CHECK constraints, unique and
exclusion constraints, partial unique indexes, and on SQLite triggers that raise
``CHECK constraint failed: <name>``). When one refuses a write, the service raises the
``DomainError`` that a Python check would have raised. Which error belongs to which constraint is
declared once, next to the migrations that create the constraints: each package's
``constraints.py`` holds ``CONSTRAINTS = [Constraint(...), …]`` (the core's is
:mod:`shortbreaks.accounts.constraints`). ``tests/core/test_constraint_registry.py`` fails when
the migrated database (either backend) has a named constraint that no entry names, so renaming or
adding a constraint cannot silently change what the API answers.

How the name is found: asyncpg puts it on the exception (``constraint_name``); SQLite names a
CHECK (and our triggers name theirs) in the message, but reports a unique violation by its columns
(``UNIQUE constraint failed: table.a, table.b``), so unique entries also give ``table`` and
``columns``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from shortbreaks.domains import CORE_CONSTRAINT_MODULES, DOMAIN_PACKAGES, optional_module

_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (\w+)")
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)")


@dataclass(frozen=True)
class Constraint:
    """One named constraint and what a violation of it means to the user.

    ``error`` makes the ``DomainError`` to raise; ``None`` means the violation is a clash with a
    concurrent write that the caller retries (see :class:`Clash`). ``table`` and ``columns`` are
    required for unique constraints and indexes (SQLite names their columns, not their name).
    """

    name: str
    error: Callable[[], Exception] | None
    table: str = ""
    columns: tuple[str, ...] = ()


class Clash(Exception):
    """A constraint whose violation means "run the transaction again" (e.g. a random reference taken twice)."""

    def __init__(self, constraint: Constraint) -> None:
        super().__init__(constraint.name)
        self.constraint = constraint


def _modules() -> Iterable[str]:
    yield from CORE_CONSTRAINT_MODULES
    for package in DOMAIN_PACKAGES:
        yield f"{package}.constraints"


@cache
def registry() -> dict[str, Constraint]:
    """Every declared constraint by name (the core's, then each domain package's ``constraints``)."""
    found: dict[str, Constraint] = {}
    for qualified in _modules():
        package, _, name = qualified.rpartition(".")
        module = optional_module(package, name)
        for constraint in getattr(module, "CONSTRAINTS", ()):
            if constraint.name in found:
                raise RuntimeError(f"constraint {constraint.name} is declared twice")
            found[constraint.name] = constraint
    return found


@cache
def _by_columns() -> dict[tuple[str, frozenset[str]], Constraint]:
    return {(c.table, frozenset(c.columns)): c for c in registry().values() if c.columns}


def violated(exc: BaseException) -> Constraint | None:
    """The registered constraint that ``exc`` (or an exception it wraps) reports, if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for candidate in (current, *(a for a in current.args if isinstance(a, BaseException))):
            name = getattr(candidate, "constraint_name", None)
            if name:
                return registry().get(str(name))
            found = _from_sqlite_message(str(candidate))
            if found is not None:
                return found
        current = current.__cause__ or current.__context__
    return None


def _from_sqlite_message(message: str) -> Constraint | None:
    if match := _SQLITE_CHECK.search(message):
        return registry().get(match.group(1))
    if match := _SQLITE_UNIQUE.search(message):
        qualified = match.group(1).split(", ")
        table = qualified[0].partition(".")[0]
        return _by_columns().get((table, frozenset(q.partition(".")[2] for q in qualified)))
    return None


def translate(exc: BaseException) -> Exception | None:
    """The error a violation of a registered constraint means: its ``DomainError``, a :class:`Clash`
    to retry, or ``None`` when ``exc`` reports no registered constraint (a bug: let it raise)."""
    constraint = violated(exc)
    if constraint is None:
        return None
    if constraint.error is None:
        return Clash(constraint)
    return constraint.error()
