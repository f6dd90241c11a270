"""Provider directory JSON API (under /api/v1: families' search and service reads, provider
management) and the Open Referral UK endpoints. Thin: parse, check, call, serialise."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from providers import exporters, queries, services
from providers.enums import ProviderStatus
from providers.models import AvailabilityRule, Closure, Provider, Service, Session
from providers.permissions import MANAGERS, default_provider_organisation
from providers.schemas import (
    ClosureIn,
    ClosureOut,
    ProviderIn,
    ProviderOut,
    ProviderPatch,
    RuleIn,
    RuleOut,
    RulePatch,
    SearchPage,
    SearchQuery,
    ServiceIn,
    ServiceOut,
    ServicePatch,
    SessionOut,
    SessionsQuery,
)
from providers.search import Results, search_services
from shortbreaks.clock import LONDON
from shortbreaks.errors import FieldError, ValidationFailed
from shortbreaks.permissions import LA_OFFICER, PUBLIC
from shortbreaks.routing import api, endpoint
from shortbreaks.web import path_uuid, request_now, request_principal

CORS = {"Access-Control-Allow-Origin": "*"}
ORUK_MAX_PER_PAGE = 100


def _json(model: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(model.model_dump(mode="json", by_alias=True), status_code=status_code)


# --- output shapes --------------------------------------------------------------------------


def provider_out(provider: Provider) -> ProviderOut:
    return ProviderOut(
        id=provider.id,
        name=provider.name,
        organisation_id=provider.organisation_id,
        local_authority_id=provider.local_authority_id,
        description=provider.description,
        ofsted_urn=provider.ofsted_urn,
        address=provider.address,
        postcode=provider.postcode,
        latitude=provider.latitude,
        longitude=provider.longitude,
        contact_email=provider.contact_email,
        contact_phone=provider.contact_phone,
        website=provider.website,
        accessibility=provider.accessibility,
        languages=provider.languages,
        status=provider.status,
    )


def session_out(session: Session) -> SessionOut:
    return SessionOut(
        id=session.id,
        starts_at=session.starts_at.astimezone(LONDON),
        ends_at=session.ends_at.astimezone(LONDON),
        capacity=session.capacity,
        places_left=session.places_left,
        status=session.status,
    )


def search_page_out(results: Results) -> SearchPage:
    items = [
        {
            "id": h.service_id,
            "name": h.name,
            "kind": h.kind,
            "provider": {"id": h.provider_id, "name": h.provider_name},
            "distance_miles": h.distance_miles,
            "next_session": None
            if h.next_session is None
            else {
                "id": h.next_session.id,
                "starts_at": h.next_session.starts_at.astimezone(LONDON),
                "places_left": h.next_session.places_left,
            },
            "price_pence": h.price_pence,
            "min_age": h.min_age,
            "max_age": h.max_age,
        }
        for h in results.hits
    ]
    return SearchPage.model_validate({"items": items, "page": results.page, "page_size": results.page_size, "total": results.total})


async def _service_out(service_id: UUID) -> ServiceOut:
    return ServiceOut.model_validate(queries.public_service_fields(await queries.get_public_service(service_id)))


# --- public API -----------------------------------------------------------------------------


async def search_api(request: Request, query: SearchQuery) -> Response:
    return _json(search_page_out(await search_services(query, now=request_now(request))))


async def service_api(request: Request) -> Response:
    return _json(await _service_out(path_uuid(request, "service_id")))


async def service_sessions_api(request: Request, query: SessionsQuery) -> Response:
    service = await queries.get_public_service(path_uuid(request, "service_id"))
    sessions = await queries.list_sessions([service.id], now=request_now(request), start=query.from_, end=query.to)
    return JSONResponse([session_out(s).model_dump(mode="json") for s in sessions])


# --- management API -------------------------------------------------------------------------


async def providers_api(request: Request) -> Response:
    providers = await queries.list_manageable_providers(request_principal(request))
    return JSONResponse([provider_out(p).model_dump(mode="json") for p in providers])


async def provider_create_api(request: Request, body: ProviderIn) -> Response:
    principal = request_principal(request)
    organisation_id = default_provider_organisation(principal, body.organisation_id)
    provider = await services.create_provider(body, organisation_id=organisation_id, actor=principal, now=request_now(request))
    return _json(provider_out(provider), 201)


async def provider_api(request: Request) -> Response:
    return _json(provider_out(await queries.get_manageable_provider(request_principal(request), path_uuid(request, "provider_id"))))


async def provider_update_api(request: Request, body: ProviderPatch) -> Response:
    provider = await queries.get_manageable_provider(request_principal(request), path_uuid(request, "provider_id"))
    provider = await services.update_provider(
        provider, body.model_dump(exclude_unset=True), actor=request_principal(request), now=request_now(request)
    )
    return _json(provider_out(provider))


async def provider_publish_api(request: Request) -> Response:
    provider = await queries.get_manageable_provider(request_principal(request), path_uuid(request, "provider_id"))
    return _json(provider_out(await services.publish_provider(provider, actor=request_principal(request), now=request_now(request))))


async def provider_suspend_api(request: Request) -> Response:
    provider = await queries.get_manageable_provider(request_principal(request), path_uuid(request, "provider_id"))
    return _json(provider_out(await services.suspend_provider(provider, actor=request_principal(request), now=request_now(request))))


async def service_create_api(request: Request, body: ServiceIn) -> Response:
    provider = await queries.get_manageable_provider(request_principal(request), path_uuid(request, "provider_id"))
    service = await services.create_service(provider, body, actor=request_principal(request), now=request_now(request))
    await service.fetch_related("provider")
    return _json(ServiceOut.model_validate(queries.public_service_fields(service)), 201)


async def service_update_api(request: Request, body: ServicePatch) -> Response:
    service = await queries.get_manageable_service(request_principal(request), path_uuid(request, "service_id"))
    service = await services.update_service(
        service, body.model_dump(exclude_unset=True), actor=request_principal(request), now=request_now(request)
    )
    await service.fetch_related("provider")
    return _json(ServiceOut.model_validate(queries.public_service_fields(service)))


def rule_out(rule: AvailabilityRule) -> RuleOut:
    return RuleOut.model_validate({**{k: getattr(rule, k) for k in RuleIn.model_fields}, "id": rule.id, "service_id": rule.service_id})


def closure_out(closure: Closure) -> ClosureOut:
    return ClosureOut(
        id=closure.id,
        service_id=closure.service_id,
        starts_on=closure.starts_on,
        ends_on=closure.ends_on,
        reason=closure.reason,
    )


async def rule_create_api(request: Request, body: RuleIn) -> Response:
    service = await queries.get_manageable_service(request_principal(request), path_uuid(request, "service_id"))
    return _json(rule_out(await services.create_rule(service, body, actor=request_principal(request), now=request_now(request))), 201)


async def rule_update_api(request: Request, body: RulePatch) -> Response:
    rule = await queries.get_manageable_rule(request_principal(request), path_uuid(request, "rule_id"))
    rule = await services.update_rule(rule, body.model_dump(exclude_unset=True), actor=request_principal(request), now=request_now(request))
    return _json(rule_out(rule))


async def rule_delete_api(request: Request) -> Response:
    rule = await queries.get_manageable_rule(request_principal(request), path_uuid(request, "rule_id"))
    await services.delete_rule(rule, actor=request_principal(request), now=request_now(request))
    return Response(status_code=204)


async def closure_create_api(request: Request, body: ClosureIn) -> Response:
    service = await queries.get_manageable_service(request_principal(request), path_uuid(request, "service_id"))
    return _json(closure_out(await services.create_closure(service, body, actor=request_principal(request), now=request_now(request))), 201)


async def closure_delete_api(request: Request) -> Response:
    closure = await queries.get_manageable_closure(request_principal(request), path_uuid(request, "closure_id"))
    await services.delete_closure(closure, actor=request_principal(request), now=request_now(request))
    return Response(status_code=204)


async def calendar_api(request: Request, query: SessionsQuery) -> Response:
    provider = await queries.get_manageable_provider(request_principal(request), path_uuid(request, "provider_id"))
    service_list = await queries.list_services(provider)
    names = {s.id: s.name for s in service_list}
    sessions = await queries.list_sessions(list(names), now=request_now(request), start=query.from_, end=query.to, include_past=True)
    return JSONResponse(
        [
            {
                **session_out(s).model_dump(mode="json"),
                "service_id": str(s.service_id),
                "service_name": names[s.service_id],
                "places_taken": s.places_taken,
                "blocked": s.blocked,
            }
            for s in sessions
        ]
    )


# --- Open Referral UK -------------------------------------------------------------------------


def _oruk_paging(request: Request) -> tuple[int, int]:
    try:
        number = max(1, int(request.query_params.get("page", "1")))
        per_page = min(ORUK_MAX_PER_PAGE, max(1, int(request.query_params.get("per_page", "50"))))
    except ValueError:
        raise ValidationFailed("page and per_page must be whole numbers", errors=[FieldError("page", "Must be a whole number")]) from None
    return number, per_page


async def oruk_info(request: Request) -> Response:
    return JSONResponse(exporters.api_info(), headers=CORS)


async def oruk_services(request: Request) -> Response:
    number, per_page = _oruk_paging(request)
    published = Service.filter(provider__status=ProviderStatus.PUBLISHED, awaiting_review=False)
    total = await published.count()
    rows = await published.select_related("provider").order_by("name", "id").offset((number - 1) * per_page).limit(per_page)
    contents = [exporters.service_summary(s, s.provider) for s in rows]
    return JSONResponse(exporters.page(contents, total=total, page_number=number, per_page=per_page), headers=CORS)


async def oruk_service(request: Request) -> Response:
    service = await queries.get_public_service(path_uuid(request, "service_id"))
    rules = await AvailabilityRule.filter(service_id=service.id).order_by("created_at", "id")
    return JSONResponse(exporters.service_full(service, service.provider, rules), headers=CORS)


async def oruk_service_at_locations(request: Request) -> Response:
    number, per_page = _oruk_paging(request)
    params: dict[str, Any] = {"page": number, "page_size": min(per_page, 50)}
    if request.query_params.get("postcode"):
        metres = float(request.query_params.get("proximity") or 16093)
        params |= {"postcode": request.query_params["postcode"], "within_miles": min(100.0, metres / 1609.344)}
    results = await search_services(SearchQuery.model_validate(params), now=request_now(request))
    by_id = {s.id: s for s in await Service.filter(id__in=[h.service_id for h in results.hits]).select_related("provider")}
    contents = [exporters.service_at_location(by_id[h.service_id], by_id[h.service_id].provider) for h in results.hits]
    return JSONResponse(exporters.page(contents, total=results.total, page_number=number, per_page=params["page_size"]), headers=CORS)


P = "/api/v1"
routes = [
    # families
    api(
        f"{P}/services",
        search_api,
        name="api:services",
        permission=PUBLIC,
        query=SearchQuery,
        response=SearchPage,
        summary="Search services",
        tags=["services"],
        errors=[422],
    ),
    api(
        f"{P}/services/{{service_id:uuid}}",
        service_api,
        name="api:service",
        permission=PUBLIC,
        response=ServiceOut,
        summary="A service",
        tags=["services"],
        errors=[404],
    ),
    api(
        f"{P}/services/{{service_id:uuid}}/sessions",
        service_sessions_api,
        name="api:service_sessions",
        permission=PUBLIC,
        query=SessionsQuery,
        response=list[SessionOut],
        summary="Upcoming sessions of a service",
        tags=["services"],
        errors=[404, 422],
    ),
    # management API
    api(
        f"{P}/providers",
        providers_api,
        name="api:providers",
        permission=MANAGERS,
        response=list[ProviderOut],
        summary="Providers you manage",
        tags=["providers"],
    ),
    api(
        f"{P}/providers",
        provider_create_api,
        name="api:provider_create",
        permission=MANAGERS,
        methods=["POST"],
        body=ProviderIn,
        response=ProviderOut,
        status_code=201,
        summary="Create your provider profile (draft)",
        tags=["providers"],
        errors=[403, 422],
    ),
    api(
        f"{P}/providers/{{provider_id:uuid}}",
        provider_api,
        name="api:provider",
        permission=MANAGERS,
        response=ProviderOut,
        summary="A provider you manage",
        tags=["providers"],
        errors=[404],
    ),
    api(
        f"{P}/providers/{{provider_id:uuid}}",
        provider_update_api,
        name="api:provider_update",
        permission=MANAGERS,
        methods=["PATCH"],
        body=ProviderPatch,
        response=ProviderOut,
        summary="Change a provider's profile",
        tags=["providers"],
        errors=[404, 422],
    ),
    api(
        f"{P}/providers/{{provider_id:uuid}}/publish",
        provider_publish_api,
        name="api:provider_publish",
        permission=LA_OFFICER,
        methods=["POST"],
        response=ProviderOut,
        summary="Approve and publish a provider",
        tags=["providers"],
        errors=[404, 409],
    ),
    api(
        f"{P}/providers/{{provider_id:uuid}}/suspend",
        provider_suspend_api,
        name="api:provider_suspend",
        permission=LA_OFFICER,
        methods=["POST"],
        response=ProviderOut,
        summary="Suspend a provider",
        tags=["providers"],
        errors=[404, 409],
    ),
    api(
        f"{P}/providers/{{provider_id:uuid}}/services",
        service_create_api,
        name="api:service_create",
        permission=MANAGERS,
        methods=["POST"],
        body=ServiceIn,
        response=ServiceOut,
        status_code=201,
        summary="Add a service",
        tags=["providers"],
        errors=[404, 422],
    ),
    api(
        f"{P}/providers/{{provider_id:uuid}}/sessions",
        calendar_api,
        name="api:provider_sessions",
        permission=MANAGERS,
        query=SessionsQuery,
        summary="A provider's sessions with places taken",
        tags=["providers"],
        errors=[404],
    ),
    api(
        f"{P}/services/{{service_id:uuid}}",
        service_update_api,
        name="api:service_update",
        permission=MANAGERS,
        methods=["PATCH"],
        body=ServicePatch,
        response=ServiceOut,
        summary="Change a service",
        tags=["providers"],
        errors=[404, 409, 422],
    ),
    api(
        f"{P}/services/{{service_id:uuid}}/rules",
        rule_create_api,
        name="api:rule_create",
        permission=MANAGERS,
        methods=["POST"],
        body=RuleIn,
        response=RuleOut,
        status_code=201,
        summary="Add an availability rule",
        tags=["providers"],
        errors=[404, 409, 422],
    ),
    api(
        f"{P}/rules/{{rule_id:uuid}}",
        rule_update_api,
        name="api:rule_update",
        permission=MANAGERS,
        methods=["PATCH"],
        body=RulePatch,
        response=RuleOut,
        summary="Change an availability rule",
        tags=["providers"],
        errors=[404, 409, 422],
    ),
    api(
        f"{P}/rules/{{rule_id:uuid}}",
        rule_delete_api,
        name="api:rule_delete",
        permission=MANAGERS,
        methods=["DELETE"],
        status_code=204,
        summary="Remove an availability rule",
        tags=["providers"],
        errors=[404, 409],
    ),
    api(
        f"{P}/services/{{service_id:uuid}}/closures",
        closure_create_api,
        name="api:closure_create",
        permission=MANAGERS,
        methods=["POST"],
        body=ClosureIn,
        response=ClosureOut,
        status_code=201,
        summary="Close a service for some dates",
        tags=["providers"],
        errors=[404, 409, 422],
    ),
    api(
        f"{P}/closures/{{closure_id:uuid}}",
        closure_delete_api,
        name="api:closure_delete",
        permission=MANAGERS,
        methods=["DELETE"],
        status_code=204,
        summary="Remove a closure",
        tags=["providers"],
        errors=[404, 409],
    ),
    # Open Referral UK
    endpoint("/openreferral/", oruk_info, name="oruk:info", permission=PUBLIC),
    endpoint("/openreferral/services", oruk_services, name="oruk:services", permission=PUBLIC),
    endpoint("/openreferral/services/{service_id:uuid}", oruk_service, name="oruk:service", permission=PUBLIC),
    endpoint("/openreferral/service_at_locations", oruk_service_at_locations, name="oruk:service_at_locations", permission=PUBLIC),
]
