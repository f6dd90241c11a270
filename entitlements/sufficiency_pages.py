"""Officers' sufficiency report (issue #21 item 4): a page per council with filters, a printable page, a CSV, and the JSON API.

Declared for local-authority officers (403 for anyone else). A council the caller is not an
officer of is 404; an unknown filter value is a 422 problem naming the field (the page shows the
GOV.UK error summary above its filters).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from entitlements import queries, sufficiency
from entitlements.models import CouncilProfile
from shortbreaks.errors import ValidationFailed
from shortbreaks.forms import read_query
from shortbreaks.permissions import LA_OFFICER
from shortbreaks.routing import api, page
from shortbreaks.web import error_summary, field_errors, render, request_principal

CSV = "text/csv; charset=utf-8"
TAGS = ["entitlements"]
LABELS = sufficiency.FILTER_LABELS


async def _council(request: Request) -> CouncilProfile:
    return await queries.get_council_for_officer(request_principal(request), request.path_params["slug"])


async def index_page(request: Request) -> Response:
    """The officer's councils: one link each (or straight to the only one)."""
    councils = sorted(await queries.list_officer_councils(request_principal(request)), key=lambda c: c.local_authority.name)
    return render(request, "entitlements/sufficiency_index.html", {"councils": councils})


async def _report_page(request: Request, template: str) -> Response:
    council = await _council(request)
    try:
        query = read_query(request, sufficiency.SufficiencyQuery, labels=LABELS)
        report = await sufficiency.sufficiency_report(council, query)
    except ValidationFailed as exc:
        report = await sufficiency.sufficiency_report(council)
        values = {k: v for k, v in request.query_params.items() if k in LABELS}
        context = {"report": report, "errors": error_summary(exc.errors), "field_errors": field_errors(exc.errors), "values": values}
        return render(request, template, {**context, "choices": _choices(report)}, status_code=422)
    context = {"report": report, "errors": [], "field_errors": {}, "values": report.filters, "choices": _choices(report)}
    return render(request, template, context)


def _choices(report: sufficiency.SufficiencyReport) -> dict[str, list[tuple[str, str]]]:
    return {name: [(o.value, o.label) for o in getattr(report.options, name)] for name in LABELS}


async def report_page(request: Request) -> Response:
    return await _report_page(request, "entitlements/sufficiency.html")


async def print_page(request: Request) -> Response:
    return await _report_page(request, "entitlements/sufficiency_print.html")


async def report_csv(request: Request, *, query: sufficiency.SufficiencyQuery | None = None) -> Response:
    council = await _council(request)
    query = query or read_query(request, sufficiency.SufficiencyQuery, labels=LABELS)
    report = await sufficiency.sufficiency_report(council, query)
    filename = f"sufficiency-report-{report.council}.csv"
    return Response(sufficiency.report_csv(report), media_type=CSV, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


async def report_api(request: Request, *, query: sufficiency.SufficiencyQuery) -> Response:
    """The council's sufficiency report as at its last refresh, small counts hidden as ``c``."""
    report = await sufficiency.sufficiency_report(await _council(request), query)
    return Response(report.model_dump_json(), media_type="application/json")


page_routes = [
    page("/authority/sufficiency", index_page, name="entitlements:sufficiency_index", permission=LA_OFFICER),
    page("/authority/sufficiency/{slug}.csv", report_csv, name="entitlements:sufficiency_csv", permission=LA_OFFICER),
    page("/authority/sufficiency/{slug}/print", print_page, name="entitlements:sufficiency_print", permission=LA_OFFICER),
    page("/authority/sufficiency/{slug}", report_page, name="entitlements:sufficiency", permission=LA_OFFICER),
]

api_routes = [
    api(
        "/api/v1/councils/{slug}/sufficiency.csv",
        report_csv,
        name="api:entitlements_sufficiency_csv",
        permission=LA_OFFICER,
        query=sufficiency.SufficiencyQuery,
        content_type=CSV,
        errors=[403, 404, 422],
        summary="A council's sufficiency report as CSV",
        tags=TAGS,
    ),
    api(
        "/api/v1/councils/{slug}/sufficiency",
        report_api,
        name="api:entitlements_sufficiency",
        permission=LA_OFFICER,
        query=sufficiency.SufficiencyQuery,
        response=sufficiency.SufficiencyReport,
        errors=[403, 404, 422],
        summary="A council's sufficiency report: children with agreed packages, hours agreed, delivered and outstanding "
        "by tier, need, age and area, waiting, declines, places against demand, the trend by month",
        tags=TAGS,
    ),
]
