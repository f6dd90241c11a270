"""Agreed packages (issue #21): the only code that records, varies and ends what a council has agreed a child gets.

An officer of the child's council records a package (its source, the approved application or the
plan's reference, its dates, the amount and pattern, the child's officer); the first
:class:`~entitlements.models.PackageAmount` runs from ``starts_on`` and is written in the same
transaction. A variation is a new amount from a date inside the package, with a reason; the
earlier amounts stay (the history). Ending early moves ``ends_on`` forward, with a reason kept in
the audit record. Each change locks the package's row first and writes one audit record.

An officer of another council, or anyone else, is told there is no such child or package (404).
A second amount on the same day is refused by the ``entitlements_packageamount_once_a_day``
constraint (409). Services take ``now``; they never read the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient

from bookings.models import Allocation, Child
from entitlements import permissions
from entitlements.decision_queries import list_council_officers
from entitlements.enums import ApplicationStatus, PackagePeriod, PackageSource
from entitlements.models import AgreedPackage, Application, CouncilProfile, PackageAmount
from entitlements.services import transaction
from shortbreaks import audit
from shortbreaks.errors import Conflict, FieldError, NotFound, ValidationFailed
from shortbreaks.permissions import Principal

MAX_TEXT = 5000
MAX_MINUTES = 8784 * 60  # every hour of a leap year
MAX_PENCE = 10**9


@dataclass(frozen=True)
class PackageTerms:
    """What an officer records: where it comes from, its dates, its first amount and its pattern."""

    source: PackageSource
    starts_on: date
    ends_on: date
    per: PackagePeriod
    minutes: int | None = None
    pence: int | None = None
    application_id: UUID | None = None
    source_reference: str = ""
    pattern: str = ""
    officer_id: UUID | None = None


# --- reading, with the officer's council checked -----------------------------------------------------


async def get_child_for_officer(principal: Principal, child_id: UUID) -> Child:
    """A child (not erased) of a council the officer works for, else :class:`NotFound`."""
    child = await Child.get_or_none(id=child_id, erased_at__isnull=True)
    if child is None or not permissions.is_officer_for(principal, child.local_authority_id):
        raise NotFound("There is no child with that reference")
    return child


async def get_child_for_family(principal: Principal, child_id: UUID) -> Child:
    """The family's own child (not erased), else :class:`NotFound`."""
    child = await Child.get_or_none(id=child_id, family_id=principal.id, erased_at__isnull=True)
    if child is None:
        raise NotFound("There is no child with that reference")
    return child


async def get_package(child: Child, package_id: UUID) -> AgreedPackage:
    """One of the child's packages, else :class:`NotFound` (a package of another child is not there)."""
    package = await AgreedPackage.get_or_none(id=package_id, child_id=child.id)
    if package is None:
        raise NotFound("There is no agreed package with that reference")
    return package


async def list_packages(child: Child) -> list[AgreedPackage]:
    """The child's packages, newest start first, each with its amounts (oldest first) loaded."""
    return (
        await AgreedPackage.filter(child_id=child.id)
        .order_by("-starts_on", "-created_at")
        .prefetch_related("amounts", "application", "officer")
    )


def amount_on(amounts: list[PackageAmount], day: date) -> PackageAmount | None:
    """The amount in force on ``day``: the latest ``effective_from`` on or before it."""
    found = None
    for amount in sorted(amounts, key=lambda a: a.effective_from):
        if amount.effective_from <= day:
            found = amount
    return found


# --- checks --------------------------------------------------------------------------------------------


def _require_officer(actor: Principal, child: Child) -> None:
    if not permissions.is_officer_for(actor, child.local_authority_id):
        raise NotFound("There is no child with that reference")


def _reason(value: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed.field("reason", message)
    if len(text) > MAX_TEXT:
        raise ValidationFailed.field("reason", f"Write {MAX_TEXT} characters or fewer")
    return text


def check_amount(minutes: int | None, pence: int | None) -> None:
    """Hours (as minutes) or pence, or both: each more than zero and within reason; at least one."""
    errors: list[FieldError] = []
    if minutes is not None and minutes <= 0:
        errors.append(FieldError("minutes", "Enter hours more than zero"))
    elif minutes is not None and minutes > MAX_MINUTES:
        errors.append(FieldError("minutes", "Enter 8,784 hours or fewer"))
    if pence is not None and pence <= 0:
        errors.append(FieldError("pence", "Enter an amount in pounds more than £0"))
    elif pence is not None and pence > MAX_PENCE:
        errors.append(FieldError("pence", "Enter an amount of £10,000,000 or less"))
    if minutes is None and pence is None:
        errors.append(FieldError("minutes", "Enter the hours or the amount agreed"))
    if errors:
        raise ValidationFailed(errors[0].message, errors=errors)


async def _council(child: Child) -> CouncilProfile:
    council = await CouncilProfile.get_or_none(local_authority_id=child.local_authority_id)
    if council is None:
        raise Conflict("The child's council has not set up its short breaks profile yet")
    return council


async def _check_terms(child: Child, terms: PackageTerms, *, actor: Principal, council: CouncilProfile) -> tuple[str, str, UUID | None]:
    """The terms checked; returns the reference, the pattern and the child's officer, tidied."""
    if terms.ends_on < terms.starts_on:
        raise ValidationFailed.field("ends_on", "The end date must be on or after the start date")
    check_amount(terms.minutes, terms.pence)
    reference = (terms.source_reference or "").strip()
    pattern = (terms.pattern or "").strip()
    if len(reference) > 100:
        raise ValidationFailed.field("source_reference", "Write 100 characters or fewer")
    if len(pattern) > 200:
        raise ValidationFailed.field("pattern", "Write 200 characters or fewer")
    if terms.application_id is not None:
        if terms.source != PackageSource.TIER_DECISION:
            raise ValidationFailed.field("application_id", "Only a package from a short breaks decision comes from an application")
        approved = await Application.filter(
            id=terms.application_id, child_id=child.id, council_id=council.id, status=ApplicationStatus.APPROVED
        ).exists()
        if not approved:
            raise ValidationFailed.field("application_id", "Choose an approved application for this child")
    elif not reference:
        message = (
            "Choose the approved application, or enter the decision's reference"
            if terms.source == PackageSource.TIER_DECISION
            else "Enter the plan's reference, for example its date or case number"
        )
        raise ValidationFailed.field("source_reference", message)
    officer_id = terms.officer_id or actor.id
    officers = {u.id for u in await list_council_officers(child.local_authority_id)}
    if officer_id not in officers:
        raise ValidationFailed.field("officer_id", "Choose an officer of the child's council")
    return reference, pattern, officer_id


# --- the changes ---------------------------------------------------------------------------------------


async def _create(
    child: Child,
    council: CouncilProfile,
    terms: PackageTerms,
    *,
    reference: str,
    pattern: str,
    officer_id: UUID | None,
    actor: Principal,
    now: datetime,
    conn: BaseDBAsyncClient,
) -> AgreedPackage:
    package = await AgreedPackage.create(
        council_id=council.id,
        child_id=child.id,
        source=terms.source,
        application_id=terms.application_id,
        source_reference=reference,
        starts_on=terms.starts_on,
        ends_on=terms.ends_on,
        pattern=pattern,
        officer_id=officer_id,
        recorded_by_id=actor.id,
        using_db=conn,
    )
    await PackageAmount.create(
        package_id=package.id,
        effective_from=terms.starts_on,
        minutes=terms.minutes,
        pence=terms.pence,
        per=terms.per,
        recorded_by_id=actor.id,
        using_db=conn,
    )
    await audit.record(
        "entitlements.package.recorded",
        actor=actor.user,
        record_type="agreed_package",
        record_id=package.id,
        now=now,
        after={
            "child_id": child.id,
            "source": terms.source,
            "application_id": terms.application_id,
            "starts_on": terms.starts_on.isoformat(),
            "ends_on": terms.ends_on.isoformat(),
            "minutes": terms.minutes,
            "pence": terms.pence,
            "per": terms.per,
            "officer_id": officer_id,
        },
        using_db=conn,
    )
    return package


async def record_package(child: Child, terms: PackageTerms, *, actor: Principal, now: datetime) -> AgreedPackage:
    """Record what the child's council has agreed: the package and its first amount, from ``starts_on``, together.

    422 for an end before the start, no amount or one not more than zero, an application that is not
    this child's approved one, a plan with no reference, an officer not of the council; 404 when the
    actor is not an officer of the child's council.
    """
    _require_officer(actor, child)
    council = await _council(child)
    reference, pattern, officer_id = await _check_terms(child, terms, actor=actor, council=council)
    async with transaction() as conn:
        package = await _create(
            child, council, terms, reference=reference, pattern=pattern, officer_id=officer_id, actor=actor, now=now, conn=conn
        )
    return await AgreedPackage.get(id=package.id)


async def record_package_from_application(
    application: Application, *, actor: Principal, now: datetime, conn: BaseDBAsyncClient
) -> AgreedPackage | None:
    """The package an approved application gives, inside the caller's transaction (the approval's).

    Source tier_decision; the amount is the approved hours or pence a year; the dates are the
    allocation's period; the child's officer is the one the application is assigned to, else the
    one deciding. Does nothing (``None``) if the application already has a package or no allocation.
    """
    if application.allocation_id is None:
        return None
    if await AgreedPackage.filter(application_id=application.id).using_db(conn).exists():
        return None
    allocation = await Allocation.get(id=application.allocation_id, using_db=conn)
    child = await Child.get(id=application.child_id, using_db=conn)
    council = await CouncilProfile.get(id=application.council_id, using_db=conn)
    terms = PackageTerms(
        source=PackageSource.TIER_DECISION,
        application_id=application.id,
        source_reference=application.reference,
        starts_on=allocation.starts_on,
        ends_on=allocation.ends_on,
        minutes=application.approved_minutes or None,
        pence=application.approved_pence or None,
        per=PackagePeriod.YEAR,
    )
    check_amount(terms.minutes, terms.pence)
    officer_id = application.assigned_to_id or actor.id
    return await _create(
        child, council, terms, reference=application.reference, pattern="", officer_id=officer_id, actor=actor, now=now, conn=conn
    )


async def _lock(package: AgreedPackage, conn: BaseDBAsyncClient) -> AgreedPackage:
    return await AgreedPackage.filter(id=package.id).using_db(conn).select_for_update().get()


async def vary_package(
    package: AgreedPackage,
    *,
    effective_from: date,
    minutes: int | None,
    pence: int | None,
    per: PackagePeriod,
    reason: str,
    actor: Principal,
    now: datetime,
) -> PackageAmount:
    """A new amount from ``effective_from`` (inside the package's dates), with the reason; earlier amounts are kept.

    422 for a date outside the package (naming ``effective_from``), a missing reason or a bad
    amount; 409 when the package already changes on that date (the constraint).
    """
    child = await Child.get(id=package.child_id)
    _require_officer(actor, child)
    check_amount(minutes, pence)
    text = _reason(reason, "Give the reason for the change")
    async with transaction() as conn:
        current = await _lock(package, conn)
        if effective_from < current.starts_on:
            raise ValidationFailed.field(
                "effective_from", f"The date the new amount starts must be on or after the package's start ({current.starts_on:%-d %B %Y})"
            )
        if effective_from > current.ends_on:
            raise ValidationFailed.field(
                "effective_from", f"The date the new amount starts must be on or before the package's end ({current.ends_on:%-d %B %Y})"
            )
        before = (
            await PackageAmount.filter(package_id=current.id, effective_from__lte=effective_from)
            .using_db(conn)
            .order_by("-effective_from")
            .first()
        )
        amount = await PackageAmount.create(
            package_id=current.id,
            effective_from=effective_from,
            minutes=minutes,
            pence=pence,
            per=per,
            reason=text,
            recorded_by_id=actor.id,
            using_db=conn,
        )
        await AgreedPackage.filter(id=current.id).using_db(conn).update(updated_at=now)
        await audit.record(
            "entitlements.package.varied",
            actor=actor.user,
            record_type="agreed_package",
            record_id=current.id,
            now=now,
            before={"minutes": before.minutes, "pence": before.pence, "per": before.per} if before else None,
            after={"effective_from": effective_from.isoformat(), "minutes": minutes, "pence": pence, "per": per, "reason": text},
            using_db=conn,
        )
    return amount


async def end_package(package: AgreedPackage, *, ends_on: date, reason: str, actor: Principal, now: datetime) -> AgreedPackage:
    """End the package early, on ``ends_on`` (before its end, not before its start or its last change), with the reason."""
    child = await Child.get(id=package.child_id)
    _require_officer(actor, child)
    text = _reason(reason, "Give the reason for ending the package early")
    async with transaction() as conn:
        current = await _lock(package, conn)
        if ends_on >= current.ends_on:
            raise ValidationFailed.field("ends_on", f"The new end date must be before the package's end ({current.ends_on:%-d %B %Y})")
        if ends_on < current.starts_on:
            raise ValidationFailed.field(
                "ends_on", f"The new end date must be on or after the package's start ({current.starts_on:%-d %B %Y})"
            )
        last = await PackageAmount.filter(package_id=current.id).using_db(conn).order_by("-effective_from").first()
        if last is not None and last.effective_from > ends_on:
            raise ValidationFailed.field(
                "ends_on", f"The new end date must be on or after the package's last change ({last.effective_from:%-d %B %Y})"
            )
        await AgreedPackage.filter(id=current.id).using_db(conn).update(ends_on=ends_on, updated_at=now)
        await audit.record(
            "entitlements.package.ended",
            actor=actor.user,
            record_type="agreed_package",
            record_id=current.id,
            now=now,
            before={"ends_on": current.ends_on.isoformat()},
            after={"ends_on": ends_on.isoformat(), "reason": text},
            using_db=conn,
        )
    return await AgreedPackage.get(id=package.id)
