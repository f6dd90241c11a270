"""Officers' applications report: a page per officer (each council they work for), a CSV and the JSON API.

Declared for local-authority officers (403 for anyone else). The page shows only the officer's
own councils; the CSV and the API answer 404 for a council the caller is not an officer of.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from entitlements import queries, reports
from shortbreaks.permissions import LA_OFFICER
from shortbreaks.routing import api, page
from shortbreaks.web import render, request_principal

CSV = "text/csv; charset=utf-8"
TAGS = ["entitlements"]


async def officer_report_page(request: Request) -> Response:
    principal = request_principal(request)
    councils = sorted(await queries.list_officer_councils(principal), key=lambda c: c.local_authority.name)
    return render(request, "entitlements/report.html", {"reports": [await reports.applications_report(c) for c in councils]})


async def _report(request: Request) -> reports.ApplicationsReport:
    council = await queries.get_council_for_officer(request_principal(request), request.path_params["slug"])
    return await reports.applications_report(council)


async def report_csv(request: Request) -> Response:
    report = await _report(request)
    filename = f"applications-report-{report.council}.csv"
    return Response(reports.report_csv(report), media_type=CSV, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


async def report_api(request: Request) -> Response:
    """The council's applications report, small counts hidden as ``c``."""
    return Response((await _report(request)).model_dump_json(), media_type="application/json")


page_routes = [
    page("/authority/applications/report", officer_report_page, name="entitlements:officer_report", permission=LA_OFFICER),
    page("/authority/applications/report/{slug}.csv", report_csv, name="entitlements:officer_report_csv", permission=LA_OFFICER),
]

api_routes = [
    api(
        "/api/v1/councils/{slug}/applications/report",
        report_api,
        name="api:entitlements_applications_report",
        permission=LA_OFFICER,
        response=reports.ApplicationsReport,
        errors=[403, 404],
        summary="A council's applications report: received, decided, approved and refused by tier and month, time to decision, reviews",
        tags=TAGS,
    ),
    api(
        "/api/v1/councils/{slug}/applications/report.csv",
        report_csv,
        name="api:entitlements_applications_report_csv",
        permission=LA_OFFICER,
        content_type=CSV,
        errors=[403, 404],
        summary="A council's applications report as CSV",
        tags=TAGS,
    ),
]
