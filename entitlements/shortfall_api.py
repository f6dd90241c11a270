"""Officers' JSON API for shortfall cases: the list, one case with its figures (the night it opened and today)
and history, recording what was done, closing it, and each council's thresholds.

Declared for local-authority officers (403 for anyone else); a case or council of another council
is 404. Closing a case with no action recorded, an 'other' action without a note, or a manager who
is not an officer of the council is a 422 problem naming the field; acting on a closed case is 409.
Amounts are minutes (``in_minutes``) or integer pence.
"""

from __future__ import annotations

from pydantic import TypeAdapter
from starlette.requests import Request
from starlette.responses import Response

from entitlements import queries, shortfall_cases
from entitlements.enums import ShortfallStatus
from entitlements.models import CouncilProfile, ShortfallCase
from entitlements.shortfall import PackageShortfall
from entitlements.shortfall_schemas import (
    ShortfallActionIn,
    ShortfallCaseOut,
    ShortfallCloseIn,
    ShortfallEventOut,
    ShortfallFigures,
    ShortfallSettingsIn,
    ShortfallSettingsOut,
)
from shortbreaks.errors import ValidationFailed
from shortbreaks.permissions import LA_OFFICER
from shortbreaks.routing import api
from shortbreaks.web import path_uuid, request_now, request_principal

TAGS = ["entitlements"]
BASE = "/api/v1/authority/shortfall-cases"
ONE = BASE + "/{case_id:uuid}"
SETTINGS = "/api/v1/councils/{slug}/shortfall-settings"

_LIST = TypeAdapter(list[ShortfallCaseOut])


def _today(row: PackageShortfall | None) -> ShortfallFigures | None:
    if row is None:
        return None
    f = row.main
    return ShortfallFigures(
        in_minutes=row.in_minutes,
        period_starts=row.period_starts,
        period_ends=row.period_ends,
        agreed=f.agreed,
        delivered=f.delivered,
        shortfall=f.shortfall,
        percent_behind=f.percent_behind,
        cancelled_by_provider=f.cancelled_by_provider,
        declined=f.declined,
        waiting=f.waiting,
    )


def _out(case: ShortfallCase, *, today: PackageShortfall | None = None, events: list[ShortfallEventOut] | None = None) -> ShortfallCaseOut:
    return ShortfallCaseOut(
        id=case.id,
        council=case.council.slug,
        child_id=case.child_id,
        package_id=case.package_id,
        officer_id=case.officer_id,
        status=case.status,
        trigger=case.trigger,
        opened_on=case.opened_on,
        at_opening=ShortfallFigures(
            in_minutes=case.in_minutes,
            period_starts=case.period_starts,
            period_ends=case.period_ends,
            agreed=case.agreed,
            delivered=case.delivered,
            shortfall=case.shortfall,
            percent_behind=case.percent_behind,
        ),
        today=_today(today),
        escalated_at=case.escalated_at,
        escalated_to=case.escalated_to_id,
        closed_at=case.closed_at,
        events=events or [],
    )


async def _json(request: Request, *, status_code: int = 200) -> Response:
    case = await shortfall_cases.get_case_for_officer(request_principal(request), path_uuid(request, "case_id"))
    events = [
        ShortfallEventOut(kind=e.kind, action=e.action, note=e.note, actor_id=e.actor_id, at=e.at)
        for e in await shortfall_cases.case_events(case)
    ]
    today = await shortfall_cases.today_figures(case, now=request_now(request))
    return Response(_out(case, today=today, events=events).model_dump_json(), status_code=status_code, media_type="application/json")


async def list_api(request: Request) -> Response:
    """The caller's councils' cases: open and escalated (escalated first), or ``?status=closed``."""
    status = request.query_params.get("status")
    if status not in (None, "", "closed"):
        raise ValidationFailed.field("status", "Status must be empty (open and escalated cases) or 'closed'")
    cases = await shortfall_cases.list_cases(request_principal(request), status=ShortfallStatus.CLOSED if status == "closed" else None)
    return Response(_LIST.dump_json([_out(c) for c in cases]), media_type="application/json")


async def case_api(request: Request) -> Response:
    return await _json(request)


async def action_api(request: Request, *, body: ShortfallActionIn) -> Response:
    await shortfall_cases.record_action(
        request_principal(request), path_uuid(request, "case_id"), body.action, body.note, now=request_now(request), close=body.close
    )
    return await _json(request, status_code=201)


async def close_api(request: Request, *, body: ShortfallCloseIn) -> Response:
    await shortfall_cases.close_case(request_principal(request), path_uuid(request, "case_id"), body.note, now=request_now(request))
    return await _json(request)


def _settings(council: CouncilProfile) -> Response:
    out = ShortfallSettingsOut(
        percent=council.shortfall_percent,
        idle_weeks=council.shortfall_idle_weeks,
        escalate_days=council.shortfall_escalate_days,
        manager_id=council.shortfall_manager_id,
    )
    return Response(out.model_dump_json(), media_type="application/json")


async def settings_api(request: Request) -> Response:
    return _settings(await queries.get_council_for_officer(request_principal(request), request.path_params["slug"]))


async def save_settings_api(request: Request, *, body: ShortfallSettingsIn) -> Response:
    principal = request_principal(request)
    council = await queries.get_council_for_officer(principal, request.path_params["slug"])
    settings = shortfall_cases.Settings(body.percent, body.idle_weeks, body.escalate_days, body.manager_id)
    await shortfall_cases.save_settings(principal, council, settings, now=request_now(request))
    return _settings(await CouncilProfile.get(id=council.id))


routes = [
    api(
        BASE,
        list_api,
        name="api:entitlements_shortfall_cases",
        permission=LA_OFFICER,
        response=list[ShortfallCaseOut],
        errors=[403, 422],
        summary="Shortfall cases of the caller's councils: open and escalated, or closed (?status=closed)",
        tags=TAGS,
    ),
    api(
        ONE,
        case_api,
        name="api:entitlements_shortfall_case",
        permission=LA_OFFICER,
        response=ShortfallCaseOut,
        errors=[403, 404],
        summary="One shortfall case: its figures when it opened and today, and its history",
        tags=TAGS,
    ),
    api(
        ONE + "/actions",
        action_api,
        name="api:entitlements_shortfall_action",
        permission=LA_OFFICER,
        methods=["POST"],
        body=ShortfallActionIn,
        response=ShortfallCaseOut,
        status_code=201,
        errors=[403, 404, 409, 422],
        summary="Record what was done about a shortfall (and close the case with close: true)",
        tags=TAGS,
    ),
    api(
        ONE + "/close",
        close_api,
        name="api:entitlements_shortfall_close",
        permission=LA_OFFICER,
        methods=["POST"],
        body=ShortfallCloseIn,
        response=ShortfallCaseOut,
        errors=[403, 404, 409, 422],
        summary="Close a shortfall case (at least one action must be recorded first)",
        tags=TAGS,
    ),
    api(
        SETTINGS,
        settings_api,
        name="api:entitlements_shortfall_settings",
        permission=LA_OFFICER,
        response=ShortfallSettingsOut,
        errors=[403, 404],
        summary="When the council's shortfall cases open and go to its manager",
        tags=TAGS,
    ),
    api(
        SETTINGS,
        save_settings_api,
        name="api:entitlements_shortfall_settings_save",
        permission=LA_OFFICER,
        methods=["PUT"],
        body=ShortfallSettingsIn,
        response=ShortfallSettingsOut,
        errors=[403, 404, 422],
        summary="Set when the council's shortfall cases open and who they go to",
        tags=TAGS,
    ),
]
