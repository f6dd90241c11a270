"""A family's side of an application: start one for a child and a tier, answer its questions as
they go, send evidence, check and submit, or withdraw. Also the council's own questions.

The form is generated from the tier (:func:`form_questions`): the questions its structured rules
need that the child's record does not already answer (the eligibility checker's wording), then the
council's own questions for the tier. A child the record shows to be outside the tier's rules
(age from the date of birth, needs) is refused with the rule named, before anything is written.

Every change runs in one transaction with its :class:`ApplicationEvent` (the history the family
sees) and its audit record; submitting is done with a conditional update on the draft, so a
double click, a second tab or a retried API call finds it already sent and changes nothing. The
family's answers never go into the audit log (ids and codes only).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from bookings.models import Child
from entitlements import eligibility, permissions, queries
from entitlements.enums import (
    OPEN_APPLICATION_STATUSES,
    Answer,
    ApplicationEventKind,
    ApplicationStatus,
    QuestionKind,
    StatementStatus,
    TierKind,
)
from entitlements.models import Application, ApplicationEvent, CouncilProfile, Evidence, Question, Tier
from entitlements.schemas import TierRules
from entitlements.services import transaction
from entitlements.storage import EvidenceStorage, Upload, new_key
from providers.enums import NEED_LABELS, Need
from providers.postcodes import normalise_postcode
from shortbreaks import audit, mail
from shortbreaks.accounts.services import require_verified_email
from shortbreaks.clock import LONDON
from shortbreaks.errors import Conflict, DomainError, FieldError, NotFound, PermissionDenied, ValidationFailed
from shortbreaks.models import OutboxMessage
from shortbreaks.permissions import Principal

# Unambiguous letters and digits (no 0/O, 1/I/L): references are read out on the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MAX_EVIDENCE = 20
MAX_TEXT = 2000
EVIDENCE_STATUSES = (ApplicationStatus.DRAFT, ApplicationStatus.MORE_INFO)


def new_reference() -> str:
    """``AP-7K3Q-9M``: random, so a reference says nothing about how many applications there are."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
    return f"AP-{chars[:4]}-{chars[4:]}"


# --- the form ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormQuestion:
    """One question of an application's form: a tier rule's (``key`` is the rule's question name)
    or the council's own (``key`` is the :class:`Question`'s id)."""

    key: str
    kind: str  # age, postcode, needs, proof (yes/no/not sure) for rules; a QuestionKind value for the council's
    title: str
    hint: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)
    required: bool = True

    @property
    def is_rule(self) -> bool:
        return self.kind in ("age", "postcode", "needs", "proof")


class AnswerError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def tier_rules(tier: Tier) -> TierRules:
    return TierRules.model_validate(tier.rules or {})


async def council_questions(council_id: UUID, tier_code: str, *, archived: bool = False) -> list[Question]:
    query = Question.filter(council_id=council_id, tier_code=tier_code)
    if not archived:
        query = query.filter(archived=False)
    return await query.order_by("position", "created_at")


def _rule_question(name: str) -> FormQuestion:
    text = eligibility.QUESTION_TEXT[name]
    if name == "needs":
        return FormQuestion(name, "needs", text.title, text.hint, [(n.value, n.label) for n in Need])
    if name == "age":
        return FormQuestion(name, "age", text.title.replace("How old", "How old"), "Their age in years today.")
    if name == "postcode":
        return FormQuestion(name, "postcode", text.title, "For example, B15 2TT.")
    return FormQuestion(name, "proof", text.title, text.hint, [(a.value, a.label) for a in Answer])


def form_questions(tier: Tier, child: Child, questions: Sequence[Question]) -> list[FormQuestion]:
    """The application form: the rules' questions the child's record leaves open, then the council's."""
    found: list[FormQuestion] = []
    for name in eligibility.questions_for([tier_rules(tier)]):
        if name == "age" and child.date_of_birth is not None:
            continue
        if name == "needs" and child.needs:
            continue
        found.append(_rule_question(name))
    for q in questions:
        choices = [(c, c) for c in q.choices or []]
        if q.kind == QuestionKind.YES_NO:
            choices = [("yes", "Yes"), ("no", "No")]
        found.append(FormQuestion(str(q.id), q.kind.value, q.label, q.hint, choices, q.required))
    return found


def parse_answer(question: FormQuestion, raw: Any) -> Any:
    """What is stored for one answer (JSON): ``None`` when left blank; :class:`AnswerError` when unusable.

    ``raw`` is what a form or the API sent: a string, a list of strings (needs), or for a date
    ``"2026-05-31"`` or a ``{"day", "month", "year"}`` mapping.
    """
    if question.is_rule:
        if question.kind == "postcode":
            if not isinstance(raw, str) or not raw.strip():
                return None
            try:
                return normalise_postcode(raw.strip()[:16])[0]
            except DomainError:
                raise AnswerError("Enter a real postcode, like B15 2TT") from None
        try:
            value = eligibility.parse_answer(question.key, raw)
        except eligibility.AnswerError as exc:
            raise AnswerError(exc.message) from None
        if value is None:
            return None
        if question.kind == "needs":
            return [n.value for n in value]
        return value.value if isinstance(value, Answer) else value
    if question.kind == QuestionKind.DATE:
        return _parse_date(raw)
    if not isinstance(raw, str) or not raw.strip():
        return None
    text = raw.strip()
    if question.kind == QuestionKind.TEXT:
        if len(text) > MAX_TEXT:
            raise AnswerError(f"Your answer must be {MAX_TEXT} characters or fewer")
        return text
    if text not in [value for value, _ in question.choices]:
        raise AnswerError("Select one of the options" if question.kind == QuestionKind.CHOICE else "Select yes or no")
    return text


def _parse_date(raw: Any) -> str | None:
    if isinstance(raw, Mapping):
        parts = [str(raw.get(k) or "").strip() for k in ("day", "month", "year")]
        if not any(parts):
            return None
        if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
            raise AnswerError("Enter a real date, with the day, month and year as numbers, like 27 3 2019")
        try:
            return date(int(parts[2]), int(parts[1]), int(parts[0])).isoformat()
        except ValueError:
            raise AnswerError("Enter a real date, like 27 3 2019") from None
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip()).isoformat()
    except ValueError:
        raise AnswerError("Enter a real date as YYYY-MM-DD, like 2019-03-27") from None


def blank_message(question: FormQuestion) -> str:
    if question.is_rule:
        return eligibility.blank_message(question.key)
    return {
        QuestionKind.TEXT.value: "Enter your answer",
        QuestionKind.CHOICE.value: "Select an option",
        QuestionKind.YES_NO.value: "Select yes or no",
        QuestionKind.DATE.value: "Enter a date",
    }[question.kind]


def show_answer(question: FormQuestion, value: Any) -> str:
    """An answer as the check-your-answers page and the application page show it."""
    if value is None or value == "":
        return ""
    if question.kind == "needs":
        return ", ".join(NEED_LABELS[Need(v)] for v in value) if value else "No disability or additional needs"
    if question.kind == QuestionKind.DATE:
        return f"{date.fromisoformat(value):%-d %B %Y}"
    labels = dict(question.choices)
    return str(labels.get(str(value), value))


def missing_answers(questions: Sequence[FormQuestion], answers: Mapping[str, Any]) -> list[FieldError]:
    """Each required question with no usable answer, in the form's order."""
    errors = []
    for q in questions:
        value = answers.get(q.key)
        if q.required and (value is None or value == ""):
            errors.append(FieldError(q.key, f"Answer the question '{q.title}'"))
    return errors


# --- who and what ------------------------------------------------------------------------------------


def _range_text(rules: TierRules) -> str:
    if rules.min_age is not None and rules.max_age is not None:
        return f"aged {rules.min_age} to {rules.max_age}"
    if rules.min_age is not None:
        return f"aged {rules.min_age} or over"
    return f"aged {rules.max_age} or under"


def outside_tier(tier: Tier, child: Child, today: date) -> str | None:
    """The rule the child's record shows the child to be outside of, in words; ``None`` if none."""
    rules = tier_rules(tier)
    if child.date_of_birth is not None and (rules.min_age is not None or rules.max_age is not None):
        age = age_on(child.date_of_birth, today)
        if (rules.min_age is not None and age < rules.min_age) or (rules.max_age is not None and age > rules.max_age):
            return f"{child.first_name} is {age}; this tier is for children {_range_text(rules)}"
    if rules.needs and child.needs and not set(child.needs) & {n.value for n in rules.needs}:
        names = ", ".join(NEED_LABELS[n].lower() for n in rules.needs)
        return f"The needs on {child.first_name}'s record are not among this tier's: it is for children with {names}"
    return None


async def applicable_tier(council: CouncilProfile, tier_code: str) -> Tier:
    """The tier ``tier_code`` of the council's published statement, if a family applies for it."""
    tier = await Tier.get_or_none(
        statement__council_id=council.id, statement__status=StatementStatus.PUBLISHED, code=tier_code
    ).select_related("statement")
    if tier is None or tier.kind == TierKind.UNIVERSAL:
        raise NotFound("This council has no tier with that name that families apply for")
    return tier


async def own_child(principal: Principal, child_id: UUID | str | None) -> Child:
    """One of the signed-in family's own children; anyone else's, or none, is :class:`NotFound`."""
    try:
        wanted = UUID(str(child_id))
    except ValueError:
        raise NotFound("There is no child with that id on your account") from None
    child = await Child.get_or_none(id=wanted, family_id=principal.user.id, erased_at=None)
    if child is None:
        raise NotFound("There is no child with that id on your account")
    return child


def _today(now: datetime) -> date:
    return now.astimezone(LONDON).date()


# --- the family's use cases ------------------------------------------------------------------------------


async def start_application(
    principal: Principal, council: CouncilProfile, tier: Tier, child: Child, *, now: datetime
) -> tuple[Application, bool]:
    """A draft application for ``child`` and ``tier``, or the open one it already has: (application, created)."""
    require_verified_email(principal.user)
    if child.family_id != principal.user.id:
        raise NotFound("There is no child with that id on your account")
    rule = outside_tier(tier, child, _today(now))
    if rule is not None:
        raise ValidationFailed(rule, code="outside_tier", errors=[FieldError("child_id", rule)])
    for _attempt in range(5):
        existing = await Application.get_or_none(child_id=child.id, tier_code=tier.code, status__in=list(OPEN_APPLICATION_STATUSES))
        if existing is not None:
            return existing, False
        try:
            async with transaction() as conn:
                application = await Application.create(
                    reference=new_reference(),
                    council_id=council.id,
                    family_id=principal.user.id,
                    child_id=child.id,
                    tier_id=tier.id,
                    tier_code=tier.code,
                    using_db=conn,
                )
                await record_event(
                    application,
                    ApplicationEventKind.STARTED,
                    actor_id=principal.user.id,
                    detail=f"Application for {tier.name} started",
                    now=now,
                    conn=conn,
                )
                await audit.record(
                    "entitlements.application.started",
                    actor=principal.user,
                    record_type="application",
                    record_id=application.id,
                    now=now,
                    after={"reference": application.reference, "tier_code": tier.code, "child_id": child.id},
                    using_db=conn,
                )
        except Conflict:  # another request opened one for this child and tier a moment ago: find it
            continue
        except IntegrityError:  # the random reference was taken: draw again
            continue
        return application, True
    raise Conflict("The application could not be started; try again")


async def record_event(
    application: Application,
    kind: ApplicationEventKind,
    *,
    actor_id: UUID | None,
    detail: str,
    now: datetime,
    conn: BaseDBAsyncClient,
    shared: bool = True,
) -> ApplicationEvent:
    """A line of the application's history, in the caller's transaction (applying, deciding and
    renewing all write it); ``shared=False`` for the council's own housekeeping (who it is assigned to)."""
    return await ApplicationEvent.create(
        application_id=application.id, kind=kind, actor_id=actor_id, detail=detail, shared=shared, at=now, using_db=conn
    )


def _require_family(principal: Principal, application: Application) -> None:
    if application.family_id != principal.user.id:
        raise NotFound()


async def form_for(application: Application) -> list[FormQuestion]:
    tier = await Tier.get(id=application.tier_id)
    child = await Child.get(id=application.child_id)
    return form_questions(tier, child, await council_questions(application.council_id, application.tier_code))


async def save_answer(principal: Principal, application: Application, key: str, raw: Any, *, now: datetime) -> Application:
    """Save one answer of a draft (blank clears it); :class:`ValidationFailed` names the question."""
    _require_family(principal, application)
    questions = {q.key: q for q in await form_for(application)}
    question = questions.get(key)
    if question is None:
        raise NotFound("This application has no question with that name")
    try:
        value = parse_answer(question, raw)
    except AnswerError as exc:
        raise ValidationFailed(exc.message, errors=[FieldError(key, exc.message)]) from None
    async with transaction() as conn:
        current = await Application.filter(id=application.id).using_db(conn).select_for_update().get()
        if current.status != ApplicationStatus.DRAFT:
            raise Conflict("This application has been sent: its answers can no longer be changed", code="not_a_draft")
        answers = dict(current.answers or {})
        if value is None:
            answers.pop(key, None)
        else:
            answers[key] = value
        await Application.filter(id=current.id).using_db(conn).update(answers=answers, updated_at=now)
        current.answers = answers
        await audit.record(
            "entitlements.application.answered",
            actor=principal.user,
            record_type="application",
            record_id=current.id,
            now=now,
            after={"question": key if question.is_rule else "council_question", "answered": value is not None},
            using_db=conn,
        )
    return current


async def submit_application(principal: Principal, application: Application, *, now: datetime, link: str) -> tuple[Application, bool]:
    """Send a draft: every required answer checked first (all errors together), then status
    submitted, its event, its audit record and the email with the reference in one transaction.
    An application already sent is returned as it is: (application, sent now)."""
    _require_family(principal, application)
    require_verified_email(principal.user)
    if application.status != ApplicationStatus.DRAFT:
        return application, False
    tier = await Tier.get(id=application.tier_id)
    child = await Child.get(id=application.child_id)
    questions = form_questions(tier, child, await council_questions(application.council_id, application.tier_code))
    message: OutboxMessage | None = None
    async with transaction() as conn:
        current = await Application.filter(id=application.id).using_db(conn).select_for_update().get()
        if current.status != ApplicationStatus.DRAFT:
            return current, False
        errors = missing_answers(questions, current.answers or {})
        if errors:
            raise ValidationFailed("Answer every question before you send the application", errors=errors)
        rule = outside_tier(tier, child, _today(now))
        if rule is not None:
            raise ValidationFailed(rule, code="outside_tier", errors=[FieldError("child_id", rule)])
        sent = (
            await Application.filter(id=current.id, status=ApplicationStatus.DRAFT)
            .using_db(conn)
            .update(status=ApplicationStatus.SUBMITTED, submitted_at=now, updated_at=now)
        )
        if not sent:
            return current, False
        await record_event(
            current,
            ApplicationEventKind.SUBMITTED,
            actor_id=principal.user.id,
            detail=f"Sent to the council. Reference {current.reference}",
            now=now,
            conn=conn,
        )
        await audit.record(
            "entitlements.application.submitted",
            actor=principal.user,
            record_type="application",
            record_id=current.id,
            now=now,
            before={"status": ApplicationStatus.DRAFT},
            after={"status": ApplicationStatus.SUBMITTED, "reference": current.reference},
            using_db=conn,
        )
        council = await CouncilProfile.filter(id=current.council_id).using_db(conn).select_related("local_authority").get()
        message = await mail.queue_email(
            to=principal.user.email,
            subject=f"Application {current.reference} received",
            body=(
                f"Thank you. {council.local_authority.name} has your application for {tier.name}.\n\n"
                f"Your reference is {current.reference}. Quote it if you contact the council.\n\n"
                f"The council will tell you its decision. You can see your application and its progress at {link}\n"
            ),
            dedupe_key=f"entitlements.application.submitted:{current.id}",
            now=now,
            using_db=conn,
        )
    await mail.deliver_committed([message])
    return await Application.get(id=application.id), True


async def withdraw_application(principal: Principal, application: Application, *, now: datetime) -> Application:
    """A family withdraws a draft or an application not decided yet; a decided one cannot be."""
    _require_family(principal, application)
    async with transaction() as conn:
        current = await Application.filter(id=application.id).using_db(conn).select_for_update().get()
        if current.status == ApplicationStatus.WITHDRAWN:
            return current
        changed = (
            await Application.filter(id=current.id, status__in=list(OPEN_APPLICATION_STATUSES))
            .using_db(conn)
            .update(status=ApplicationStatus.WITHDRAWN, paused_at=None, updated_at=now)
        )
        if not changed:
            raise Conflict("This application has been decided: it can no longer be withdrawn", code="decided")
        await record_event(
            current, ApplicationEventKind.WITHDRAWN, actor_id=principal.user.id, detail="Withdrawn by the family", now=now, conn=conn
        )
        await audit.record(
            "entitlements.application.withdrawn",
            actor=principal.user,
            record_type="application",
            record_id=current.id,
            now=now,
            before={"status": current.status},
            after={"status": ApplicationStatus.WITHDRAWN},
            using_db=conn,
        )
    return await Application.get(id=application.id)


async def add_evidence(
    principal: Principal, application: Application, upload: Upload, *, storage: EvidenceStorage, now: datetime
) -> Evidence:
    """Keep a checked file (:mod:`entitlements.uploads`) with a draft, or while the council waits for
    more information. The file is stored under a random key first; if the row cannot be written,
    the file is deleted again, so nothing is left half-written."""
    _require_family(principal, application)
    if application.status not in EVIDENCE_STATUSES:
        raise Conflict("You can add evidence to an application not sent yet, or when the council asks for more information")
    key = new_key()
    await storage.save(key, upload.data, content_type=upload.content_type)
    try:
        async with transaction() as conn:
            current = await Application.filter(id=application.id).using_db(conn).select_for_update().get()
            if current.status not in EVIDENCE_STATUSES:
                raise Conflict("You can add evidence to an application not sent yet, or when the council asks for more information")
            if await Evidence.filter(application_id=current.id).using_db(conn).count() >= MAX_EVIDENCE:
                raise ValidationFailed.field("file", f"An application can have up to {MAX_EVIDENCE} files")
            evidence = await Evidence.create(
                application_id=current.id,
                filename=upload.filename,
                content_type=upload.content_type,
                size_bytes=upload.size,
                sha256=_sha256(upload.data),
                storage_key=key,
                uploaded_by_id=principal.user.id,
                using_db=conn,
            )
            await record_event(
                current,
                ApplicationEventKind.EVIDENCE_ADDED,
                actor_id=principal.user.id,
                detail=f"File added: {upload.filename}",
                now=now,
                conn=conn,
            )
            await audit.record(
                "entitlements.evidence.added",
                actor=principal.user,
                record_type="evidence",
                record_id=evidence.id,
                now=now,
                after={"application_id": current.id, "content_type": upload.content_type, "size_bytes": upload.size},
                using_db=conn,
            )
    except BaseException:
        await storage.delete(key)
        raise
    return evidence


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


# --- reading ----------------------------------------------------------------------------------------------


async def get_for_family(principal: Principal, application_id: UUID) -> Application:
    application = await Application.get_or_none(id=application_id, family_id=principal.user.id).select_related(
        "tier", "child", "council__local_authority", "allocation"
    )
    if application is None:
        raise NotFound("There is no application with that id on your account")
    return application


async def get_for_viewer(principal: Principal, application_id: UUID) -> Application:
    """The application for its family or an officer of its council; anyone else: :class:`NotFound`."""
    application = await Application.get_or_none(id=application_id).select_related("council__local_authority", "tier", "child", "family")
    if application is None or not (
        application.family_id == principal.user.id or permissions.is_officer_for(principal, application.council.local_authority_id)
    ):
        raise NotFound("There is no application with that id")
    return application


async def get_evidence(principal: Principal, application_id: UUID, evidence_id: UUID) -> Evidence:
    application = await get_for_viewer(principal, application_id)
    evidence = await Evidence.get_or_none(id=evidence_id, application_id=application.id)
    if evidence is None:
        raise NotFound("There is no file with that id")
    return evidence


async def list_for_family(principal: Principal) -> list[Application]:
    return (
        await Application.filter(family_id=principal.user.id)
        .select_related("tier", "child", "council__local_authority")
        .order_by("-created_at")
    )


async def shared_history(application: Application) -> list[ApplicationEvent]:
    return await ApplicationEvent.filter(application_id=application.id, shared=True).order_by("at", "created_at")


async def list_evidence(application: Application) -> list[Evidence]:
    return await Evidence.filter(application_id=application.id).order_by("created_at")


# --- the council's own questions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionInput:
    tier_code: str
    kind: QuestionKind
    label: str
    hint: str = ""
    choices: list[str] = field(default_factory=list)
    required: bool = True


def _check_question(body: QuestionInput) -> None:
    if body.kind == QuestionKind.CHOICE and len(body.choices) < 2:
        raise ValidationFailed.field("choices", "Give at least two options for a choose-one question, one a line")
    if body.kind != QuestionKind.CHOICE and body.choices:
        raise ValidationFailed.field("choices", "Only a choose-one question has options")


def _require_officer(principal: Principal, council: CouncilProfile) -> None:
    if not permissions.is_officer_for(principal, council.local_authority_id):
        raise PermissionDenied("Only an officer of the council can do that")


async def add_question(principal: Principal, council: CouncilProfile, body: QuestionInput, *, now: datetime) -> Question:
    _require_officer(principal, council)
    _check_question(body)
    async with transaction() as conn:
        await CouncilProfile.filter(id=council.id).using_db(conn).select_for_update().first()
        position = await Question.filter(council_id=council.id, tier_code=body.tier_code).using_db(conn).count()
        question = await Question.create(
            council_id=council.id,
            tier_code=body.tier_code,
            position=position,
            kind=body.kind,
            label=body.label,
            hint=body.hint,
            choices=body.choices,
            required=body.required,
            using_db=conn,
        )
        await audit.record(
            "entitlements.question.added",
            actor=principal.user,
            record_type="question",
            record_id=question.id,
            now=now,
            after={"tier_code": body.tier_code, "kind": body.kind},
            using_db=conn,
        )
    return question


async def get_question_for_officer(principal: Principal, question_id: UUID) -> Question:
    question = await Question.get_or_none(id=question_id).select_related("council__local_authority")
    if question is None or not permissions.is_officer_for(principal, question.council.local_authority_id):
        raise NotFound("There is no question with that id")
    return question


async def update_question(principal: Principal, question: Question, body: QuestionInput, *, now: datetime) -> Question:
    """Change a question's words, options or whether it must be answered (its tier stays)."""
    council = await CouncilProfile.get(id=question.council_id)
    _require_officer(principal, council)
    _check_question(body)
    async with transaction() as conn:
        await (
            Question.filter(id=question.id)
            .using_db(conn)
            .update(kind=body.kind, label=body.label, hint=body.hint, choices=body.choices, required=body.required, updated_at=now)
        )
        await audit.record(
            "entitlements.question.updated",
            actor=principal.user,
            record_type="question",
            record_id=question.id,
            now=now,
            before={"kind": question.kind},
            after={"kind": body.kind},
            using_db=conn,
        )
    return await Question.get(id=question.id)


async def move_question(principal: Principal, question: Question, *, up: bool, now: datetime) -> None:
    """Swap a question with the one before (``up``) or after it among its tier's questions."""
    council = await CouncilProfile.get(id=question.council_id)
    _require_officer(principal, council)
    async with transaction() as conn:
        await CouncilProfile.filter(id=council.id).using_db(conn).select_for_update().first()
        siblings = (
            await Question.filter(council_id=council.id, tier_code=question.tier_code).using_db(conn).order_by("position", "created_at")
        )
        ids = [q.id for q in siblings]
        index = ids.index(question.id)
        other = index - 1 if up else index + 1
        if other < 0 or other >= len(ids):
            return
        ids[index], ids[other] = ids[other], ids[index]
        for position, qid in enumerate(ids):
            await Question.filter(id=qid).using_db(conn).update(position=position)
        await audit.record(
            "entitlements.question.moved",
            actor=principal.user,
            record_type="question",
            record_id=question.id,
            now=now,
            after={"position": other},
            using_db=conn,
        )


async def archive_question(principal: Principal, question: Question, *, archived: bool, now: datetime) -> None:
    """Stop asking a question (answers already given stay), or ask it again."""
    council = await CouncilProfile.get(id=question.council_id)
    _require_officer(principal, council)
    async with transaction() as conn:
        await Question.filter(id=question.id).using_db(conn).update(archived=archived, updated_at=now)
        await audit.record(
            "entitlements.question.archived" if archived else "entitlements.question.restored",
            actor=principal.user,
            record_type="question",
            record_id=question.id,
            now=now,
            using_db=conn,
        )


async def officer_councils(principal: Principal) -> list[CouncilProfile]:
    return await queries.list_officer_councils(principal)


async def tier_codes(council: CouncilProfile) -> list[tuple[str, str]]:
    """(code, name) of each tier families apply for in the council's published statement (or its draft)."""
    published = await queries.find_published(council) or await queries.find_draft(council)
    if published is None:
        return []
    return [(t.code, t.name) for t in await queries.list_tiers(published) if t.kind != TierKind.UNIVERSAL]
