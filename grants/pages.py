"""Grants pages: thin endpoints that parse a form, look up what the caller may see, call one service, render.

The grants index is declared for funders, grantees and local-authority officers: 403 for anyone
else. Records (a fund, an award, a return) need only a signed-in user and are looked up within
what the caller may see, so anyone else gets 404 and learns nothing about whether the record exists.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError as PydanticValidationError
from starlette.requests import Request
from starlette.responses import Response

from grants import charts, permissions, presenters, queries, services
from grants.api import awards_csv, spend_csv
from grants.enums import EDITABLE_RETURN_STATUSES, BudgetCategory
from grants.models import Fund, Round, Variation
from grants.periods import financial_year_label
from grants.permissions import GRANTS_USER
from grants.schemas import DecisionForm, ExpenditureLineForm, ReportQuery, ReturnForm
from shortbreaks.accounts.enums import Role
from shortbreaks.accounts.models import Organisation
from shortbreaks.clock import LONDON
from shortbreaks.errors import DomainError, FieldError, ValidationFailed
from shortbreaks.forms import read_form
from shortbreaks.messages import describe_all
from shortbreaks.permissions import FUNDER, GRANTEE, SIGNED_IN, Principal
from shortbreaks.routing import page
from shortbreaks.web import error_summary, field_errors, path_uuid, redirect, render, request_now, request_principal

# --- the grants index and a fund ------------------------------------------------------------


async def index_page(request: Request) -> Response:
    principal = request_principal(request)
    funds = await queries.list_funds(principal)
    return render(request, "grants/index.html", {"funds": funds})


def _page_query(request: Request) -> ReportQuery:
    """The filter form's query: "All" sends an empty value, which means no filter."""
    values = {k: v for k, v in request.query_params.items() if v != ""}
    try:
        return ReportQuery.model_validate(values)
    except PydanticValidationError as exc:
        raise ValidationFailed("The filters are not valid", errors=describe_all(exc, schema=ReportQuery)) from None


async def fund_page(request: Request) -> Response:
    principal = request_principal(request)
    query = _page_query(request)
    fund = await queries.get_fund(principal, path_uuid(request, "fund_id"))
    today = request_now(request).astimezone(LONDON).date()
    report = await queries.fund_report(fund, query, principal, as_of=today)
    rounds = await Round.filter(fund_id=fund.id).order_by("starts_on")
    authorities = await Organisation.filter(grant_awards_in_area__fund_id=fund.id).distinct().order_by("name")
    grantees = await Organisation.filter(grant_awards__fund_id=fund.id).distinct().order_by("name")
    awaiting = await queries.list_awaiting_decision(principal, fund.id)
    years = list(range(fund.starts_on.year if fund.starts_on.month >= 4 else fund.starts_on.year - 1, fund.ends_on.year + 1))
    return render(
        request,
        "grants/fund.html",
        {
            "fund": fund,
            "report": report,
            "query": query,
            "rounds": rounds,
            "authorities": authorities,
            "grantees": grantees,
            "regions": sorted({a.region for a in report.awards}) if not query.region else [query.region],
            "categories": list(BudgetCategory),
            "years": [(y, financial_year_label(y)) for y in years],
            "awaiting": awaiting,
            "overdue": await queries.list_overdue(principal, fund, today=today),
            "line_chart": charts.cumulative_chart(report.monthly),
            "region_chart": charts.region_chart(report.by_region),
            "respite_chart": charts.respite_chart(report.respite_by_month),
            "sees_whole_fund": permissions.sees_whole_fund(principal, fund.funder_id),
            "whose": _whose(principal, fund),
            "csv_query": str(request.url.query),
        },
    )


def _whose(principal: Principal, fund: Fund) -> str:
    """Whose figures the headline shows, in words: every figure is labelled with it."""
    if permissions.sees_whole_fund(principal, fund.funder_id):
        return "the awards shown"
    if principal.has_role(Role.GRANTEE):
        return "your awards"
    return "awards in your area"


async def award_page(
    request: Request, *, errors: list[FieldError] | None = None, values: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    principal = request_principal(request)
    award = await queries.get_award(principal, path_uuid(request, "award_id"))
    returns = await queries.list_returns(award.id)
    totals = await queries.return_totals(r.id for r in returns)
    variations = await Variation.filter(award_id=award.id).order_by("approved_at")
    return render(
        request,
        "grants/award.html",
        {
            "award": award,
            "out": await presenters.award_out(award),
            "returns": returns,
            "totals": totals,
            "variations": variations,
            "year_label": financial_year_label,
            "today": request_now(request).astimezone(LONDON).date(),
            "can_claim": permissions.can_edit_returns(principal, recipient_id=award.recipient_id),
            "errors": error_summary(errors or []),
            "field_errors": field_errors(errors or []),
            "values": values or {},
        },
        status_code=status_code,
    )


async def award_view(request: Request) -> Response:
    return await award_page(request)


async def create_return_page(request: Request) -> Response:
    principal = request_principal(request)
    award = await queries.get_award(principal, path_uuid(request, "award_id"))
    form, errors, values = await read_form(request, ReturnForm)
    if form is not None:
        try:
            r = await services.create_return(
                award, financial_year=form.financial_year, quarter=form.quarter, actor=principal, now=request_now(request)
            )
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            return redirect(request, str(request.url_for("grants:return", return_id=r.id).path), message="Spend return started")
    return await award_page(request, errors=errors, values=values, status_code=422)


async def return_page(
    request: Request, *, errors: list[FieldError] | None = None, values: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    principal = request_principal(request)
    r = await queries.get_return(principal, path_uuid(request, "return_id"))
    out = await presenters.return_out(r.id)
    award = r.award
    return render(
        request,
        "grants/return.html",
        {
            "spend_return": r,
            "out": out,
            "award": award,
            "year_label": financial_year_label,
            "categories": list(BudgetCategory),
            "can_edit": permissions.can_edit_returns(principal, recipient_id=award.recipient_id) and r.status in EDITABLE_RETURN_STATUSES,
            "can_decide": permissions.can_decide(principal, funder_id=award.fund.funder_id)
            and not permissions.is_grantee_of(principal, award.recipient_id),
            "errors": error_summary(errors or []),
            "field_errors": field_errors(errors or []),
            "values": values or {},
        },
        status_code=status_code,
    )


async def return_view(request: Request) -> Response:
    return await return_page(request)


def _problem(exc: DomainError, default_field: str) -> list[FieldError]:
    return exc.errors or [FieldError(default_field, exc.message)]


async def add_line_page(request: Request) -> Response:
    principal = request_principal(request)
    r = await queries.get_return(principal, path_uuid(request, "return_id"))
    form, errors, values = await read_form(request, ExpenditureLineForm)
    if form is not None:
        try:
            await services.add_expenditure_line(
                r,
                spent_on=form.spent_on,
                amount_pence=form.amount,
                category=form.category,
                description=form.description,
                evidence_reference=form.evidence_reference,
                actor=principal,
                now=request_now(request),
            )
        except DomainError as exc:
            if exc.status_code not in (409, 422):
                raise
            errors = [FieldError("amount" if e.field == "amount_pence" else e.field, e.message) for e in _problem(exc, "description")]
        else:
            return redirect(request, str(request.url_for("grants:return", return_id=r.id).path), message="Spend line added")
    return await return_page(request, errors=errors, values=values, status_code=422)


async def submit_return_page(request: Request) -> Response:
    principal = request_principal(request)
    r = await queries.get_return(principal, path_uuid(request, "return_id"))
    try:
        await services.submit_return(r, actor=principal, now=request_now(request))
    except DomainError as exc:
        if exc.status_code != 409:
            raise
        return await return_page(request, errors=_problem(exc, "submit"), status_code=409)
    return redirect(request, str(request.url_for("grants:return", return_id=r.id).path), message="Spend return submitted")


async def decide_return_page(request: Request) -> Response:
    principal = request_principal(request)
    r = await queries.get_return(principal, path_uuid(request, "return_id"))
    form, errors, values = await read_form(request, DecisionForm)
    if form is not None:
        now = request_now(request)
        try:
            if form.decision == "approve":
                await services.approve_return(r, reason=form.reason, approve_over_budget=form.approve_over_budget, actor=principal, now=now)
            elif form.decision == "reject":
                await services.reject_return(r, reason=form.reason, actor=principal, now=now)
            else:
                await services.query_return(r, reason=form.reason, actor=principal, now=now)
        except DomainError as exc:
            if exc.status_code not in (409, 422):
                raise
            errors = _problem(exc, "decision")
        else:
            return redirect(
                request, str(request.url_for("grants:return", return_id=r.id).path), message=f"Decision recorded: {form.decision}"
            )
    return await return_page(request, errors=errors, values=values, status_code=422)


async def awards_csv_page(request: Request) -> Response:
    return await awards_csv(request, query=_page_query(request))


async def spend_csv_page(request: Request) -> Response:
    return await spend_csv(request, query=_page_query(request))


routes = [
    page("/grants", index_page, name="grants:index", permission=GRANTS_USER),
    page("/grants/funds/{fund_id:uuid}", fund_page, name="grants:fund", permission=SIGNED_IN),
    page("/grants/funds/{fund_id:uuid}/awards.csv", awards_csv_page, name="grants:awards_csv", permission=SIGNED_IN),
    page("/grants/funds/{fund_id:uuid}/spend.csv", spend_csv_page, name="grants:spend_csv", permission=SIGNED_IN),
    page("/grants/awards/{award_id:uuid}", award_view, name="grants:award", permission=SIGNED_IN),
    page(
        "/grants/awards/{award_id:uuid}/returns",
        create_return_page,
        name="grants:return_create",
        permission=GRANTEE,
        methods=["POST"],
    ),
    page("/grants/returns/{return_id:uuid}", return_view, name="grants:return", permission=SIGNED_IN),
    page("/grants/returns/{return_id:uuid}/lines", add_line_page, name="grants:line_create", permission=GRANTEE, methods=["POST"]),
    page(
        "/grants/returns/{return_id:uuid}/submit",
        submit_return_page,
        name="grants:return_submit",
        permission=GRANTEE,
        methods=["POST"],
    ),
    page(
        "/grants/returns/{return_id:uuid}/decision",
        decide_return_page,
        name="grants:return_decide",
        permission=FUNDER,
        methods=["POST"],
    ),
]
