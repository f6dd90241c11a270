"""Entitlements JSON API: a council's published statement (public) and officers writing and publishing versions.

Reading is public, as the statement is by law. Writing is declared for local-authority officers
(403 for anyone else); a council the caller is not an officer of answers 404. A version whose
targeted or specialist tier has no way to apply is refused whole (422, with the field named).
"""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response

from entitlements import (
    application_api,
    decision_api,
    package_api,
    presenters,
    queries,
    report_pages,
    services,
    shortfall_api,
    sufficiency_pages,
)
from entitlements.schemas import StatementIn, StatementOut
from shortbreaks.clock import LONDON
from shortbreaks.errors import NotFound
from shortbreaks.permissions import LA_OFFICER, PUBLIC
from shortbreaks.routing import api
from shortbreaks.web import request_now, request_principal

TAGS = ["entitlements"]
BASE = "/api/v1/councils/{slug}/statement"


def _today(request: Request) -> date:
    return request_now(request).astimezone(LONDON).date()


def _json(model: StatementOut, status_code: int = 200) -> Response:
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")


def _number(request: Request) -> int:
    """The version number in the path. A plain ``{number}`` rather than ``{number:int}``: the OpenAPI
    then declares a string, which is what a path holds, and anything but digits is simply not found."""
    raw: str = request.path_params["number"]
    if not raw.isdigit() or len(raw) > 10:
        raise NotFound("There is no version with that number")
    return int(raw)


def _slug(request: Request) -> str:
    slug: str = request.path_params["slug"]
    return slug


async def statement_api(request: Request) -> Response:
    """The council's published statement: tiers, their rules, what they give, how to apply."""
    council = await queries.get_council(_slug(request))
    statement = await queries.get_published(council)
    return _json(await presenters.statement_out(council, statement, today=_today(request)))


async def version_api(request: Request) -> Response:
    council = await queries.get_council(_slug(request))
    statement = await queries.get_public_version(council, _number(request))
    return _json(await presenters.statement_out(council, statement, today=_today(request)))


async def create_version_api(request: Request, *, body: StatementIn) -> Response:
    """Write the next version as a draft, whole: statement and tiers in one go."""
    principal = request_principal(request)
    council = await queries.get_council_for_officer(principal, _slug(request))
    draft = await services.create_version(council, body, actor=principal, now=request_now(request))
    return _json(await presenters.statement_out(council, draft, today=_today(request)), status_code=201)


async def publish_version_api(request: Request) -> Response:
    """Publish a draft version; the version it replaces stays readable."""
    principal = request_principal(request)
    council = await queries.get_council_for_officer(principal, _slug(request))
    draft = await queries.get_version(council, _number(request))
    published = await services.publish_statement(draft, actor=principal, now=request_now(request))
    return _json(await presenters.statement_out(council, published, today=_today(request)))


routes = [
    api(
        BASE,
        statement_api,
        name="api:entitlements_statement",
        permission=PUBLIC,
        response=StatementOut,
        errors=[404],
        summary="A council's published short breaks services statement",
        tags=TAGS,
    ),
    api(
        BASE + "/versions/{number}",
        version_api,
        name="api:entitlements_version",
        permission=PUBLIC,
        response=StatementOut,
        errors=[404],
        summary="A published or replaced version of the statement",
        tags=TAGS,
    ),
    api(
        BASE + "/versions",
        create_version_api,
        name="api:entitlements_version_create",
        permission=LA_OFFICER,
        methods=["POST"],
        body=StatementIn,
        response=StatementOut,
        status_code=201,
        errors=[403, 404, 409, 422],
        summary="Write the next version as a draft (statement and tiers)",
        tags=TAGS,
    ),
    api(
        BASE + "/versions/{number}/publish",
        publish_version_api,
        name="api:entitlements_version_publish",
        permission=LA_OFFICER,
        methods=["POST"],
        response=StatementOut,
        errors=[403, 404, 409, 422],
        summary="Publish a draft version",
        tags=TAGS,
    ),
]

# The applications report (its own module: entitlements/report_pages.py).
routes += report_pages.api_routes
routes += sufficiency_pages.api_routes  # the sufficiency report (issue #21)
routes += application_api.routes  # a family's applications

# Deciding applications (entitlements.decision_api).
routes += decision_api.routes
routes += package_api.routes  # agreed packages (issue #21)
routes += shortfall_api.routes  # shortfall cases and thresholds (issue #21)
