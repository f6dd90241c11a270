"""Deciding applications: the only code that assigns, asks for more information, approves, refuses and reviews
(reading them, the decision clock and the queue: :mod:`entitlements.decision_queries`).

Every function takes the application's row lock first (``SELECT … FOR UPDATE`` inside its own
transaction), then checks the status it found, so two officers deciding at once make one
decision and the second is told it was already decided (409). Each change writes an
:class:`~entitlements.models.ApplicationEvent` and an audit record in the same transaction, and
emails to the family go to the outbox in it too (delivered after commit).

An approval writes the allocation to the bookings ledger (:func:`bookings.services.grant_allocation`
with the caller's connection), and the child's agreed package from it
(:func:`entitlements.packages.record_package_from_application`), inside the same transaction as the
status change: all commit or none. The allowance year is the council's year holding the day of the decision.

A review of a decision is decided by an officer other than the one who made it (checked here,
and by the ``entitlements_review_other_officer`` constraint).

``actor`` is a :class:`~shortbreaks.permissions.Principal`: an officer of the application's council
for officers' steps, the family that owns it for theirs. Services take ``now``; they never read
the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient

from bookings import services as bookings_services
from bookings.models import Child
from entitlements import applications, packages, permissions, queries, workdays
from entitlements.decision_queries import DECIDABLE, DECIDED, list_council_officers
from entitlements.enums import ApplicationEventKind, ApplicationStatus, RefusalReason, ReviewStatus
from entitlements.models import Application, CouncilProfile, Review, Tier
from entitlements.services import transaction
from shortbreaks import audit, mail
from shortbreaks.accounts.models import User
from shortbreaks.errors import Conflict, FieldError, NotFound, ValidationFailed
from shortbreaks.models import OutboxMessage
from shortbreaks.money import format_pence
from shortbreaks.permissions import Principal

MAX_TEXT = 5000


class NotDecidable(Conflict):
    code = "not_decidable"
    title = "This application cannot be decided now"


# --- the steps -------------------------------------------------------------------------------------------


def _require_officer(actor: Principal, council: CouncilProfile) -> None:
    if not permissions.is_officer_for(actor, council.local_authority_id):
        raise NotFound("There is no application with that reference")


async def _lock(application: Application, conn: BaseDBAsyncClient) -> Application:
    """The application's row, locked for this transaction (PostgreSQL; SQLite runs one writer at a time)."""
    return await Application.filter(id=application.id).using_db(conn).select_for_update().get()


def _require_decidable(current: Application) -> None:
    if current.status in DECIDED:
        raise NotDecidable("This application has already been decided: reload the page to see the decision")
    if current.status not in DECIDABLE:
        raise NotDecidable(f"This application cannot be decided: it is {current.status.label.lower()}")


def _text(value: str, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed.field(field, message)
    if len(text) > MAX_TEXT:
        raise ValidationFailed.field(field, f"Write {MAX_TEXT} characters or fewer")
    return text


async def _email_family(
    application: Application, *, subject: str, lines: list[str], key: str, now: datetime, conn: BaseDBAsyncClient
) -> OutboxMessage | None:
    family = await User.filter(id=application.family_id).using_db(conn).first()
    if family is None or not family.is_active:
        return None
    body = [
        f"Application reference: {application.reference}",
        "",
        *lines,
        "",
        "Sign in to Short breaks and open your applications to see it.",
    ]
    return await mail.queue_email(to=family.email, subject=subject, body="\n".join(body) + "\n", dedupe_key=key, now=now, using_db=conn)


def hours_text(minutes: int | None) -> str:
    if not minutes:
        return ""
    hours, rest = divmod(minutes, 60)
    text = f"{hours} hour{'s' if hours != 1 else ''}"
    return text + (f" {rest} minutes" if rest else "")


def amount_text(minutes: int | None, pence: int | None) -> str:
    """ "78 hours and £200.00" (what an approval gives)."""
    parts = [hours_text(minutes)] if minutes else []
    if pence:
        parts.append(format_pence(pence))
    return " and ".join(parts)


async def assign(application: Application, *, assignee_id: UUID | None, actor: Principal, now: datetime) -> Application:
    """Give the application to an officer of its council (or to nobody)."""
    council = await CouncilProfile.get(id=application.council_id)
    _require_officer(actor, council)
    assignee = None
    if assignee_id is not None:
        officers = {u.id: u for u in await list_council_officers(council.local_authority_id)}
        assignee = officers.get(assignee_id)
        if assignee is None:
            raise ValidationFailed.field("assigned_to", "Choose an officer of the council")
    async with transaction() as conn:
        current = await _lock(application, conn)
        before = current.assigned_to_id
        await Application.filter(id=current.id).using_db(conn).update(assigned_to_id=assignee_id, updated_at=now)
        detail = f"Assigned to {assignee.display_name or assignee.email}" if assignee else "No longer assigned"
        await applications.record_event(
            current, ApplicationEventKind.ASSIGNED, actor_id=actor.id, detail=detail, now=now, conn=conn, shared=False
        )
        await audit.record(
            "entitlements.application.assigned",
            actor=actor.user,
            record_type="application",
            record_id=current.id,
            now=now,
            before={"assigned_to": before},
            after={"assigned_to": assignee_id},
            using_db=conn,
        )
    return await Application.get(id=application.id)


async def request_information(application: Application, *, request_text: str, actor: Principal, now: datetime) -> Application:
    """Ask the family for more information: the decision clock stops until they answer."""
    council = await CouncilProfile.get(id=application.council_id)
    _require_officer(actor, council)
    text = _text(request_text, "info_request", "Enter what you need the family to tell you or send")
    async with transaction() as conn:
        current = await _lock(application, conn)
        if current.status != ApplicationStatus.SUBMITTED:
            _require_decidable(current)
            raise NotDecidable("The family has already been asked for more information and has not answered yet")
        await (
            Application.filter(id=current.id)
            .using_db(conn)
            .update(status=ApplicationStatus.MORE_INFO, paused_at=now, info_request=text, updated_at=now)
        )
        event = await applications.record_event(
            current, ApplicationEventKind.MORE_INFO_REQUESTED, actor_id=actor.id, detail=text, now=now, conn=conn
        )
        await audit.record(
            "entitlements.application.more_info_requested",
            actor=actor.user,
            record_type="application",
            record_id=current.id,
            now=now,
            before={"status": current.status},
            after={"status": ApplicationStatus.MORE_INFO},
            using_db=conn,
        )
        message = await _email_family(
            current,
            subject=f"We need more information about your application {current.reference}",
            lines=["To decide your application for short breaks we need more information:", "", text],
            key=f"application-more-info:{event.id}",
            now=now,
            conn=conn,
        )
    await mail.deliver_committed([message])
    return await Application.get(id=application.id)


async def send_information(application: Application, *, reply: str, actor: Principal, now: datetime) -> Application:
    """The family's answer to a request for more information: the clock starts again."""
    if application.family_id != actor.id:
        raise NotFound("There is no application with that reference")
    text = _text(reply, "reply", "Enter your answer to the council's question")
    async with transaction() as conn:
        current = await _lock(application, conn)
        if current.status != ApplicationStatus.MORE_INFO or current.paused_at is None:
            raise NotDecidable("The council is not waiting for information about this application")
        paused = workdays.working_days_between(workdays.london_day(current.paused_at), workdays.london_day(now))
        await (
            Application.filter(id=current.id)
            .using_db(conn)
            .update(
                status=ApplicationStatus.SUBMITTED,
                paused_at=None,
                paused_working_days=current.paused_working_days + paused,
                updated_at=now,
            )
        )
        await applications.record_event(current, ApplicationEventKind.MORE_INFO_SENT, actor_id=actor.id, detail=text, now=now, conn=conn)
        await audit.record(
            "entitlements.application.more_info_sent",
            actor=actor.user,
            record_type="application",
            record_id=current.id,
            now=now,
            before={"status": current.status, "paused_working_days": current.paused_working_days},
            after={"status": ApplicationStatus.SUBMITTED, "paused_working_days": current.paused_working_days + paused},
            using_db=conn,
        )
    return await Application.get(id=application.id)


def _resumed(current: Application, now: datetime) -> dict[str, Any]:
    """Deciding while waiting for the family ends the pause: its working days are added up."""
    if current.paused_at is None:
        return {}
    paused = workdays.working_days_between(workdays.london_day(current.paused_at), workdays.london_day(now))
    return {"paused_at": None, "paused_working_days": current.paused_working_days + paused}


@dataclass(frozen=True)
class Amount:
    minutes: int
    pence: int


def default_amount(tier: Tier) -> Amount:
    """The tier's allowance: its hours (as minutes) and pounds (as pence) a year."""
    return Amount(minutes=(tier.hours_per_year or 0) * 60, pence=tier.pence_per_year or 0)


def _check_amount(minutes: int | None, pence: int | None, reason: str, tier: Tier) -> tuple[Amount, str]:
    errors: list[FieldError] = []
    if minutes is not None and minutes < 0:
        errors.append(FieldError("hours", "Hours cannot be negative"))
    if pence is not None and pence < 0:
        errors.append(FieldError("pounds", "The amount cannot be negative"))
    if errors:
        raise ValidationFailed(errors[0].message, errors=errors)
    amount = Amount(minutes=minutes or 0, pence=pence or 0)
    if amount.minutes == 0 and amount.pence == 0:
        raise ValidationFailed.field("hours", "Enter the hours or the amount to approve")
    reason = (reason or "").strip()
    if amount != default_amount(tier) and not reason:
        raise ValidationFailed.field("reason", "Give the reason for approving a different amount from the tier's allowance")
    if len(reason) > MAX_TEXT:
        raise ValidationFailed.field("reason", f"Write {MAX_TEXT} characters or fewer")
    return amount, reason


async def _grant(
    current: Application, tier: Tier, council: CouncilProfile, amount: Amount, *, actor: Principal, now: datetime, conn: BaseDBAsyncClient
) -> UUID:
    child = await Child.get(id=current.child_id, using_db=conn)
    starts_on, ends_on = queries.allowance_year(council, workdays.london_day(now))
    allocation = await bookings_services.grant_allocation(
        child,
        actor=actor.user,
        terms=bookings_services.AllowanceTerms(
            starts_on=starts_on, ends_on=ends_on, tier_code=current.tier_code, service_kinds=tuple(tier.service_kinds or ())
        ),
        minutes=amount.minutes,
        pence=amount.pence,
        reason=f"Application {current.reference} approved",
        now=now,
        conn=conn,
    )
    return allocation.id


async def approve(
    application: Application, *, minutes: int | None, pence: int | None, reason: str = "", actor: Principal, now: datetime
) -> Application:
    """Approve: the allocation is written to the ledger in the same transaction, and the family is emailed.

    ``minutes``/``pence`` default to nothing: pass the tier's (:func:`default_amount`) or another
    amount with a ``reason``. Refused (422) with no amount; (409) when already decided.
    """
    council = await CouncilProfile.get(id=application.council_id)
    _require_officer(actor, council)
    tier = await Tier.get(id=application.tier_id)
    amount, reason = _check_amount(minutes, pence, reason, tier)
    async with transaction() as conn:
        current = await _lock(application, conn)
        _require_decidable(current)
        allocation_id = await _grant(current, tier, council, amount, actor=actor, now=now, conn=conn)
        await (
            Application.filter(id=current.id)
            .using_db(conn)
            .update(
                status=ApplicationStatus.APPROVED,
                decided_at=now,
                decided_by_id=actor.id,
                approved_minutes=amount.minutes or None,
                approved_pence=amount.pence or None,
                decision_reason=reason,
                allocation_id=allocation_id,
                updated_at=now,
                **_resumed(current, now),
            )
        )
        # The child's agreed package (issue #21) from the approval, in the same transaction.
        await packages.record_package_from_application(await Application.get(id=current.id, using_db=conn), actor=actor, now=now, conn=conn)
        what = amount_text(amount.minutes, amount.pence)
        await applications.record_event(
            current,
            ApplicationEventKind.APPROVED,
            actor_id=actor.id,
            detail=f"Approved: {what} a year" + (f". {reason}" if reason else ""),
            now=now,
            conn=conn,
        )
        await audit.record(
            "entitlements.application.approved",
            actor=actor.user,
            record_type="application",
            record_id=current.id,
            now=now,
            before={"status": current.status},
            after={"status": ApplicationStatus.APPROVED, "minutes": amount.minutes, "pence": amount.pence, "allocation_id": allocation_id},
            using_db=conn,
        )
        message = await _email_family(
            current,
            subject=f"Your application {current.reference} has been approved",
            lines=[
                f"Your application for short breaks has been approved: {what} for this allowance year.",
                "Your decision letter says more.",
            ],
            key=f"application-approved:{current.id}",
            now=now,
            conn=conn,
        )
    await mail.deliver_committed([message])
    return await Application.get(id=application.id)


async def refuse(application: Application, *, reason: RefusalReason, explanation: str, actor: Principal, now: datetime) -> Application:
    """Refuse, with a reason from the list and the officer's explanation; the family is emailed."""
    council = await CouncilProfile.get(id=application.council_id)
    _require_officer(actor, council)
    text = _text(explanation, "explanation", "Explain the reason for refusing in your own words")
    async with transaction() as conn:
        current = await _lock(application, conn)
        _require_decidable(current)
        await (
            Application.filter(id=current.id)
            .using_db(conn)
            .update(
                status=ApplicationStatus.REFUSED,
                decided_at=now,
                decided_by_id=actor.id,
                refusal_reason=reason,
                decision_reason=text,
                updated_at=now,
                **_resumed(current, now),
            )
        )
        await applications.record_event(
            current, ApplicationEventKind.REFUSED, actor_id=actor.id, detail=f"{reason.label}. {text}", now=now, conn=conn
        )
        await audit.record(
            "entitlements.application.refused",
            actor=actor.user,
            record_type="application",
            record_id=current.id,
            now=now,
            before={"status": current.status},
            after={"status": ApplicationStatus.REFUSED, "refusal_reason": reason},
            using_db=conn,
        )
        message = await _email_family(
            current,
            subject=f"Decision on your application {current.reference}",
            lines=[
                "We have not been able to approve your application for short breaks.",
                "Your decision letter gives the reasons and says how to ask for a review.",
            ],
            key=f"application-refused:{current.id}",
            now=now,
            conn=conn,
        )
    await mail.deliver_committed([message])
    return await Application.get(id=application.id)


# --- reviews ---------------------------------------------------------------------------------------------


async def request_review(application: Application, *, grounds: str, actor: Principal, now: datetime) -> Review:
    """The family asks for the decision to be looked at again, by another officer."""
    if application.family_id != actor.id:
        raise NotFound("There is no application with that reference")
    text = _text(grounds, "grounds", "Say why you think the decision should be looked at again")
    async with transaction() as conn:
        current = await _lock(application, conn)
        if current.status not in DECIDED:
            raise NotDecidable("Only a decision can be reviewed: this application has not been decided")
        if await Review.filter(application_id=current.id, status=ReviewStatus.OPEN).using_db(conn).exists():
            raise Conflict("A review of this decision has already been asked for")
        review = await Review.create(
            application_id=current.id, grounds=text, requested_at=now, original_officer_id=current.decided_by_id, using_db=conn
        )
        await applications.record_event(current, ApplicationEventKind.REVIEW_REQUESTED, actor_id=actor.id, detail=text, now=now, conn=conn)
        await audit.record(
            "entitlements.review.requested",
            actor=actor.user,
            record_type="review",
            record_id=review.id,
            now=now,
            after={"application_id": current.id},
            using_db=conn,
        )
        message = await _email_family(
            current,
            subject=f"We have your request for a review of {current.reference}",
            lines=["An officer who did not make the decision will look at it again and write to you."],
            key=f"review-requested:{review.id}",
            now=now,
            conn=conn,
        )
    await mail.deliver_committed([message])
    return review


async def _lock_review(review: Review, conn: BaseDBAsyncClient) -> Review:
    return await Review.filter(id=review.id).using_db(conn).select_for_update().get()


async def assign_reviewer(review: Review, *, reviewer_id: UUID, actor: Principal, now: datetime) -> Review:
    """Give an open review to an officer of the council other than the one who made the decision."""
    application = await Application.get(id=review.application_id)
    council = await CouncilProfile.get(id=application.council_id)
    _require_officer(actor, council)
    officers = {u.id: u for u in await list_council_officers(council.local_authority_id)}
    reviewer = officers.get(reviewer_id)
    if reviewer is None:
        raise ValidationFailed.field("reviewer_id", "Choose an officer of the council")
    if reviewer_id == review.original_officer_id:
        raise ValidationFailed.field("reviewer_id", "A review must be decided by a different officer from the one who made the decision")
    async with transaction() as conn:
        current = await _lock_review(review, conn)
        if current.status != ReviewStatus.OPEN:
            raise Conflict("This review has already been decided")
        await Review.filter(id=current.id).using_db(conn).update(reviewer_id=reviewer_id, updated_at=now)
        await applications.record_event(
            application,
            ApplicationEventKind.ASSIGNED,
            actor_id=actor.id,
            detail=f"Review assigned to {reviewer.display_name or reviewer.email}",
            now=now,
            conn=conn,
            shared=False,
        )
        await audit.record(
            "entitlements.review.assigned",
            actor=actor.user,
            record_type="review",
            record_id=current.id,
            now=now,
            before={"reviewer_id": current.reviewer_id},
            after={"reviewer_id": reviewer_id},
            using_db=conn,
        )
    return await Review.get(id=review.id)


async def decide_review(
    review: Review,
    *,
    change: bool,
    outcome: str,
    minutes: int | None = None,
    pence: int | None = None,
    actor: Principal,
    now: datetime,
) -> Review:
    """Uphold the decision, or change it: a refusal becomes an approval (the allocation is written
    as for an approval), an approved amount is raised (the difference is granted).

    Only an officer other than the one who decided may do this; a review assigned to someone
    else is theirs (409).
    """
    application = await Application.get(id=review.application_id)
    council = await CouncilProfile.get(id=application.council_id)
    _require_officer(actor, council)
    text = _text(outcome, "outcome", "Give the reasons for the review's outcome")
    if actor.id == review.original_officer_id:
        raise ValidationFailed.field("reviewer_id", "A review must be decided by a different officer from the one who made the decision")
    tier = await Tier.get(id=application.tier_id)
    async with transaction() as conn:
        current_review = await _lock_review(review, conn)
        if current_review.status != ReviewStatus.OPEN:
            raise Conflict("This review has already been decided")
        if current_review.reviewer_id is not None and current_review.reviewer_id != actor.id:
            raise Conflict("This review is assigned to another officer")
        current = await _lock(application, conn)
        changes: dict[str, Any] = {}
        summary = "Decision kept"
        if change:
            if current.status == ApplicationStatus.REFUSED:
                amount, _ = _check_amount(minutes, pence, text, tier)
                changes = {
                    "status": ApplicationStatus.APPROVED,
                    "approved_minutes": amount.minutes or None,
                    "approved_pence": amount.pence or None,
                    "allocation_id": await _grant(current, tier, council, amount, actor=actor, now=now, conn=conn),
                }
                summary = f"Decision changed: approved, {amount_text(amount.minutes, amount.pence)} a year"
            elif current.status == ApplicationStatus.APPROVED:
                new = Amount(minutes=minutes or 0, pence=pence or 0)
                old = Amount(minutes=current.approved_minutes or 0, pence=current.approved_pence or 0)
                if new.minutes < old.minutes or new.pence < old.pence or new == old:
                    raise ValidationFailed.field("hours", "Enter a larger allowance than the one approved: a review can only raise it")
                extra = Amount(minutes=new.minutes - old.minutes, pence=new.pence - old.pence)
                changes = {
                    "approved_minutes": new.minutes or None,
                    "approved_pence": new.pence or None,
                    "allocation_id": await _grant(current, tier, council, extra, actor=actor, now=now, conn=conn),
                }
                summary = f"Decision changed: the allowance is now {amount_text(new.minutes, new.pence)} a year"
            else:
                raise NotDecidable("Only a decision can be reviewed")
            changes.update(decided_at=now, decided_by_id=actor.id, decision_reason=text, updated_at=now)
            await Application.filter(id=current.id).using_db(conn).update(**changes)
            if current.status == ApplicationStatus.REFUSED:
                # A refusal turned into an approval gives the child's agreed package, as an approval does.
                await packages.record_package_from_application(
                    await Application.get(id=current.id, using_db=conn), actor=actor, now=now, conn=conn
                )
        status = ReviewStatus.CHANGED if change else ReviewStatus.UPHELD
        await (
            Review.filter(id=current_review.id)
            .using_db(conn)
            .update(status=status, outcome=text, decided_at=now, reviewer_id=actor.id, updated_at=now)
        )
        await applications.record_event(
            current, ApplicationEventKind.REVIEW_DECIDED, actor_id=actor.id, detail=f"{summary}. {text}", now=now, conn=conn
        )
        await audit.record(
            "entitlements.review.decided",
            actor=actor.user,
            record_type="review",
            record_id=current_review.id,
            now=now,
            before={"status": ReviewStatus.OPEN, "application_status": current.status},
            after={"status": status, "application_status": changes.get("status", current.status)},
            using_db=conn,
        )
        message = await _email_family(
            current,
            subject=f"The review of your application {current.reference} has been decided",
            lines=[f"{summary}.", "Your decision letter has been updated with the outcome of the review."],
            key=f"review-decided:{current_review.id}",
            now=now,
            conn=conn,
        )
    await mail.deliver_committed([message])
    return await Review.get(id=review.id)
