"""Privacy operations: the one registry of tables that hold personal data, and what uses it.

Every model with personal data is registered here with how its rows relate to a family
(``family``: a field path ending at the family's user id, or ``to_email`` style paths matched
against the family's email), how they relate to a child (``child``), which fields a subject
access export includes, and what erasure does to them. Models that look personal but are not
are marked with a reason. ``tests/privacy`` fails when a model is in neither list.

The core registers its own models below; each domain package registers its models in
``<package>.privacy`` (loaded by :func:`load`), so the registry and the schema move together.

- :func:`export_subject`: a subject access export for a family, or one child, from the registry.
- Erasure: ``bookings.services.erase_family`` is the use case; it calls :func:`erase_registered`
  for the rows the registry says are deleted, and the audit log keeps its records (append-only,
  holding ids and codes only, never names or care details).
- Retention: see ``bookings.privacy`` (care profiles of children with no booking for two years).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from shortbreaks.accounts.models import (
    ApiToken,
    Invitation,
    LoginAttempt,
    Membership,
    Organisation,
    PasswordReset,
    RecoveryCode,
    User,
    WebSession,
)
from shortbreaks.domains import DOMAIN_PACKAGES, optional_module
from shortbreaks.models import AuditEvent, JobOutbox, OutboxMessage


class Erasure(StrEnum):
    DELETE = "delete"  # the rows are deleted
    ANONYMISE = "anonymise"  # the row stays (other records point at it); its personal fields are overwritten
    REVOKE = "revoke"  # the row stays as a record of access, revoked; it holds no personal data itself
    KEEP = "keep"  # kept on purpose (the reason says why); holds no personal data once the rest is erased


@dataclass(frozen=True)
class PersonalData:
    model: type[Model]
    # Field path from this model to the family's user id (``family_id``, ``child__family_id``), or
    # to the family's email when ``by_email`` (rows with no foreign key, such as sent emails).
    family: str
    export: tuple[str, ...]
    erasure: Erasure
    why: str
    child: str | None = None
    by_email: bool = False
    personal_fields: tuple[str, ...] = field(default=())
    # Rows that point at stored files (``DELETE`` only): (the field holding a file's storage key,
    # the job that removes those files). The erasure collects the keys in its transaction and
    # enqueues the job after it commits (:func:`remove_erased_files`).
    stored_files: tuple[str, str] | None = None


REGISTRY: dict[type[Model], PersonalData] = {}
NOT_PERSONAL: dict[type[Model], str] = {}


def register(entry: PersonalData) -> None:
    REGISTRY[entry.model] = entry


def mark_not_personal(model: type[Model], reason: str) -> None:
    NOT_PERSONAL[model] = reason


_loaded = False


def load() -> dict[type[Model], PersonalData]:
    """The registry with every domain package's entries (``<package>.privacy``) loaded."""
    global _loaded
    if not _loaded:
        for package in DOMAIN_PACKAGES:
            optional_module(package, "privacy")
        _loaded = True
    return REGISTRY


# --- the core's personal data ---------------------------------------------------------------

register(
    PersonalData(
        User,
        family="id",
        export=("id", "email", "display_name", "created_at", "email_verified_at"),
        erasure=Erasure.ANONYMISE,
        why="the account; anonymised (email, name, password) and deactivated, the row stays for the records that point at it",
        personal_fields=("email", "display_name"),
    )
)
register(
    PersonalData(
        Membership,
        family="user_id",
        export=("organisation_id", "role", "created_at"),
        erasure=Erasure.KEEP,
        why="which local authority the family belongs to; kept for the authority's figures, it names no one once the account is anonymised",
    )
)
register(
    PersonalData(
        WebSession,
        family="user_id",
        export=("created_at", "last_seen_at", "expires_at", "revoked_at"),
        erasure=Erasure.REVOKE,
        why="signed-in browsers; revoked at erasure",
    )
)
register(
    PersonalData(
        ApiToken,
        family="user_id",
        export=("name", "prefix", "created_at", "last_used_at", "revoked_at"),
        erasure=Erasure.REVOKE,
        why="API tokens (only hashes stored); revoked at erasure",
    )
)
register(
    PersonalData(
        PasswordReset,
        family="user_id",
        export=("created_at", "expires_at", "used_at"),
        erasure=Erasure.DELETE,
        why="forgotten-password links asked for (only hashes of their tokens stored, good for 30 minutes); deleted at erasure",
    )
)
register(
    PersonalData(
        RecoveryCode,
        family="user_id",
        export=(),
        erasure=Erasure.DELETE,
        why="hashes of one-time second-factor codes: not exported (they are secrets), deleted at erasure",
    )
)
register(
    PersonalData(
        OutboxMessage,
        family="to_email",
        by_email=True,
        export=("subject", "body", "status", "created_at", "sent_at"),
        erasure=Erasure.DELETE,
        why="emails we sent the family; deleted at erasure",
        personal_fields=("to_email", "body"),
    )
)
register(
    PersonalData(
        Invitation,
        family="email",
        by_email=True,
        export=("organisation_id", "role", "created_at", "expires_at", "accepted_at"),
        erasure=Erasure.DELETE,
        why="staff invitations sent to this email; deleted at erasure",
        personal_fields=("email",),
    )
)
mark_not_personal(LoginAttempt, "holds a keyed hash of the email and the IP address, kept briefly for throttling; no name, no email")
mark_not_personal(
    AuditEvent, "append-only record of changes: actor id, action code, record id; tests check it holds no names, emails or care details"
)
mark_not_personal(JobOutbox, "job names and ids only (jobs never take personal data)")
mark_not_personal(
    Organisation, "an organisation's public contact details (a council's short breaks phone, email and web page), not a person's"
)


# --- export and erasure ---------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if hasattr(value, "value") and isinstance(getattr(value, "value", None), (str, int)):
        return value.value
    return value


def _filter(entry: PersonalData, *, family_id: UUID, email: str, child_id: UUID | None) -> dict[str, Any] | None:
    """The filter for this entry's rows about the family (and the child), or None if it has none."""
    if child_id is not None:
        if entry.child is None:
            return None
        return {entry.child: child_id}
    return {entry.family: email if entry.by_email else family_id}


async def export_subject(family: User, *, child_id: UUID | None = None) -> dict[str, list[dict[str, Any]]]:
    """A subject access export: every registered table's rows about the family (or one child of
    it), with the fields the registry exports, keyed by table. JSON-ready.
    """
    if child_id is not None:
        # Only a child of this family: the child-scoped filters below also check the family.
        registry = load()
        child_entry = next((e for e in registry.values() if e.child == "id"), None)
        if child_entry is None or not await child_entry.model.filter(id=child_id, **{child_entry.family: family.id}).exists():
            from shortbreaks.errors import NotFound

            raise NotFound("Child not found")
    result: dict[str, list[dict[str, Any]]] = {}
    for entry in sorted(load().values(), key=lambda e: e.model._meta.db_table):
        if not entry.export:
            continue
        where = _filter(entry, family_id=family.id, email=family.email, child_id=child_id)
        if where is None:
            continue
        rows = await entry.model.filter(**where).order_by(*[f for f in ("created_at", "id") if f in entry.model._meta.fields_map])
        result[entry.model._meta.db_table] = [{f: _jsonable(getattr(row, f)) for f in entry.export} for row in rows]
    return result


async def erase_registered(
    family: User, *, now: datetime, using_db: BaseDBAsyncClient, files: dict[str, list[str]] | None = None
) -> dict[str, int]:
    """Delete the rows the registry marks ``DELETE`` for this family and revoke those it marks
    ``REVOKE`` (private URLs, sessions and tokens stop at once); call inside the erasure's
    transaction, before the account is anonymised (rows found by email need the real email).
    Returns the rows deleted or revoked per table. ``files`` collects, per job, the storage keys of
    the files the deleted rows pointed at: pass them to :func:`remove_erased_files` after commit.
    """
    deleted: dict[str, int] = {}
    for entry in load().values():
        where = {entry.family: family.email if entry.by_email else family.id}
        if entry.erasure is Erasure.REVOKE:
            revoked = entry.model.filter(**where, revoked_at=None).using_db(using_db)
            deleted[entry.model._meta.db_table] = await revoked.update(revoked_at=now)
            continue
        if entry.erasure is not Erasure.DELETE:
            continue
        pk = entry.model._meta.pk_attr
        ids = list(await entry.model.filter(**where).using_db(using_db).values_list(pk, flat=True))
        if entry.stored_files is not None and files is not None and ids:
            key_field, job = entry.stored_files
            keys = await entry.model.filter(**{f"{pk}__in": ids}).using_db(using_db).values_list(key_field, flat=True)
            files.setdefault(job, []).extend(str(k) for k in keys)
        deleted[entry.model._meta.db_table] = await entry.model.filter(**{f"{pk}__in": ids}).using_db(using_db).delete() if ids else 0
    return deleted


async def remove_erased_files(files: dict[str, list[str]]) -> None:
    """After the erasure has committed: enqueue each package's job that removes its stored files
    (keys are random names, not personal data, so they may travel as job arguments)."""
    from shortbreaks import jobs

    for job, keys in files.items():
        if keys:
            await jobs.enqueue(job, keys=keys)
