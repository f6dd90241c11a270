"""Entitlements use cases: the only code that changes council profiles, statements and tiers.

Every public function checks its input and the actor first, then owns one transaction
(:func:`transaction`, which raises a violated named constraint as the error
:mod:`entitlements.constraints` gives it) and writes one audit record. Nothing is half-written:
a whole version (its tiers too) is created in one transaction or not at all. Only a draft
version changes; publishing replaces the published version (which stays readable) under a lock
on the council's profile, so two officers publishing at once cannot both win.

``actor`` is a :class:`~shortbreaks.permissions.Principal` (an officer of the council), or
``None`` for the system (the demo data, the command line). Services take ``now``; they never
read the clock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.functions import Max
from tortoise.transactions import in_transaction

from entitlements import permissions
from entitlements.enums import StatementStatus, TierKind
from entitlements.errors import DraftExists, NotADraft
from entitlements.models import CouncilProfile, Statement, Tier
from entitlements.schemas import CouncilProfileIn, StatementIn, StatementPartIn, TierIn
from shortbreaks import audit, constraints
from shortbreaks.accounts.enums import OrganisationKind
from shortbreaks.accounts.models import Organisation
from shortbreaks.errors import FieldError, PermissionDenied, ValidationFailed
from shortbreaks.permissions import Principal

STATEMENT_FIELDS = ("introduction", "local_needs", "contact_email", "contact_phone", "contact_details")
TIER_FIELDS = ("code", "kind", "name", "criteria", "rules", "hours_per_year", "pence_per_year", "gives", "service_kinds", "how_to_apply")


@asynccontextmanager
async def transaction() -> AsyncIterator[BaseDBAsyncClient]:
    """``in_transaction()``, with a violated named constraint raised as its domain error."""
    try:
        async with in_transaction() as conn:
            yield conn
    except IntegrityError as exc:
        error = constraints.translate(exc)
        if error is None:
            raise
        raise error from exc


def _require_officer(actor: Principal | None, local_authority_id: Any) -> None:
    if actor is not None and not permissions.is_officer_for(actor, local_authority_id):
        raise PermissionDenied("Only an officer of the council can do that")


def _user(actor: Principal | None) -> Any:
    return actor.user if actor is not None else None


def check_tier(tier: TierIn, *, prefix: str = "") -> None:
    """A tier a family could act on: a targeted or specialist tier must say how to apply."""
    if tier.kind.needs_application and not tier.how_to_apply.strip():
        raise ValidationFailed.field(
            f"{prefix}how_to_apply",
            f"Say how a family applies for the {tier.kind.value} tier '{tier.name}': every tier but a universal one needs a way to apply",
        )


def check_tiers(tiers: Sequence[TierIn]) -> None:
    """Every tier checked (:func:`check_tier`), and each code once, all errors together."""
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, tier in enumerate(tiers):
        try:
            check_tier(tier, prefix=f"tiers.{i}.")
        except ValidationFailed as exc:
            errors.extend(exc.errors)
        if tier.code in seen:
            errors.append(FieldError(f"tiers.{i}.code", f"Two tiers have the code '{tier.code}': each needs its own"))
        seen.add(tier.code)
    if errors:
        raise ValidationFailed(errors[0].message, errors=errors)


# --- the council's profile -----------------------------------------------------------------------------


async def save_council_profile(
    local_authority: Organisation, body: CouncilProfileIn, *, actor: Principal | None, now: datetime
) -> CouncilProfile:
    """Create or change a council's web address, allowance year and area."""
    _require_officer(actor, local_authority.id)
    if local_authority.kind != OrganisationKind.LOCAL_AUTHORITY:
        raise ValidationFailed.field("local_authority_id", "Only a local authority publishes a short breaks statement")
    try:
        date(2001, body.allowance_year_start_month, body.allowance_year_start_day)  # 2001: not a leap year, so never 29 February
    except ValueError:
        raise ValidationFailed.field("allowance_year_start_day", "Enter a day that is in every year, like 1 April") from None
    values = {
        "slug": body.slug,
        "allowance_year_start_month": body.allowance_year_start_month,
        "allowance_year_start_day": body.allowance_year_start_day,
        "postcode_districts": list(dict.fromkeys(body.postcode_districts)),
    }
    async with transaction() as conn:
        profile = await CouncilProfile.filter(local_authority_id=local_authority.id).using_db(conn).select_for_update().first()
        before = {k: getattr(profile, k) for k in values} if profile is not None else None
        if profile is None:
            profile = await CouncilProfile.create(local_authority_id=local_authority.id, **values, using_db=conn)
        else:
            profile.update_from_dict(values)
            await profile.save(using_db=conn)
        await audit.record(
            "entitlements.council_profile.saved",
            actor=_user(actor),
            record_type="council_profile",
            record_id=profile.id,
            now=now,
            before=before,
            after=values,
            using_db=conn,
        )
    return profile


# --- statement versions ------------------------------------------------------------------------------------


async def _lock_council(council: CouncilProfile, conn: BaseDBAsyncClient) -> None:
    """Take the council's row lock: version numbers and publishing go one at a time per council."""
    await CouncilProfile.filter(id=council.id).using_db(conn).select_for_update().first()


async def _next_number(council: CouncilProfile, conn: BaseDBAsyncClient) -> int:
    rows = await Statement.filter(council_id=council.id).using_db(conn).annotate(top=Max("number")).values("top")
    top = rows[0]["top"] if rows else None
    return int(top or 0) + 1


async def _create_tier(statement: Statement, tier: TierIn, position: int, conn: BaseDBAsyncClient) -> Tier:
    data = tier.model_dump(mode="json")
    return await Tier.create(statement_id=statement.id, position=position, **data, using_db=conn)


async def create_draft(council: CouncilProfile, *, actor: Principal | None, now: datetime) -> Statement:
    """Start the next version as a copy of the published one (or empty): there is one draft at a time."""
    _require_officer(actor, council.local_authority_id)
    async with transaction() as conn:
        await _lock_council(council, conn)
        if await Statement.filter(council_id=council.id, status=StatementStatus.DRAFT).using_db(conn).exists():
            raise DraftExists()
        published = await Statement.filter(council_id=council.id, status=StatementStatus.PUBLISHED).using_db(conn).first()
        number = await _next_number(council, conn)
        copied = {f: getattr(published, f) for f in STATEMENT_FIELDS} if published is not None else {}
        draft = await Statement.create(council_id=council.id, number=number, created_by=_user(actor), **copied, using_db=conn)
        if published is not None:
            for tier in await Tier.filter(statement_id=published.id).using_db(conn).order_by("position", "code"):
                await Tier.create(
                    statement_id=draft.id, position=tier.position, **{f: getattr(tier, f) for f in TIER_FIELDS}, using_db=conn
                )
        await audit.record(
            "entitlements.statement.drafted",
            actor=_user(actor),
            record_type="statement",
            record_id=draft.id,
            now=now,
            after={"council_id": council.id, "number": number, "copied_from": published.number if published else None},
            using_db=conn,
        )
    return draft


async def create_version(council: CouncilProfile, body: StatementIn, *, actor: Principal | None, now: datetime) -> Statement:
    """Write a whole draft version (statement and tiers) in one go; refused whole if any tier has no way to apply."""
    _require_officer(actor, council.local_authority_id)
    check_tiers(body.tiers)
    async with transaction() as conn:
        await _lock_council(council, conn)
        if await Statement.filter(council_id=council.id, status=StatementStatus.DRAFT).using_db(conn).exists():
            raise DraftExists("There is already a draft version: publish it or change it instead")
        number = await _next_number(council, conn)
        fields = body.model_dump(include=set(STATEMENT_FIELDS))
        fields["contact_email"] = fields["contact_email"] or ""
        draft = await Statement.create(council_id=council.id, number=number, created_by=_user(actor), **fields, using_db=conn)
        for position, tier in enumerate(body.tiers):
            await _create_tier(draft, tier, position, conn)
        await audit.record(
            "entitlements.statement.drafted",
            actor=_user(actor),
            record_type="statement",
            record_id=draft.id,
            now=now,
            after={"council_id": council.id, "number": number, "tiers": [t.code for t in body.tiers]},
            using_db=conn,
        )
    return draft


def _require_draft(statement: Statement) -> None:
    if statement.status != StatementStatus.DRAFT:
        raise NotADraft()


async def _council_of(statement: Statement) -> CouncilProfile:
    return await CouncilProfile.get(id=statement.council_id)


async def update_statement(statement: Statement, body: StatementPartIn, *, actor: Principal | None, now: datetime) -> Statement:
    """Change a draft's introduction, local needs and contacts."""
    council = await _council_of(statement)
    _require_officer(actor, council.local_authority_id)
    values = body.model_dump(include=set(STATEMENT_FIELDS))
    values["contact_email"] = values["contact_email"] or ""
    async with transaction() as conn:
        current = await Statement.filter(id=statement.id).using_db(conn).select_for_update().get()
        _require_draft(current)
        current.update_from_dict(values)
        await current.save(using_db=conn)
        await audit.record(
            "entitlements.statement.updated", actor=_user(actor), record_type="statement", record_id=statement.id, now=now, using_db=conn
        )
    return current


async def add_tier(statement: Statement, tier: TierIn, *, actor: Principal | None, now: datetime) -> Tier:
    """Add a tier to a draft, after the others."""
    council = await _council_of(statement)
    _require_officer(actor, council.local_authority_id)
    check_tier(tier)
    async with transaction() as conn:
        current = await Statement.filter(id=statement.id).using_db(conn).select_for_update().get()
        _require_draft(current)
        if await Tier.filter(statement_id=statement.id, code=tier.code).using_db(conn).exists():
            raise ValidationFailed.field("code", "Another tier in this version has that code")
        position = await Tier.filter(statement_id=statement.id).using_db(conn).count()
        created = await _create_tier(current, tier, position, conn)
        await audit.record(
            "entitlements.tier.added",
            actor=_user(actor),
            record_type="tier",
            record_id=created.id,
            now=now,
            after={"statement_id": statement.id, "code": tier.code, "kind": tier.kind},
            using_db=conn,
        )
    return created


async def update_tier(tier: Tier, body: TierIn, *, actor: Principal | None, now: datetime) -> Tier:
    """Change a draft's tier."""
    statement = await Statement.get(id=tier.statement_id)
    council = await _council_of(statement)
    _require_officer(actor, council.local_authority_id)
    check_tier(body)
    async with transaction() as conn:
        current = await Statement.filter(id=statement.id).using_db(conn).select_for_update().get()
        _require_draft(current)
        if await Tier.filter(statement_id=statement.id, code=body.code).exclude(id=tier.id).using_db(conn).exists():
            raise ValidationFailed.field("code", "Another tier in this version has that code")
        before = {"code": tier.code, "kind": tier.kind}
        tier.update_from_dict(body.model_dump(mode="json"))
        await tier.save(using_db=conn)
        await audit.record(
            "entitlements.tier.updated",
            actor=_user(actor),
            record_type="tier",
            record_id=tier.id,
            now=now,
            before=before,
            after={"code": body.code, "kind": body.kind},
            using_db=conn,
        )
    return tier


async def remove_tier(tier: Tier, *, actor: Principal | None, now: datetime) -> None:
    """Take a tier out of a draft."""
    statement = await Statement.get(id=tier.statement_id)
    council = await _council_of(statement)
    _require_officer(actor, council.local_authority_id)
    async with transaction() as conn:
        current = await Statement.filter(id=statement.id).using_db(conn).select_for_update().get()
        _require_draft(current)
        await Tier.filter(id=tier.id).using_db(conn).delete()
        await audit.record(
            "entitlements.tier.removed",
            actor=_user(actor),
            record_type="tier",
            record_id=tier.id,
            now=now,
            before={"statement_id": statement.id, "code": tier.code},
            using_db=conn,
        )


def _tier_in(tier: Tier) -> TierIn:
    return TierIn.model_validate({f: getattr(tier, f) for f in TIER_FIELDS})


async def publish_statement(statement: Statement, *, actor: Principal | None, now: datetime) -> Statement:
    """Publish a draft: the published version is replaced (and stays readable under its number).

    Refused (422) without an introduction or a tier, or with a tier a family could not apply for.
    """
    council = await _council_of(statement)
    _require_officer(actor, council.local_authority_id)
    async with transaction() as conn:
        await _lock_council(council, conn)
        current = await Statement.filter(id=statement.id).using_db(conn).get()
        _require_draft(current)
        tiers = await Tier.filter(statement_id=statement.id).using_db(conn).order_by("position", "code")
        errors: list[FieldError] = []
        if not current.introduction.strip():
            errors.append(FieldError("introduction", "Write an introduction before publishing"))
        if not tiers:
            errors.append(FieldError("tiers", "Add at least one tier before publishing"))
        for tier in tiers:
            if tier.kind != TierKind.UNIVERSAL and not tier.how_to_apply.strip():
                errors.append(FieldError("tiers", f"Say how a family applies for the tier '{tier.name}'"))
        if errors:
            raise ValidationFailed(errors[0].message, errors=errors)
        previous = await Statement.filter(council_id=council.id, status=StatementStatus.PUBLISHED).using_db(conn).first()
        if previous is not None:
            await Statement.filter(id=previous.id).using_db(conn).update(status=StatementStatus.SUPERSEDED)
        await (
            Statement.filter(id=current.id)
            .using_db(conn)
            .update(status=StatementStatus.PUBLISHED, published_at=now, published_by_id=actor.id if actor is not None else None)
        )
        await audit.record(
            "entitlements.statement.published",
            actor=_user(actor),
            record_type="statement",
            record_id=current.id,
            now=now,
            before={"published_number": previous.number if previous else None},
            after={"published_number": current.number, "tiers": [t.code for t in tiers]},
            using_db=conn,
        )
    return await Statement.get(id=statement.id)
