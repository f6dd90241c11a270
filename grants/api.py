"""Grants JSON API and machine-read exports (report, CSVs, 360Giving): thin endpoints that parse,
look up what the caller may see, call one service, serialise.

Lists (the funds) are declared for funders, grantees and local-authority officers: 403 for anyone
else. Records (a fund's report and exports, an award, a return) need only a signed-in user and are
looked up within what the caller may see, so anyone else gets 404 and learns nothing about whether
the record exists.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from grants import exporters, permissions, presenters, queries, services
from grants.models import Fund, Round
from grants.permissions import GRANTS_USER
from grants.schemas import (
    AwardIn,
    AwardOut,
    DecisionIn,
    ExpenditureLineIn,
    FundListItem,
    FundReport,
    PayTrancheIn,
    ReasonIn,
    ReportQuery,
    ReturnIn,
    SpendReturnOut,
    TrancheIn,
    TrancheOut,
    VariationIn,
)
from grants.services import BudgetLineInput
from shortbreaks.accounts.models import Organisation
from shortbreaks.clock import LONDON
from shortbreaks.errors import NotFound, ValidationFailed
from shortbreaks.permissions import FUNDER, GRANTEE, PUBLIC, SIGNED_IN
from shortbreaks.routing import api, endpoint
from shortbreaks.web import path_uuid, request_now, request_principal

CSV = "text/csv; charset=utf-8"


def _today(request: Request) -> date:
    return request_now(request).astimezone(LONDON).date()


def _json(model: Any, status_code: int = 200) -> Response:
    # pydantic writes the JSON itself (in Rust), the same bytes JSONResponse would write from
    # model_dump(mode="json") at a fraction of the CPU: the fund report has thousands of objects.
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")


def _budget_inputs(lines: list[Any] | None) -> list[BudgetLineInput] | None:
    if lines is None:
        return None
    return [BudgetLineInput(line.category, line.financial_year, line.amount_pence, line.kind) for line in lines]


async def _report(request: Request, query: ReportQuery) -> FundReport:
    principal = request_principal(request)
    fund = await queries.get_fund(principal, path_uuid(request, "fund_id"))
    return await queries.fund_report(fund, query, principal, as_of=_today(request))


# --- API: funds, reports, exports ----------------------------------------------------------------


async def list_funds_api(request: Request) -> Response:
    """Funds the caller funds, or holds or oversees an award in."""
    funds = await queries.list_funds(request_principal(request))
    items = [
        FundListItem(
            id=f.id,
            name=f.name,
            total_pence=f.total_pence,
            awarded_pence=f.awarded_pence,
            currency=f.currency,
            starts_on=f.starts_on,
            ends_on=f.ends_on,
        )
        for f in funds
    ]
    return JSONResponse([i.model_dump(mode="json") for i in items])


async def fund_report_api(request: Request, *, query: ReportQuery) -> Response:
    """Awarded, paid, approved, pending and remaining; budget against actual; burn, forecast and outcomes."""
    return _json(await _report(request, query))


async def awards_csv(request: Request, *, query: ReportQuery) -> Response:
    report = await _report(request, query)
    return Response(exporters.awards_csv(report), media_type=CSV, headers={"Content-Disposition": 'attachment; filename="awards.csv"'})


async def tranches_csv(request: Request, *, query: ReportQuery) -> Response:
    principal = request_principal(request)
    fund = await queries.get_fund(principal, path_uuid(request, "fund_id"))
    rows = await queries.tranche_rows(fund, query, principal)
    return Response(
        exporters.tranches_csv(rows, grant_id_prefix=fund.grant_id_prefix),
        media_type=CSV,
        headers={"Content-Disposition": 'attachment; filename="tranches.csv"'},
    )


async def spend_csv(request: Request, *, query: ReportQuery) -> Response:
    principal = request_principal(request)
    fund = await queries.get_fund(principal, path_uuid(request, "fund_id"))
    batches = queries.approved_line_batches(fund, query, principal)
    return StreamingResponse(
        exporters.spend_csv(batches, grant_id_prefix=fund.grant_id_prefix),
        media_type=CSV,
        headers={"Content-Disposition": 'attachment; filename="spend.csv"'},
    )


async def fund_360giving(request: Request) -> Response:
    """The fund's awards as a 360Giving data package (open data: organisations only)."""
    fund = await Fund.get_or_none(id=path_uuid(request, "fund_id")).select_related("funder")
    if fund is None:
        raise NotFound()
    records = await queries.grant_records(fund)
    modified = max((r.modified_at for r in records), default=fund.updated_at)
    package = exporters.package_360(records, title=f"{fund.name} ({fund.funder.name})", modified_at=modified)
    return Response(
        exporters.dumps_360(package),
        media_type="application/json",
        headers={"Access-Control-Allow-Origin": "*", "Content-Disposition": 'inline; filename="360giving.json"'},
    )


# --- API: awards, tranches, variations ---------------------------------------------------------------


async def create_award_api(request: Request, *, body: AwardIn) -> Response:
    """Award a grant from a round (funder)."""
    principal = request_principal(request)
    round_ = await Round.filter(id=path_uuid(request, "round_id"), fund__funder_id__in=permissions.funder_org_ids(principal)).first()
    if round_ is None:
        raise NotFound()
    recipient = await Organisation.get_or_none(identifier=body.recipient_identifier)
    authority = await Organisation.get_or_none(identifier=body.local_authority_identifier)
    if recipient is None or authority is None:
        raise ValidationFailed.field(
            "recipient_identifier" if recipient is None else "local_authority_identifier", "No organisation has that identifier"
        )
    award = await services.create_award(
        round_,
        recipient=recipient,
        local_authority=authority,
        reference=body.reference,
        title=body.title,
        description=body.description,
        amount_pence=body.amount_pence,
        awarded_on=body.awarded_on,
        planned_start=body.planned_start,
        planned_end=body.planned_end,
        budget_lines=_budget_inputs(body.budget_lines) or [],
        actor=principal,
        now=request_now(request),
    )
    return _json(await presenters.award_out(await queries.get_award(principal, award.id)), 201)


async def award_api(request: Request) -> Response:
    return _json(await presenters.award_out(await queries.get_award(request_principal(request), path_uuid(request, "award_id"))))


async def schedule_tranche_api(request: Request, *, body: TrancheIn) -> Response:
    principal = request_principal(request)
    award = await queries.get_award(principal, path_uuid(request, "award_id"))
    t = await services.schedule_tranche(
        award, amount_pence=body.amount_pence, due_on=body.due_on, actor=principal, now=request_now(request)
    )
    return _json(TrancheOut(id=t.id, number=t.number, amount_pence=t.amount_pence, due_on=t.due_on, paid_on=t.paid_on), 201)


async def pay_tranche_api(request: Request, *, body: PayTrancheIn) -> Response:
    principal = request_principal(request)
    tranche = await queries.get_tranche(principal, path_uuid(request, "tranche_id"))
    t = await services.pay_tranche(tranche, paid_on=body.paid_on, actor=principal, now=request_now(request))
    return _json(TrancheOut(id=t.id, number=t.number, amount_pence=t.amount_pence, due_on=t.due_on, paid_on=t.paid_on))


async def vary_award_api(request: Request, *, body: VariationIn) -> Response:
    """Vary an award's amount, dates or budget (funder); audited."""
    principal = request_principal(request)
    award = await queries.get_award(principal, path_uuid(request, "award_id"))
    await services.vary_award(
        award,
        reason=body.reason,
        amount_pence=body.amount_pence,
        planned_start=body.planned_start,
        planned_end=body.planned_end,
        budget_lines=_budget_inputs(body.budget_lines),
        actor=principal,
        now=request_now(request),
    )
    return _json(await presenters.award_out(await queries.get_award(principal, award.id)), 201)


# --- API: spend returns ----------------------------------------------------------------------------


async def create_return_api(request: Request, *, body: ReturnIn) -> Response:
    principal = request_principal(request)
    award = await queries.get_award(principal, path_uuid(request, "award_id"))
    r = await services.create_return(
        award, financial_year=body.financial_year, quarter=body.quarter, actor=principal, now=request_now(request)
    )
    return _json(await presenters.return_out(r.id), 201)


async def return_api(request: Request) -> Response:
    r = await queries.get_return(request_principal(request), path_uuid(request, "return_id"))
    return _json(await presenters.return_out(r.id))


async def add_line_api(request: Request, *, body: ExpenditureLineIn) -> Response:
    principal = request_principal(request)
    r = await queries.get_return(principal, path_uuid(request, "return_id"))
    await services.add_expenditure_line(
        r,
        spent_on=body.spent_on,
        amount_pence=body.amount_pence,
        category=body.category,
        description=body.description,
        evidence_reference=body.evidence_reference,
        actor=principal,
        now=request_now(request),
    )
    return _json(await presenters.return_out(r.id), 201)


async def submit_return_api(request: Request) -> Response:
    principal = request_principal(request)
    r = await queries.get_return(principal, path_uuid(request, "return_id"))
    await services.submit_return(r, actor=principal, now=request_now(request))
    return _json(await presenters.return_out(r.id))


async def approve_return_api(request: Request, *, body: DecisionIn) -> Response:
    principal = request_principal(request)
    r = await queries.get_return(principal, path_uuid(request, "return_id"))
    await services.approve_return(
        r, reason=body.reason, approve_over_budget=body.approve_over_budget, actor=principal, now=request_now(request)
    )
    return _json(await presenters.return_out(r.id))


async def reject_return_api(request: Request, *, body: ReasonIn) -> Response:
    principal = request_principal(request)
    r = await queries.get_return(principal, path_uuid(request, "return_id"))
    await services.reject_return(r, reason=body.reason, actor=principal, now=request_now(request))
    return _json(await presenters.return_out(r.id))


async def query_return_api(request: Request, *, body: ReasonIn) -> Response:
    principal = request_principal(request)
    r = await queries.get_return(principal, path_uuid(request, "return_id"))
    await services.query_return(r, reason=body.reason, actor=principal, now=request_now(request))
    return _json(await presenters.return_out(r.id))


FUND = "/api/v1/funds/{fund_id:uuid}"
RETURN = "/api/v1/returns/{return_id:uuid}"
AWARD = "/api/v1/awards/{award_id:uuid}"
TAGS = ["grants"]

routes = [
    api(
        "/api/v1/funds",
        list_funds_api,
        name="api:grants_funds",
        permission=GRANTS_USER,
        response=list[FundListItem],
        summary="Funds you can see",
        tags=TAGS,
    ),
    api(
        FUND + "/report",
        fund_report_api,
        name="api:grants_fund_report",
        permission=SIGNED_IN,
        query=ReportQuery,
        response=FundReport,
        errors=[404, 422],
        summary="The fund report, filtered",
        tags=TAGS,
    ),
    api(
        FUND + "/awards.csv",
        awards_csv,
        name="api:grants_awards_csv",
        permission=SIGNED_IN,
        query=ReportQuery,
        content_type=CSV,
        summary="Awards as CSV",
        tags=TAGS,
    ),
    api(
        FUND + "/tranches.csv",
        tranches_csv,
        name="api:grants_tranches_csv",
        permission=SIGNED_IN,
        query=ReportQuery,
        content_type=CSV,
        summary="Tranches as CSV",
        tags=TAGS,
    ),
    api(
        FUND + "/spend.csv",
        spend_csv,
        name="api:grants_spend_csv",
        permission=SIGNED_IN,
        query=ReportQuery,
        content_type=CSV,
        summary="Approved spend lines as CSV",
        tags=TAGS,
    ),
    endpoint(
        FUND + "/360giving.json",
        fund_360giving,
        name="api:grants_360giving",
        permission=PUBLIC,
        summary="360Giving data package",
        tags=TAGS,
        in_openapi=True,
    ),
    api(
        "/api/v1/rounds/{round_id:uuid}/awards",
        create_award_api,
        name="api:grants_award_create",
        permission=FUNDER,
        methods=["POST"],
        body=AwardIn,
        response=AwardOut,
        status_code=201,
        errors=[404, 409, 422],
        summary="Make an award",
        tags=TAGS,
    ),
    api(AWARD, award_api, name="api:grants_award", permission=SIGNED_IN, response=AwardOut, errors=[404], summary="An award", tags=TAGS),
    api(
        AWARD + "/tranches",
        schedule_tranche_api,
        name="api:grants_tranche_create",
        permission=FUNDER,
        methods=["POST"],
        body=TrancheIn,
        response=TrancheOut,
        status_code=201,
        errors=[404, 409, 422],
        summary="Plan a tranche",
        tags=TAGS,
    ),
    api(
        "/api/v1/tranches/{tranche_id:uuid}/pay",
        pay_tranche_api,
        name="api:grants_tranche_pay",
        permission=FUNDER,
        methods=["POST"],
        body=PayTrancheIn,
        response=TrancheOut,
        errors=[404, 409],
        summary="Record a tranche paid",
        tags=TAGS,
    ),
    api(
        AWARD + "/variations",
        vary_award_api,
        name="api:grants_variation_create",
        permission=FUNDER,
        methods=["POST"],
        body=VariationIn,
        response=AwardOut,
        status_code=201,
        errors=[404, 409, 422],
        summary="Vary an award",
        tags=TAGS,
    ),
    api(
        AWARD + "/returns",
        create_return_api,
        name="api:grants_return_create",
        permission=GRANTEE,
        methods=["POST"],
        body=ReturnIn,
        response=SpendReturnOut,
        status_code=201,
        errors=[404, 422],
        summary="Start a spend return",
        tags=TAGS,
    ),
    api(
        RETURN,
        return_api,
        name="api:grants_return",
        permission=SIGNED_IN,
        response=SpendReturnOut,
        errors=[404],
        summary="A spend return",
        tags=TAGS,
    ),
    api(
        RETURN + "/lines",
        add_line_api,
        name="api:grants_return_line_create",
        permission=GRANTEE,
        methods=["POST"],
        body=ExpenditureLineIn,
        response=SpendReturnOut,
        status_code=201,
        errors=[404, 409, 422],
        summary="Add a spend line",
        tags=TAGS,
    ),
    api(
        RETURN + "/submit",
        submit_return_api,
        name="api:grants_return_submit",
        permission=GRANTEE,
        methods=["POST"],
        response=SpendReturnOut,
        errors=[404, 409],
        summary="Submit a return",
        tags=TAGS,
    ),
    api(
        RETURN + "/approve",
        approve_return_api,
        name="api:grants_return_approve",
        permission=FUNDER,
        methods=["POST"],
        body=DecisionIn,
        response=SpendReturnOut,
        errors=[403, 404, 409, 422],
        summary="Approve a return",
        tags=TAGS,
    ),
    api(
        RETURN + "/reject",
        reject_return_api,
        name="api:grants_return_reject",
        permission=FUNDER,
        methods=["POST"],
        body=ReasonIn,
        response=SpendReturnOut,
        errors=[403, 404, 409, 422],
        summary="Reject a return",
        tags=TAGS,
    ),
    api(
        RETURN + "/query",
        query_return_api,
        name="api:grants_return_query",
        permission=FUNDER,
        methods=["POST"],
        body=ReasonIn,
        response=SpendReturnOut,
        errors=[403, 404, 409, 422],
        summary="Query a return",
        tags=TAGS,
    ),
]
