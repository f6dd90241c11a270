"""Pages for agreed packages: the officers' list of a child's packages, the forms to record, vary and end one
with the history of amounts, and the family's view of each child's short breaks.

Officers' pages are declared for local-authority officers (403 for anyone else); a child of
another council, or a package of another child, answers 404. The family's page is declared for
families and answers 404 for a child that is not theirs. A form refused by a rule (422, or 409
for a second change on the same day) comes back with the GOV.UK error summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bookings.models import Child
from entitlements import package_queries, packages, queries, shortfall_cases
from entitlements.decision_queries import list_council_officers
from entitlements.decisions import hours_text
from entitlements.enums import ApplicationStatus, PackagePeriod, PackageSource
from entitlements.models import AgreedPackage, Application, CouncilProfile, PackageAmount
from entitlements.package_schemas import EndForm, PackageForm, VariationForm, minutes_of
from shortbreaks.accounts.models import User
from shortbreaks.errors import DomainError, FieldError
from shortbreaks.forms import read_form
from shortbreaks.models import AuditEvent
from shortbreaks.money import format_pence
from shortbreaks.permissions import FAMILY, LA_OFFICER
from shortbreaks.routing import page
from shortbreaks.web import error_summary, field_errors, path_uuid, redirect, render, request_now, request_principal

RENAMED = {"minutes": "hours", "pence": "pounds"}


def amount_words(amount: PackageAmount | None) -> str:
    """ "3 hours a week", "£200.00 a year", "78 hours and £200.00 a year"."""
    if amount is None:
        return ""
    parts = [hours_text(amount.minutes)] if amount.minutes else []
    if amount.pence:
        parts.append(format_pence(amount.pence))
    return " and ".join(parts) + " " + amount.per.label


def source_words(package: AgreedPackage) -> str:
    return package.source.label


def _errors_of(exc: DomainError, field: str) -> list[FieldError]:
    return [FieldError(RENAMED.get(e.field, e.field), e.message) for e in exc.errors] or [FieldError(field, exc.message)]


@dataclass(frozen=True)
class PackageView:
    """A package as the pages show it: its amounts, the one in force today, and the current period."""

    package: AgreedPackage
    amounts: list[PackageAmount]
    current: PackageAmount | None
    period: package_queries.Period | None
    state: str  # "current", "future" or "ended"


async def _views(child: Child, *, now: datetime) -> list[PackageView]:
    today = now.astimezone(package_queries.LONDON).date()
    views = []
    for package in await packages.list_packages(child):
        amounts = sorted(package.amounts, key=lambda a: a.effective_from)
        state = "future" if today < package.starts_on else ("ended" if today > package.ends_on else "current")
        views.append(
            PackageView(
                package=package,
                amounts=amounts,
                current=packages.amount_on(amounts, today) or (amounts[0] if amounts else None),
                period=await package_queries.current_period(package, amounts, now=now),
                state=state,
            )
        )
    order = {"current": 0, "future": 1, "ended": 2}
    return sorted(views, key=lambda v: order[v.state])


async def _people(views: list[PackageView]) -> dict[Any, User]:
    ids = {v.package.officer_id for v in views} | {a.recorded_by_id for v in views for a in v.amounts}
    return {u.id: u for u in await User.filter(id__in=[i for i in ids if i is not None])}


def _common(request: Request) -> dict[str, Any]:
    return {
        "amount_words": amount_words,
        "hours_text": hours_text,
        "show_hours": lambda minutes: hours_text(minutes) or "0 hours",
        "show_pence": format_pence,
        "periods": [(p.value, p.label.removeprefix("a ").capitalize()) for p in PackagePeriod],
        "today": request_now(request).astimezone(package_queries.LONDON).date(),
    }


# --- officers -----------------------------------------------------------------------------------------------


async def _officer_child(request: Request) -> Child:
    return await packages.get_child_for_officer(request_principal(request), path_uuid(request, "child_id"))


async def officer_packages_page(request: Request) -> Response:
    """A child's agreed packages: where each comes from, its dates, the amount now, this period's delivery."""
    child = await _officer_child(request)
    views = await _views(child, now=request_now(request))
    return render(
        request,
        "entitlements/packages/officer_list.html",
        {**_common(request), "child": child, "views": views, "people": await _people(views)},
    )


async def _form_page(
    request: Request, child: Child, *, errors: list[FieldError], values: dict[str, Any], status_code: int = 200
) -> Response:
    council = await CouncilProfile.get_or_none(local_authority_id=child.local_authority_id)
    approved = (
        await Application.filter(child_id=child.id, council_id=council.id, status=ApplicationStatus.APPROVED).order_by("-decided_at")
        if council
        else []
    )
    officers = await list_council_officers(child.local_authority_id)
    shown = {"officer_id": request_principal(request).id, "per": PackagePeriod.WEEK.value}
    shown.update(values)
    return render(
        request,
        "entitlements/packages/officer_new.html",
        {
            **_common(request),
            "child": child,
            "sources": [(s.value, s.label) for s in PackageSource],
            "applications": [
                (a.id, f"{a.reference}, approved {a.decided_at:%-d %B %Y}" if a.decided_at else a.reference) for a in approved
            ],
            "officers": [(o.id, o.display_name or o.email) for o in officers],
            "values": shown,
            "errors": error_summary(errors),
            "field_errors": field_errors(errors),
        },
        status_code=status_code,
    )


async def new_package_page(request: Request) -> Response:
    return await _form_page(request, await _officer_child(request), errors=[], values={})


async def record_package_page(request: Request) -> Response:
    child = await _officer_child(request)
    form, errors, values = await read_form(request, PackageForm)
    if form is None:
        return await _form_page(request, child, errors=errors, values=values, status_code=422)
    terms = packages.PackageTerms(
        source=form.source,
        application_id=form.application_id,
        source_reference=form.source_reference,
        starts_on=form.starts_on,
        ends_on=form.ends_on,
        minutes=minutes_of(form.hours),
        pence=form.pounds,
        per=form.per,
        pattern=form.pattern,
        officer_id=form.officer_id,
    )
    try:
        package = await packages.record_package(child, terms, actor=request_principal(request), now=request_now(request))
    except DomainError as exc:
        if exc.status_code not in (409, 422):
            raise
        return await _form_page(request, child, errors=_errors_of(exc, "source"), values=values, status_code=exc.status_code)
    url = request.url_for("entitlements:officer_package", child_id=child.id, package_id=package.id).path
    return redirect(request, str(url), message=f"Agreed package recorded for {child.first_name}")


async def _package_page(
    request: Request,
    *,
    errors: list[FieldError] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    child = await _officer_child(request)
    package = await packages.get_package(child, path_uuid(request, "package_id"))
    views = [v for v in await _views(child, now=request_now(request)) if v.package.id == package.id]
    ended = await _ended_reasons(package)
    people = await _people(views)
    people.update({u.id: u for u in await User.filter(id__in=[e["by"] for e in ended if e["by"]])})
    return render(
        request,
        "entitlements/packages/officer_package.html",
        {
            **_common(request),
            "child": child,
            "view": views[0],
            "package": views[0].package,
            "people": people,
            "ended": ended,
            "values": {"per": (views[0].current.per.value if views[0].current else "week"), **(values or {})},
            "errors": error_summary(errors or []),
            "field_errors": field_errors(errors or []),
        },
        status_code=status_code,
    )


async def _ended_reasons(package: AgreedPackage) -> list[dict[str, Any]]:
    """The package's earlier end dates and why they moved (kept in the audit log)."""
    events = await AuditEvent.filter(record_type="agreed_package", record_id=str(package.id), action="entitlements.package.ended").order_by(
        "created_at"
    )
    return [
        {
            "at": e.created_at,
            "was": date.fromisoformat(e.before["ends_on"]),
            "now": date.fromisoformat(e.after["ends_on"]),
            "by": e.actor_id,
            "reason": e.after["reason"],
        }
        for e in events
        if e.before and e.after
    ]


async def officer_package_page(request: Request) -> Response:
    return await _package_page(request)


async def vary_package_page(request: Request) -> Response:
    child = await _officer_child(request)
    package = await packages.get_package(child, path_uuid(request, "package_id"))
    form, errors, values = await read_form(request, VariationForm)
    if form is None:
        return await _package_page(request, errors=errors, values=values, status_code=422)
    try:
        await packages.vary_package(
            package,
            effective_from=form.effective_from,
            minutes=minutes_of(form.hours),
            pence=form.pounds,
            per=form.per,
            reason=form.reason,
            actor=request_principal(request),
            now=request_now(request),
        )
    except DomainError as exc:
        if exc.status_code not in (409, 422):
            raise
        return await _package_page(request, errors=_errors_of(exc, "effective_from"), values=values, status_code=exc.status_code)
    url = request.url_for("entitlements:officer_package", child_id=child.id, package_id=package.id).path
    return redirect(request, str(url), message=f"The package changes from {form.effective_from:%-d %B %Y}")


async def end_package_page(request: Request) -> Response:
    child = await _officer_child(request)
    package = await packages.get_package(child, path_uuid(request, "package_id"))
    form, errors, values = await read_form(request, EndForm)
    if form is not None:
        try:
            await packages.end_package(
                package, ends_on=form.ends_on, reason=form.end_reason, actor=request_principal(request), now=request_now(request)
            )
        except DomainError as exc:
            if exc.status_code not in (409, 422):
                raise
            errors = [FieldError("end_reason" if e.field == "reason" else e.field, e.message) for e in _errors_of(exc, "ends_on")]
            return await _package_page(request, errors=errors, values=values, status_code=exc.status_code)
        url = request.url_for("entitlements:officer_package", child_id=child.id, package_id=package.id).path
        return redirect(request, str(url), message=f"The package now ends on {form.ends_on:%-d %B %Y}")
    return await _package_page(request, errors=errors, values=values, status_code=422)


# --- the family ---------------------------------------------------------------------------------------------


async def family_packages_page(request: Request) -> Response:
    """Per child: the agreed package(s) and source in words, agreed / used / booked / left this period, and what
    to do if the child is not getting what was agreed."""
    child = await packages.get_child_for_family(request_principal(request), path_uuid(request, "child_id"))
    views = [v for v in await _views(child, now=request_now(request)) if v.state != "ended"]
    council = await CouncilProfile.get_or_none(local_authority_id=child.local_authority_id).select_related("local_authority")
    statement = await queries.find_published(council) if council else None
    return render(
        request,
        "entitlements/packages/family.html",
        {
            **_common(request),
            "child": child,
            "views": views,
            "council": council,
            "statement": statement,
            "cases": await shortfall_cases.open_cases_for_child(child.id),
        },
    )


CHILD = "/authority/children/{child_id:uuid}/packages"
ONE = CHILD + "/{package_id:uuid}"

routes = [
    page(CHILD, officer_packages_page, name="entitlements:officer_packages", permission=LA_OFFICER),
    page(CHILD + "/new", new_package_page, name="entitlements:officer_package_new", permission=LA_OFFICER),
    page(CHILD + "/new", record_package_page, name="entitlements:officer_package_record", permission=LA_OFFICER, methods=["POST"]),
    page(ONE, officer_package_page, name="entitlements:officer_package", permission=LA_OFFICER),
    page(ONE + "/vary", vary_package_page, name="entitlements:officer_package_vary", permission=LA_OFFICER, methods=["POST"]),
    page(ONE + "/end", end_package_page, name="entitlements:officer_package_end", permission=LA_OFFICER, methods=["POST"]),
    page("/children/{child_id:uuid}/short-breaks", family_packages_page, name="entitlements:family_packages", permission=FAMILY),
]
