"""Officers' pages for shortfall cases: the list (open and escalated first, closed on its own tab), a case with
the package's figures the night it opened and today, its history, the form to record what was done and
close it, and each council's thresholds.

Declared for local-authority officers (403 for anyone else); a case or council of another council
answers 404. A refused form (422: no action chosen, closing with nothing recorded; 409: the case is
already closed) comes back with the GOV.UK error summary.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from entitlements import queries, shortfall_cases
from entitlements.decision_queries import list_council_officers
from entitlements.enums import ShortfallAction, ShortfallStatus
from entitlements.shortfall_schemas import ActionForm, CloseForm, SettingsForm
from shortbreaks.accounts.models import User
from shortbreaks.errors import DomainError, FieldError
from shortbreaks.forms import read_form
from shortbreaks.permissions import LA_OFFICER
from shortbreaks.routing import page
from shortbreaks.web import error_summary, field_errors, path_uuid, redirect, render, request_now, request_principal


async def list_page(
    request: Request,
) -> Response:
    principal = request_principal(request)
    closed = request.query_params.get("status") == "closed"
    cases = await shortfall_cases.list_cases(principal, status=ShortfallStatus.CLOSED if closed else None)
    councils = sorted(await queries.list_officer_councils(principal), key=lambda c: c.local_authority.name)
    return render(
        request,
        "entitlements/shortfalls/list.html",
        {
            "cases": cases,
            "closed": closed,
            "councils": councils,
            "amount": shortfall_cases.amount_text,
        },
    )


async def case_page(
    request: Request, *, errors: list[FieldError] | None = None, values: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    case = await shortfall_cases.get_case_for_officer(request_principal(request), path_uuid(request, "case_id"))
    events = await shortfall_cases.case_events(case)
    people = {u.id: u for u in await User.filter(id__in=[i for i in (case.officer_id, case.escalated_to_id) if i])}
    return render(
        request,
        "entitlements/shortfalls/case.html",
        {
            "case": case,
            "child": case.child,
            "events": events,
            "people": people,
            "today": await shortfall_cases.today_figures(case, now=request_now(request)),
            "amount": shortfall_cases.amount_text,
            "actions": [(a.value, a.label) for a in ShortfallAction],
            "errors": error_summary(errors or []),
            "field_errors": field_errors(errors or []),
            "values": values or {},
        },
        status_code=status_code,
    )


async def case_view(request: Request) -> Response:
    return await case_page(request)


def _refused(exc: DomainError, field: str) -> list[FieldError]:
    if exc.status_code not in (409, 422):
        raise exc
    return exc.errors or [FieldError(field, exc.message)]


async def action_page(request: Request) -> Response:
    case_id = path_uuid(request, "case_id")
    form, errors, values = await read_form(request, ActionForm)
    if form is not None:
        try:
            await shortfall_cases.record_action(
                request_principal(request), case_id, form.action, form.note, now=request_now(request), close=form.close
            )
        except DomainError as exc:
            return await case_page(request, errors=_refused(exc, "action"), values=values, status_code=exc.status_code)
        message = f"{form.action.label}: recorded" + (", and the case is closed" if form.close else "")
        return redirect(request, str(request.url_for("entitlements:shortfall_case", case_id=case_id).path), message=message)
    return await case_page(request, errors=errors, values=values, status_code=422)


async def close_page(request: Request) -> Response:
    case_id = path_uuid(request, "case_id")
    form, errors, values = await read_form(request, CloseForm)
    if form is not None:
        try:
            await shortfall_cases.close_case(request_principal(request), case_id, form.close_note, now=request_now(request))
        except DomainError as exc:
            errors = [FieldError("close_note" if e.field == "note" else e.field, e.message) for e in _refused(exc, "action")]
            return await case_page(request, errors=errors, values=values, status_code=exc.status_code)
        return redirect(request, str(request.url_for("entitlements:shortfall_case", case_id=case_id).path), message="The case is closed")
    return await case_page(request, errors=errors, values=values, status_code=422)


async def settings_form_page(
    request: Request, *, errors: list[FieldError] | None = None, values: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    council = await queries.get_council_for_officer(request_principal(request), request.path_params["slug"])
    current = {
        "percent": council.shortfall_percent,
        "idle_weeks": council.shortfall_idle_weeks,
        "escalate_days": council.shortfall_escalate_days,
        "manager_id": str(council.shortfall_manager_id or ""),
    }
    officers = await list_council_officers(council.local_authority_id)
    return render(
        request,
        "entitlements/shortfalls/settings.html",
        {
            "council": council,
            "managers": [(str(u.id), u.display_name or u.email) for u in officers],
            "errors": error_summary(errors or []),
            "field_errors": field_errors(errors or []),
            "values": values if values is not None else current,
        },
        status_code=status_code,
    )


async def settings_view(request: Request) -> Response:
    return await settings_form_page(request)


async def save_settings_page(request: Request) -> Response:
    principal = request_principal(request)
    council = await queries.get_council_for_officer(principal, request.path_params["slug"])
    form, errors, values = await read_form(request, SettingsForm)
    if form is not None:
        try:
            settings = shortfall_cases.Settings(form.percent, form.idle_weeks, form.escalate_days, form.manager_id)
            await shortfall_cases.save_settings(principal, council, settings, now=request_now(request))
        except DomainError as exc:
            return await settings_form_page(request, errors=_refused(exc, "percent"), values=values, status_code=exc.status_code)
        return redirect(
            request,
            str(request.url_for("entitlements:shortfalls").path),
            message=f"Shortfall settings saved for {council.local_authority.name}",
        )
    return await settings_form_page(request, errors=errors, values=values, status_code=422)


ONE = "/authority/shortfalls/{case_id:uuid}"
SETTINGS = "/authority/shortfalls/settings/{slug}"

routes = [
    page("/authority/shortfalls", list_page, name="entitlements:shortfalls", permission=LA_OFFICER),
    page(ONE, case_view, name="entitlements:shortfall_case", permission=LA_OFFICER),
    page(ONE + "/actions", action_page, name="entitlements:shortfall_action", permission=LA_OFFICER, methods=["POST"]),
    page(ONE + "/close", close_page, name="entitlements:shortfall_close", permission=LA_OFFICER, methods=["POST"]),
    page(SETTINGS, settings_view, name="entitlements:shortfall_settings", permission=LA_OFFICER),
    page(SETTINGS, save_settings_page, name="entitlements:shortfall_settings_save", permission=LA_OFFICER, methods=["POST"]),
]
