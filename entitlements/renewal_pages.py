"""Renewal pages: a family renews an approved application; officers renew unchanged ones in bulk.

- ``/applications/{application_id}/renew`` (family, its own application only: anyone else's is 404):
  GET says what renewing does (the invitation email links here), POST starts the renewal (a draft
  with last year's answers, :func:`entitlements.renewals.renew_application`) and redirects to the
  application form for it; a second POST gives the same draft.
- ``/authority/renewals`` (local-authority officers): the council's approved applications whose
  allowance year ends within its notice, soonest first; tick several and "Renew unchanged" gives each
  a new approved application and an allocation for the next allowance year.
"""

from __future__ import annotations

from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response

from entitlements import applications, renewals
from shortbreaks.errors import DomainError, FieldError
from shortbreaks.forms import form_values
from shortbreaks.permissions import FAMILY, LA_OFFICER
from shortbreaks.routing import page
from shortbreaks.web import error_summary, field_errors, path_uuid, redirect, render, request_now, request_principal


async def renew_start_page(request: Request) -> Response:
    principal = request_principal(request)
    application = await applications.get_for_family(principal, path_uuid(request, "application_id"))
    return _renew_page(request, application, [])


def _renew_page(request: Request, application: renewals.Application, errors: list[FieldError], status_code: int = 200) -> Response:
    allocation = application.allocation
    context = {
        "application": application,
        "allocation": allocation,
        "next_year": renewals.next_year(application.council, allocation.ends_on) if allocation is not None else None,
        "period": renewals.period_text,
        "errors": error_summary(errors),
        "field_errors": field_errors(errors),
    }
    return render(request, "entitlements/renew.html", context, status_code=status_code)


async def renew_page(request: Request) -> Response:
    principal = request_principal(request)
    application = await applications.get_for_family(principal, path_uuid(request, "application_id"))
    try:
        renewal = await renewals.renew_application(application, family=principal.user, now=request_now(request))
    except DomainError as exc:
        if exc.status_code not in (409, 422):
            raise
        return _renew_page(request, application, [FieldError("renew", exc.message)], status_code=exc.status_code)
    message = "Check last year's answers, change what has changed and send it"
    return redirect(request, request.url_for("entitlements:application", application_id=renewal.id).path, message=message)


async def officer_renewals_page(request: Request, errors: list[FieldError] | None = None, chosen: list[str] | None = None) -> Response:
    principal = request_principal(request)
    due = await renewals.due_for_renewal(principal, now=request_now(request))
    errors = errors or []
    context = {
        "due": due,
        "period": renewals.period_text,
        "chosen": chosen or [],
        "errors": error_summary(errors),
        "field_errors": field_errors(errors),
    }
    return render(request, "entitlements/officer_renewals.html", context, status_code=422 if errors else 200)


async def officer_renew_page(request: Request) -> Response:
    principal = request_principal(request)
    values = await form_values(request)
    raw = values.get("application_ids") or []
    chosen = raw if isinstance(raw, list) else [raw]
    try:
        ids = [UUID(str(v)) for v in chosen]
    except ValueError:
        return await officer_renewals_page(request, [FieldError("application_ids", "Select the applications to renew")])
    try:
        result = await renewals.renew_unchanged(ids, actor=principal, now=request_now(request))
    except DomainError as exc:
        if exc.status_code != 422:
            raise
        return await officer_renewals_page(request, exc.errors or [FieldError("application_ids", exc.message)], [str(v) for v in chosen])
    target = str(request.url_for("entitlements:officer_renewals").path)
    count = len(result.renewed)
    message = f"Renewed {count} application{'' if count == 1 else 's'} for the next allowance year"
    if result.skipped:
        reasons = "; ".join(f"{ref}: {why}" for ref, why in result.skipped)
        if not count:
            return redirect(request, target, error=f"Nothing renewed. {reasons}")
        message += f". Not renewed: {reasons}"
    return redirect(request, target, message=message)


routes = [
    page("/applications/{application_id:uuid}/renew", renew_start_page, name="entitlements:renew_start", permission=FAMILY),
    page("/applications/{application_id:uuid}/renew", renew_page, name="entitlements:renew", permission=FAMILY, methods=["POST"]),
    page("/authority/renewals", officer_renewals_page, name="entitlements:officer_renewals", permission=LA_OFFICER),
    page("/authority/renewals", officer_renew_page, name="entitlements:officer_renew", permission=LA_OFFICER, methods=["POST"]),
]
