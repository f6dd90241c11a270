"""Entitlements pages: a council's public short breaks statement and eligibility checker, and its officers' editor.

Public (no sign-in): the published statement, a printable view, every older published version,
and the checker. The checker asks one question a page and keeps nothing: each page posts the
answers so far back in hidden fields (POST, so they never appear in a URL, an access log or the
browser's history), nothing is written to the database or a log, and every checker page is
``Cache-Control: no-store``.

Officers (declared for the local-authority officer role: 403 for anyone else) write drafts and
publish them. A council, draft or tier of another council answers 404.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import ValidationError as PydanticValidationError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from entitlements import (
    application_pages,
    decision_pages,
    eligibility,
    package_pages,
    permissions,
    presenters,
    queries,
    renewal_pages,
    report_pages,
    services,
    shortfall_pages,
    sufficiency_pages,
)
from entitlements.enums import Answer, Outcome, StatementStatus, TierKind
from entitlements.models import CouncilProfile, Statement, Tier
from entitlements.schemas import CouncilProfileIn, StatementPartForm, StatementPartIn, TierForm, TierIn, TierRules
from providers.enums import Need, ServiceKind
from shortbreaks.accounts.models import Organisation
from shortbreaks.errors import DomainError, FieldError, NotFound
from shortbreaks.forms import read_form
from shortbreaks.messages import describe_all
from shortbreaks.permissions import LA_OFFICER, PUBLIC
from shortbreaks.routing import page
from shortbreaks.web import error_summary, field_errors, path_uuid, redirect, render, request_now, request_principal

# --- the public statement ----------------------------------------------------------------------------


def _slug(request: Request) -> str:
    slug: str = request.path_params["slug"]
    return slug


async def _statement_context(council: CouncilProfile, statement: Statement) -> dict[str, Any]:
    tiers = await queries.list_tiers(statement)
    published = await queries.find_published(council)
    return {
        "council": council,
        "statement": statement,
        "tiers": tiers,
        "kinds": {t.id: presenters.service_kinds(t) for t in tiers},
        "versions": await queries.list_public_versions(council),
        "current_number": published.number if published else None,
        "allowance_year": presenters.allowance_year_text(council),
    }


async def councils_page(request: Request) -> Response:
    """Every council that has published its statement here: where a family starts."""
    return render(request, "entitlements/councils.html", {"councils": await queries.list_published_councils()})


async def statement_page(request: Request) -> Response:
    council = await queries.get_council(_slug(request))
    statement = await queries.get_published(council)
    return render(request, "entitlements/statement.html", await _statement_context(council, statement))


async def statement_print_page(request: Request) -> Response:
    council = await queries.get_council(_slug(request))
    statement = await queries.get_published(council)
    return render(request, "entitlements/statement_print.html", await _statement_context(council, statement))


async def version_page(request: Request) -> Response:
    council = await queries.get_council(_slug(request))
    statement = await queries.get_public_version(council, int(request.path_params["number"]))
    return render(request, "entitlements/statement.html", await _statement_context(council, statement))


# --- the eligibility checker --------------------------------------------------------------------------


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


async def _checker(request: Request) -> tuple[CouncilProfile, Statement, list[Tier], list[str]]:
    council = await queries.get_council(_slug(request))
    statement = await queries.get_published(council)
    tiers = await queries.list_tiers(statement)
    questions = eligibility.questions_for(TierRules.model_validate(t.rules or {}) for t in tiers)
    return council, statement, tiers, questions


async def check_start_page(request: Request) -> Response:
    council, _statement, tiers, questions = await _checker(request)
    return _no_store(
        render(request, "entitlements/check_start.html", {"council": council, "tiers": tiers, "question_count": len(questions)})
    )


def _raw(form: FormData, name: str) -> Any:
    return [v for v in form.getlist(name) if isinstance(v, str)] if name == "needs" else form.get(name)


def _carried(name: str, value: Any) -> list[str]:
    """An answer as the hidden field values that carry it to the next page."""
    if value is None:
        return []
    if name == "needs":
        return [n.value for n in value] or [eligibility.NO_NEEDS]
    return [value.value if isinstance(value, Answer) else str(value)]


async def check_answer_page(request: Request) -> Response:
    """One step of the checker: read the answers so far, then show the next question or the result."""
    council, statement, tiers, questions = await _checker(request)
    form = await request.form()
    step = form.get("step")
    answers: dict[str, Any] = {}
    errors: list[FieldError] = []
    for name in questions:
        try:
            answers[name] = eligibility.parse_answer(name, _raw(form, name))
        except eligibility.AnswerError as exc:
            answers[name] = None
            if name == step:
                errors.append(FieldError(name, exc.message))
    if form.get("back") is not None and step in questions:
        index = questions.index(step)
        if index == 0:
            return _no_store(
                render(request, "entitlements/check_start.html", {"council": council, "tiers": tiers, "question_count": len(questions)})
            )
        return _question(request, council, questions, questions[index - 1], answers, [])
    for name in questions:
        if answers[name] is None:
            if name == step and not errors:
                errors.append(FieldError(name, eligibility.blank_message(name)))
            return _question(request, council, questions, name, answers, errors if name == step else [])
    return _result(request, council, statement, tiers, answers)


def _question(
    request: Request, council: CouncilProfile, questions: list[str], name: str, answers: dict[str, Any], errors: list[FieldError]
) -> Response:
    hidden = [(q, v) for q in questions if q != name for v in _carried(q, answers.get(q))]
    current = answers.get(name)
    context = {
        "council": council,
        "question": eligibility.QUESTION_TEXT[name],
        "number": questions.index(name) + 1,
        "count": len(questions),
        "hidden": hidden,
        "value": _carried(name, current) if current is not None else [],
        "needs": [(n.value, n.label) for n in Need],
        "yes_no": [(a.value, a.label) for a in Answer],
        "errors": error_summary(errors),
        "field_errors": field_errors(errors),
    }
    return _no_store(render(request, "entitlements/check_question.html", context, status_code=422 if errors else 200))


def _result(request: Request, council: CouncilProfile, statement: Statement, tiers: list[Tier], answers: dict[str, Any]) -> Response:
    rows = []
    for tier in tiers:
        assessment = eligibility.assess(TierRules.model_validate(tier.rules or {}), answers, districts=council.postcode_districts or [])
        rows.append({"tier": tier, "outcome": assessment.outcome, "reasons": assessment.reasons})
    context = {
        "council": council,
        "statement": statement,
        "may_qualify": [r for r in rows if r["outcome"] != Outcome.UNLIKELY],
        "unlikely": [r for r in rows if r["outcome"] == Outcome.UNLIKELY],
        "kinds": {t.id: presenters.service_kinds(t) for t in tiers},
    }
    return _no_store(render(request, "entitlements/check_result.html", context))


# --- officers: the council's profile and versions ------------------------------------------------------


async def officer_index_page(
    request: Request, *, errors: list[FieldError] | None = None, values: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    principal = request_principal(request)
    authorities = await Organisation.filter(id__in=permissions.officer_authority_ids(principal)).order_by("name")
    profiles = {p.local_authority_id: p for p in await queries.list_officer_councils(principal)}
    councils = []
    for authority in authorities:
        profile = profiles.get(authority.id)
        councils.append(
            {
                "authority": authority,
                "profile": profile,
                "versions": await queries.list_versions(profile) if profile else [],
                "draft": await queries.find_draft(profile) if profile else None,
            }
        )
    return render(
        request,
        "entitlements/officer_index.html",
        {
            "councils": councils,
            "months": [(m, name) for m, name in enumerate(MONTHS, start=1)],
            "errors": error_summary(errors or []),
            "field_errors": field_errors(errors or []),
            "values": values or {},
        },
        status_code=status_code,
    )


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]


async def officer_index_view(request: Request) -> Response:
    return await officer_index_page(request)


def _domain_errors(exc: DomainError, default_field: str) -> list[FieldError]:
    return exc.errors or [FieldError(default_field, exc.message)]


async def save_profile_page(request: Request) -> Response:
    principal = request_principal(request)
    form, errors, values = await read_form(request, CouncilProfileIn)
    authority_id = values.get("local_authority_id")
    try:
        authority = await Organisation.get_or_none(id=UUID(str(authority_id)))
    except ValueError:
        authority = None
    if authority is None or not permissions.is_officer_for(principal, authority.id):
        raise NotFound()
    if form is not None:
        try:
            await services.save_council_profile(authority, form, actor=principal, now=request_now(request))
        except DomainError as exc:
            if exc.status_code not in (409, 422):
                raise
            errors = _domain_errors(exc, "slug")
        else:
            return redirect(request, str(request.url_for("entitlements:officer_index").path), message="Council details saved")
    return await officer_index_page(request, errors=errors, values=values, status_code=422)


async def create_draft_page(request: Request) -> Response:
    principal = request_principal(request)
    council = await queries.get_council_for_officer(principal, _slug(request))
    try:
        draft = await services.create_draft(council, actor=principal, now=request_now(request))
    except DomainError as exc:
        if exc.status_code != 409:
            raise
        return await officer_index_page(request, errors=_domain_errors(exc, "drafts"), status_code=409)
    return redirect(request, str(request.url_for("entitlements:draft", statement_id=draft.id).path), message="Draft started")


async def draft_page(
    request: Request, *, errors: list[FieldError] | None = None, values: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    principal = request_principal(request)
    statement = await queries.get_statement_for_officer(principal, path_uuid(request, "statement_id"))
    tiers = await queries.list_tiers(statement)
    shown = values if values is not None else {f: getattr(statement, f) for f in services.STATEMENT_FIELDS}
    return render(
        request,
        "entitlements/draft.html",
        {
            "statement": statement,
            "council": statement.council,
            "tiers": tiers,
            "is_draft": statement.status == StatementStatus.DRAFT,
            "errors": error_summary(errors or []),
            "field_errors": field_errors(errors or []),
            "values": shown,
        },
        status_code=status_code,
    )


async def draft_view(request: Request) -> Response:
    return await draft_page(request)


async def save_draft_page(request: Request) -> Response:
    principal = request_principal(request)
    statement = await queries.get_statement_for_officer(principal, path_uuid(request, "statement_id"))
    form, errors, values = await read_form(request, StatementPartForm)
    if form is not None:
        try:
            await services.update_statement(
                statement, StatementPartIn.model_validate(form.model_dump()), actor=principal, now=request_now(request)
            )
        except DomainError as exc:
            if exc.status_code not in (409, 422):
                raise
            errors = _domain_errors(exc, "introduction")
        else:
            return redirect(request, str(request.url_for("entitlements:draft", statement_id=statement.id).path), message="Statement saved")
    return await draft_page(request, errors=errors, values=values, status_code=422)


async def publish_page(request: Request) -> Response:
    principal = request_principal(request)
    statement = await queries.get_statement_for_officer(principal, path_uuid(request, "statement_id"))
    try:
        published = await services.publish_statement(statement, actor=principal, now=request_now(request))
    except DomainError as exc:
        if exc.status_code not in (409, 422):
            raise
        return await draft_page(request, errors=_domain_errors(exc, "publish"), status_code=exc.status_code)
    url = request.url_for("entitlements:statement", slug=statement.council.slug).path
    return redirect(request, str(url), message=f"Version {published.number} published")


# --- officers: tiers -----------------------------------------------------------------------------------


def _tier_values(tier: Tier) -> dict[str, Any]:
    rules = TierRules.model_validate(tier.rules or {})
    values: dict[str, Any] = {
        "code": tier.code,
        "kind": tier.kind.value,
        "name": tier.name,
        "criteria": tier.criteria,
        "hours_per_year": tier.hours_per_year,
        "pounds_per_year": f"{tier.pence_per_year / 100:.2f}" if tier.pence_per_year else "",
        "gives": tier.gives,
        "service_kinds": list(tier.service_kinds or []),
        "how_to_apply": tier.how_to_apply,
    }
    values.update(rules.model_dump(mode="json"))
    return values


def _tier_form_context(statement: Statement, values: dict[str, Any], errors: list[FieldError], tier: Tier | None) -> dict[str, Any]:
    return {
        "statement": statement,
        "tier": tier,
        "values": values,
        "kinds": [(k.value, k.label) for k in TierKind],
        "needs": [(n.value, n.label) for n in Need],
        "service_kinds": [(k.value, k.label) for k in ServiceKind],
        "errors": error_summary(errors),
        "field_errors": field_errors(errors),
    }


def _tier_errors(exc: DomainError) -> list[FieldError]:
    """A service's field names as the form's (``pence_per_year`` is typed in pounds; rules are flat)."""
    renamed = {"pence_per_year": "pounds_per_year"}
    return [FieldError(renamed.get(e.field, e.field.removeprefix("rules.")), e.message) for e in _domain_errors(exc, "code")]


async def _read_tier(request: Request) -> tuple[TierIn | None, list[FieldError], dict[str, Any]]:
    form, errors, values = await read_form(request, TierForm, list_fields=("needs", "service_kinds"))
    if form is None:
        return None, errors, values
    try:
        return TierIn.model_validate(form.to_tier()), [], values
    except PydanticValidationError as exc:
        # In people's words, a rule across two boxes (youngest age above oldest) on the first of them.
        errors = [
            FieldError("min_age" if e.field == "rules" else e.field.removeprefix("rules."), e.message)
            for e in describe_all(exc, schema=TierForm)
        ]
        return None, errors, values


async def new_tier_page(request: Request) -> Response:
    principal = request_principal(request)
    statement = await queries.get_statement_for_officer(principal, path_uuid(request, "statement_id"))
    return render(request, "entitlements/tier_form.html", _tier_form_context(statement, {}, [], None))


async def add_tier_page(request: Request) -> Response:
    principal = request_principal(request)
    statement = await queries.get_statement_for_officer(principal, path_uuid(request, "statement_id"))
    body, errors, values = await _read_tier(request)
    if body is not None:
        try:
            await services.add_tier(statement, body, actor=principal, now=request_now(request))
        except DomainError as exc:
            if exc.status_code not in (409, 422):
                raise
            errors = _tier_errors(exc)
        else:
            return redirect(request, str(request.url_for("entitlements:draft", statement_id=statement.id).path), message="Tier added")
    return render(request, "entitlements/tier_form.html", _tier_form_context(statement, values, errors, None), status_code=422)


async def tier_page(request: Request) -> Response:
    principal = request_principal(request)
    tier = await queries.get_tier_for_officer(principal, path_uuid(request, "tier_id"))
    return render(request, "entitlements/tier_form.html", _tier_form_context(tier.statement, _tier_values(tier), [], tier))


async def save_tier_page(request: Request) -> Response:
    principal = request_principal(request)
    tier = await queries.get_tier_for_officer(principal, path_uuid(request, "tier_id"))
    body, errors, values = await _read_tier(request)
    if body is not None:
        try:
            await services.update_tier(tier, body, actor=principal, now=request_now(request))
        except DomainError as exc:
            if exc.status_code not in (409, 422):
                raise
            errors = _tier_errors(exc)
        else:
            return redirect(request, str(request.url_for("entitlements:draft", statement_id=tier.statement_id).path), message="Tier saved")
    return render(request, "entitlements/tier_form.html", _tier_form_context(tier.statement, values, errors, tier), status_code=422)


async def remove_tier_page(request: Request) -> Response:
    principal = request_principal(request)
    tier = await queries.get_tier_for_officer(principal, path_uuid(request, "tier_id"))
    try:
        await services.remove_tier(tier, actor=principal, now=request_now(request))
    except DomainError as exc:
        if exc.status_code != 409:
            raise
        return render(
            request,
            "entitlements/tier_form.html",
            _tier_form_context(tier.statement, _tier_values(tier), _domain_errors(exc, "code"), tier),
            status_code=409,
        )
    return redirect(request, str(request.url_for("entitlements:draft", statement_id=tier.statement_id).path), message="Tier removed")


COUNCIL = "/councils/{slug}/short-breaks"
OFFICER = "/authority/short-breaks"

routes = [
    page("/councils", councils_page, name="entitlements:councils", permission=PUBLIC),
    page(COUNCIL, statement_page, name="entitlements:statement", permission=PUBLIC),
    page(COUNCIL + "/print", statement_print_page, name="entitlements:statement_print", permission=PUBLIC),
    page(COUNCIL + "/versions/{number:int}", version_page, name="entitlements:version", permission=PUBLIC),
    page(COUNCIL + "/check", check_start_page, name="entitlements:check", permission=PUBLIC),
    # No CSRF token: the checker changes nothing, and a family's expired anonymous cookie must not lose its answers.
    page(COUNCIL + "/check", check_answer_page, name="entitlements:check_answer", permission=PUBLIC, methods=["POST"], csrf=False),
    page(OFFICER, officer_index_view, name="entitlements:officer_index", permission=LA_OFFICER),
    page(OFFICER + "/profile", save_profile_page, name="entitlements:profile", permission=LA_OFFICER, methods=["POST"]),
    page(OFFICER + "/{slug}/drafts", create_draft_page, name="entitlements:draft_create", permission=LA_OFFICER, methods=["POST"]),
    page(OFFICER + "/drafts/{statement_id:uuid}", draft_view, name="entitlements:draft", permission=LA_OFFICER),
    page(OFFICER + "/drafts/{statement_id:uuid}", save_draft_page, name="entitlements:draft_save", permission=LA_OFFICER, methods=["POST"]),
    page(
        OFFICER + "/drafts/{statement_id:uuid}/publish", publish_page, name="entitlements:publish", permission=LA_OFFICER, methods=["POST"]
    ),
    page(OFFICER + "/drafts/{statement_id:uuid}/tiers/new", new_tier_page, name="entitlements:tier_new", permission=LA_OFFICER),
    page(
        OFFICER + "/drafts/{statement_id:uuid}/tiers", add_tier_page, name="entitlements:tier_add", permission=LA_OFFICER, methods=["POST"]
    ),
    page(OFFICER + "/tiers/{tier_id:uuid}", tier_page, name="entitlements:tier", permission=LA_OFFICER),
    page(OFFICER + "/tiers/{tier_id:uuid}", save_tier_page, name="entitlements:tier_save", permission=LA_OFFICER, methods=["POST"]),
    page(
        OFFICER + "/tiers/{tier_id:uuid}/remove", remove_tier_page, name="entitlements:tier_remove", permission=LA_OFFICER, methods=["POST"]
    ),
]

# Renewal (entitlements.renewal_pages): a family renews, officers renew in bulk.
routes += renewal_pages.routes

# The applications report (its own module: entitlements/report_pages.py).
routes += report_pages.page_routes
routes += sufficiency_pages.page_routes  # the sufficiency report (issue #21)
routes += application_pages.routes  # a family's applications and the council's own questions

# Deciding applications (entitlements.decision_pages).
routes += decision_pages.routes
routes += package_pages.routes  # agreed packages: officers record and vary them; the family's view (issue #21)
routes += shortfall_pages.routes  # shortfall cases: officers work them; each council's thresholds (issue #21)
