"""A family's application pages, and the officers' page for their council's own questions.

Families (declared for the family role): "Apply" from a tier of a council's published statement
chooses a child and starts (or reopens) a draft; the application page lists its questions (one
question a page, each answer saved as it is given), its evidence and its history; then check your
answers, and send. ``/applications`` lists them all. Another family's child, application or file
answers 404. An evidence file is served only to its family and the council's officers.

Uploading evidence reads the form itself, with a size limit (:mod:`entitlements.uploads`), so the
route is declared without the wrapper's CSRF check (which would read the whole body first) and
checks the token after the capped read.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from bookings.models import Child
from entitlements import applications, queries, uploads
from entitlements.applications import FormQuestion
from entitlements.enums import OPEN_APPLICATION_STATUSES, ApplicationStatus, QuestionKind
from entitlements.models import Application, Evidence
from entitlements.storage import StoredFileMissing, storage_from_settings
from shortbreaks.errors import DomainError, FieldError, NotFound
from shortbreaks.forms import form_values
from shortbreaks.permissions import FAMILY, LA_OFFICER, SIGNED_IN
from shortbreaks.routing import page
from shortbreaks.web import error_summary, field_errors, path_uuid, redirect, render, request_now, request_principal, verify_csrf


def _url(request: Request, name: str, **params: Any) -> str:
    return str(request.url_for(name, **params).path)


def _app_url(request: Request, application: Application) -> str:
    return _url(request, "entitlements:application", application_id=application.id)


# --- starting ----------------------------------------------------------------------------------------


async def _apply_context(request: Request) -> dict[str, Any]:
    council = await queries.get_council(request.path_params["slug"])
    tier = await applications.applicable_tier(council, request.path_params["tier_code"])
    principal = request_principal(request)
    children = await Child.filter(family_id=principal.user.id, erased_at=None).order_by("first_name")
    return {
        "council": council,
        "tier": tier,
        "children": children,
        "verified": principal.user.email_verified_at is not None,
    }


async def apply_page(request: Request) -> Response:
    return render(request, "entitlements/apply/start.html", await _apply_context(request) | {"errors": [], "field_errors": {}})


async def apply_start_page(request: Request) -> Response:
    context = await _apply_context(request)
    principal = request_principal(request)
    values = await form_values(request)
    if not values.get("child_id"):
        errors = [FieldError("child_id", "Select the child you are applying for")]
        return render(
            request,
            "entitlements/apply/start.html",
            context | {"errors": error_summary(errors), "field_errors": field_errors(errors)},
            status_code=422,
        )
    child = await applications.own_child(principal, values.get("child_id"))
    try:
        application, created = await applications.start_application(
            principal, context["council"], context["tier"], child, now=request_now(request)
        )
    except DomainError as exc:
        if exc.status_code != 422:
            raise
        errors = exc.errors or [FieldError("child_id", exc.message)]
        return render(
            request,
            "entitlements/apply/start.html",
            context | {"errors": error_summary(errors), "field_errors": field_errors(errors), "selected": str(child.id)},
            status_code=422,
        )
    message = f"Application {application.reference} started" if created else "You have already started this application"
    return redirect(request, _app_url(request, application), message=message)


# --- the application -------------------------------------------------------------------------------------


async def _loaded(request: Request) -> Application:
    return await applications.get_for_family(request_principal(request), path_uuid(request, "application_id"))


async def _overview_context(application: Application) -> dict[str, Any]:
    questions = await applications.form_for(application)
    answers = application.answers or {}
    return {
        "application": application,
        "questions": questions,
        "answers": answers,
        "shown": {q.key: applications.show_answer(q, answers.get(q.key)) for q in questions},
        "evidence": await applications.list_evidence(application),
        "history": await applications.shared_history(application),
        "can_edit": application.status == ApplicationStatus.DRAFT,
        "can_upload": application.status in applications.EVIDENCE_STATUSES,
        "can_withdraw": application.status in OPEN_APPLICATION_STATUSES,
        "answered": sum(1 for q in questions if answers.get(q.key) not in (None, "")),
    }


async def application_page(
    request: Request, *, errors: list[FieldError] | None = None, status_code: int = 200, application: Application | None = None
) -> Response:
    application = application or await _loaded(request)
    context = await _overview_context(application)
    context["max_size"] = uploads.size_text(request.app.state.settings.evidence_max_bytes)
    context["errors"] = error_summary(errors or [])
    context["field_errors"] = field_errors(errors or [])
    return render(request, "entitlements/apply/application.html", context, status_code=status_code)


async def application_view(request: Request) -> Response:
    return await application_page(request)


async def my_applications_page(request: Request) -> Response:
    found = await applications.list_for_family(request_principal(request))
    return render(request, "entitlements/apply/list.html", {"applications": found})


def _find(questions: list[FormQuestion], key: str) -> FormQuestion:
    for q in questions:
        if q.key == key:
            return q
    raise NotFound("This application has no question with that name")


def _question_context(
    application: Application, questions: list[FormQuestion], question: FormQuestion, value: Any, errors: list[FieldError]
) -> dict[str, Any]:
    if question.kind == QuestionKind.DATE and isinstance(value, str):
        year, month, day = value.split("-")
        value = {"day": str(int(day)), "month": str(int(month)), "year": year}
    return {
        "application": application,
        "question": question,
        "number": questions.index(question) + 1,
        "count": len(questions),
        "value": value,
        "errors": error_summary(errors, anchors={"answer": "answer-day"} if question.kind == QuestionKind.DATE else None),
        "field_errors": field_errors(errors),
    }


async def question_page(request: Request) -> Response:
    application = await _loaded(request)
    if application.status != ApplicationStatus.DRAFT:
        return redirect(request, _app_url(request, application))
    questions = await applications.form_for(application)
    question = _find(questions, request.path_params["key"])
    context = _question_context(application, questions, question, (application.answers or {}).get(question.key), [])
    context["return_to"] = request.query_params.get("return", "")
    return render(request, "entitlements/apply/question.html", context)


def _raw_answer(question: FormQuestion, values: dict[str, Any]) -> Any:
    if question.kind == "needs":
        raw = values.get("answer")
        return raw if isinstance(raw, list) else ([raw] if raw else [])
    if question.kind == QuestionKind.DATE:
        return {part: values.get(f"answer-{part}", "") for part in ("day", "month", "year")}
    return values.get("answer")


async def question_save_page(request: Request) -> Response:
    principal = request_principal(request)
    application = await _loaded(request)
    questions = await applications.form_for(application)
    question = _find(questions, request.path_params["key"])
    values = await form_values(request)
    raw = _raw_answer(question, values)
    return_to = values.get("return") if values.get("return") == "check" else ""
    later = values.get("later") is not None
    try:
        saved = await applications.save_answer(principal, application, question.key, raw, now=request_now(request))
    except DomainError as exc:
        if exc.status_code != 422:
            raise
        errors = [FieldError("answer", e.message) for e in exc.errors] or [FieldError("answer", exc.message)]
        context = _question_context(application, questions, question, raw, errors)
        context["return_to"] = return_to
        return render(request, "entitlements/apply/question.html", context, status_code=422)
    answers = saved.answers or {}
    if not later and question.required and answers.get(question.key) in (None, ""):
        errors = [FieldError("answer", applications.blank_message(question))]
        context = _question_context(application, questions, question, raw, errors)
        context["return_to"] = return_to
        return render(request, "entitlements/apply/question.html", context, status_code=422)
    if later:
        return redirect(request, _app_url(request, application), message="Your answers are saved. You can come back to them at any time")
    if return_to == "check":
        return redirect(request, _url(request, "entitlements:application_check", application_id=application.id))
    index = questions.index(question)
    for following in questions[index + 1 :]:
        if answers.get(following.key) in (None, ""):
            return redirect(request, _question_url(request, application, following))
    return redirect(request, _url(request, "entitlements:application_check", application_id=application.id))


def _question_url(request: Request, application: Application, question: FormQuestion) -> str:
    return _url(request, "entitlements:application_question", application_id=application.id, key=question.key)


async def check_page(request: Request, *, errors: list[FieldError] | None = None, status_code: int = 200) -> Response:
    application = await _loaded(request)
    if application.status != ApplicationStatus.DRAFT:
        return redirect(request, _app_url(request, application))
    context = await _overview_context(application)
    anchors = {q.key: "question-" + q.key for q in context["questions"]}
    context["errors"] = error_summary(errors or [], anchors=anchors)
    context["field_errors"] = field_errors(errors or [])
    return render(request, "entitlements/apply/check.html", context, status_code=status_code)


async def check_view(request: Request) -> Response:
    return await check_page(request)


async def submit_page(request: Request) -> Response:
    principal = request_principal(request)
    application = await _loaded(request)
    link = str(request.app.state.settings.base_url) + _app_url(request, application)
    try:
        sent, now_sent = await applications.submit_application(principal, application, now=request_now(request), link=link)
    except DomainError as exc:
        if exc.status_code != 422:
            raise
        return await check_page(request, errors=exc.errors or [FieldError("child_id", exc.message)], status_code=422)
    message = f"Application sent. Your reference is {sent.reference}" if now_sent else None
    return redirect(request, _app_url(request, sent), message=message)


async def withdraw_page(request: Request) -> Response:
    principal = request_principal(request)
    application = await _loaded(request)
    withdrawn = await applications.withdraw_application(principal, application, now=request_now(request))
    return redirect(request, _app_url(request, withdrawn), message="Application withdrawn")


# --- evidence -------------------------------------------------------------------------------------------


async def upload_page(request: Request) -> Response:
    """Read the form with the size cap, then check CSRF, then the file, and only then store it."""
    principal = request_principal(request)
    application = await _loaded(request)
    settings = request.app.state.settings
    limit = settings.evidence_max_bytes
    try:
        form = await uploads.read_form(request, limit=limit)
    except DomainError as exc:
        if exc.status_code != 422:
            raise
        return await application_page(request, errors=exc.errors, status_code=422, application=application)
    try:
        await verify_csrf(request, form)
        upload = await uploads.take_file(form, limit=limit)
        await applications.add_evidence(principal, application, upload, storage=storage_from_settings(settings), now=request_now(request))
    except DomainError as exc:
        if exc.status_code not in (409, 422):
            raise
        return await application_page(request, errors=exc.errors or [FieldError("file", exc.message)], status_code=exc.status_code)
    finally:
        await uploads.close_form(form)
    return redirect(request, _app_url(request, application) + "#evidence", message=f"{upload.filename} uploaded")


async def file_response(request: Request, evidence: Evidence) -> Response:
    """The file as a download, never shown inline, its type never guessed again by the browser."""
    try:
        data = await storage_from_settings(request.app.state.settings).open(evidence.storage_key)
    except StoredFileMissing:
        raise NotFound("That file is no longer kept") from None
    ascii_name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in evidence.filename)
    return Response(
        data,
        media_type=evidence.content_type,
        headers={
            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(evidence.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


async def evidence_page(request: Request) -> Response:
    evidence = await applications.get_evidence(
        request_principal(request), path_uuid(request, "application_id"), path_uuid(request, "evidence_id")
    )
    return await file_response(request, evidence)


# --- officers: the council's own questions ---------------------------------------------------------------


def _question_input(values: dict[str, Any], tier_codes: list[str]) -> tuple[applications.QuestionInput | None, list[FieldError]]:
    errors: list[FieldError] = []
    tier_code = str(values.get("tier_code") or "")
    if tier_code not in tier_codes:
        errors.append(FieldError("tier_code", "Select the tier the question is for"))
    try:
        kind = QuestionKind(str(values.get("kind") or ""))
    except ValueError:
        kind = None
        errors.append(FieldError("kind", "Select the kind of answer"))
    label = str(values.get("label") or "").strip()
    if not label:
        errors.append(FieldError("label", "Enter the question"))
    elif len(label) > 300:
        errors.append(FieldError("label", "The question must be 300 characters or fewer"))
    hint = str(values.get("hint") or "").strip()[:2000]
    choices = [line.strip()[:200] for line in str(values.get("choices") or "").splitlines() if line.strip()]
    if kind == QuestionKind.CHOICE and len(choices) < 2:
        errors.append(FieldError("choices", "Give at least two options, one a line"))
    if kind is not None and kind != QuestionKind.CHOICE:
        choices = []
    if errors or kind is None:
        return None, errors
    required = values.get("required") in ("true", "on", "yes")
    return applications.QuestionInput(tier_code, kind, label, hint, choices[:30], required), []


async def _officer_council(request: Request, slug: str | None = None) -> Any:
    principal = request_principal(request)
    councils = await applications.officer_councils(principal)
    if slug is not None:
        for council in councils:
            if council.slug == slug:
                return council
        raise NotFound("There is no council at that address")
    return councils


async def officer_questions_page(
    request: Request, *, errors: list[FieldError] | None = None, values: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    councils = await _officer_council(request)
    blocks = []
    for council in councils:
        codes = await applications.tier_codes(council)
        names = dict(codes)
        per_tier = []
        for code, name in codes:
            per_tier.append(
                {"code": code, "name": name, "questions": await applications.council_questions(council.id, code, archived=True)}
            )
        blocks.append({"council": council, "tiers": per_tier, "codes": codes, "names": names})
    return render(
        request,
        "entitlements/apply/officer_questions.html",
        {
            "blocks": blocks,
            "kinds": [(k.value, k.label) for k in QuestionKind],
            "values": values or {"required": "true"},
            "errors": error_summary(errors or []),
            "field_errors": field_errors(errors or []),
        },
        status_code=status_code,
    )


async def officer_questions_view(request: Request) -> Response:
    return await officer_questions_page(request)


async def question_add_page(request: Request) -> Response:
    principal = request_principal(request)
    council = await _officer_council(request, request.path_params["slug"])
    values = await form_values(request)
    body, errors = _question_input(values, [c for c, _ in await applications.tier_codes(council)])
    if body is None:
        return await officer_questions_page(request, errors=errors, values=values, status_code=422)
    try:
        await applications.add_question(principal, council, body, now=request_now(request))
    except DomainError as exc:
        if exc.status_code != 422:
            raise
        return await officer_questions_page(request, errors=exc.errors, values=values, status_code=422)
    return redirect(request, _url(request, "entitlements:officer_questions"), message="Question added")


async def question_edit_page(
    request: Request, *, errors: list[FieldError] | None = None, values: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    question = await applications.get_question_for_officer(request_principal(request), path_uuid(request, "question_id"))
    shown = values or {
        "kind": question.kind.value,
        "label": question.label,
        "hint": question.hint,
        "choices": "\n".join(question.choices or []),
        "required": "true" if question.required else "",
    }
    return render(
        request,
        "entitlements/apply/officer_question.html",
        {
            "question": question,
            "kinds": [(k.value, k.label) for k in QuestionKind],
            "values": shown,
            "errors": error_summary(errors or []),
            "field_errors": field_errors(errors or []),
        },
        status_code=status_code,
    )


async def question_edit_view(request: Request) -> Response:
    return await question_edit_page(request)


async def question_update_page(request: Request) -> Response:
    principal = request_principal(request)
    question = await applications.get_question_for_officer(principal, path_uuid(request, "question_id"))
    values = await form_values(request)
    values["tier_code"] = question.tier_code
    body, errors = _question_input(values, [question.tier_code])
    if body is None:
        return await question_edit_page(request, errors=errors, values=values, status_code=422)
    await applications.update_question(principal, question, body, now=request_now(request))
    return redirect(request, _url(request, "entitlements:officer_questions"), message="Question saved")


async def question_move_page(request: Request) -> Response:
    principal = request_principal(request)
    question = await applications.get_question_for_officer(principal, path_uuid(request, "question_id"))
    values = await form_values(request)
    await applications.move_question(principal, question, up=values.get("direction") == "up", now=request_now(request))
    return redirect(request, _url(request, "entitlements:officer_questions") + f"#tier-{question.council_id}-{question.tier_code}")


async def question_archive_page(request: Request) -> Response:
    principal = request_principal(request)
    question = await applications.get_question_for_officer(principal, path_uuid(request, "question_id"))
    archived = not question.archived
    await applications.archive_question(principal, question, archived=archived, now=request_now(request))
    return redirect(
        request, _url(request, "entitlements:officer_questions"), message="Question no longer asked" if archived else "Question asked again"
    )


APP = "/applications/{application_id:uuid}"
QUESTIONS = "/authority/short-breaks/questions"

routes = [
    page("/councils/{slug}/short-breaks/apply/{tier_code}", apply_page, name="entitlements:apply", permission=FAMILY),
    page(
        "/councils/{slug}/short-breaks/apply/{tier_code}",
        apply_start_page,
        name="entitlements:apply_start",
        permission=FAMILY,
        methods=["POST"],
    ),
    page("/applications", my_applications_page, name="entitlements:my_applications", permission=FAMILY),
    page(APP, application_view, name="entitlements:application", permission=FAMILY),
    page(APP + "/questions/{key}", question_page, name="entitlements:application_question", permission=FAMILY),
    page(APP + "/questions/{key}", question_save_page, name="entitlements:application_answer", permission=FAMILY, methods=["POST"]),
    page(APP + "/check", check_view, name="entitlements:application_check", permission=FAMILY),
    page(APP + "/submit", submit_page, name="entitlements:application_submit", permission=FAMILY, methods=["POST"]),
    page(APP + "/withdraw", withdraw_page, name="entitlements:application_withdraw", permission=FAMILY, methods=["POST"]),
    # The CSRF token is checked by the endpoint after the size-capped read (see the module's docstring).
    page(APP + "/evidence", upload_page, name="entitlements:evidence_upload", permission=FAMILY, methods=["POST"], csrf=False),
    page(APP + "/evidence/{evidence_id:uuid}", evidence_page, name="entitlements:evidence", permission=SIGNED_IN),
    page(QUESTIONS, officer_questions_view, name="entitlements:officer_questions", permission=LA_OFFICER),
    page(QUESTIONS + "/{slug}", question_add_page, name="entitlements:question_add", permission=LA_OFFICER, methods=["POST"]),
    page(QUESTIONS + "/q/{question_id:uuid}", question_edit_view, name="entitlements:question_edit", permission=LA_OFFICER),
    page(
        QUESTIONS + "/q/{question_id:uuid}",
        question_update_page,
        name="entitlements:question_update",
        permission=LA_OFFICER,
        methods=["POST"],
    ),
    page(
        QUESTIONS + "/q/{question_id:uuid}/move",
        question_move_page,
        name="entitlements:question_move",
        permission=LA_OFFICER,
        methods=["POST"],
    ),
    page(
        QUESTIONS + "/q/{question_id:uuid}/archive",
        question_archive_page,
        name="entitlements:question_archive",
        permission=LA_OFFICER,
        methods=["POST"],
    ),
]
