"""Provider directory HTML pages: families' search and service pages, and provider management
(profile, services, availability, closures, calendar). Thin: parse, check, call, render."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import NoMatchFound

from providers import queries, services
from providers.enums import WEEKDAYS, AccessibilityFeature, FundingRoute, Need, ProviderStatus, ServiceKind, SessionStatus, StaffRatio
from providers.maps import AreaMap, MapPoint, draw_map
from providers.models import AvailabilityRule, Closure, Provider, Service, Session
from providers.permissions import MANAGERS, can_approve_provider, default_provider_organisation
from providers.postcodes import describe_distance
from providers.recurrence import describe_rrule
from providers.schemas import ClosureIn, ProviderIn, RuleFormIn, SearchQuery, ServiceIn
from providers.search import Results, search_services
from shortbreaks.accounts.enums import Role
from shortbreaks.clock import LONDON
from shortbreaks.errors import DomainError, FieldError, ValidationFailed
from shortbreaks.forms import form_values, read_form, read_query
from shortbreaks.marks import marks_for
from shortbreaks.money import PoundsError, parse_pounds, pence_as_pounds_input
from shortbreaks.permissions import LA_OFFICER, PROVIDER_STAFF, PUBLIC
from shortbreaks.routing import page
from shortbreaks.web import error_summary, field_errors, path_uuid, redirect, render, request_now, request_principal

CALENDAR_WEEKS_BACK = 4
# The search form's fields as its labels name them, for messages that say which field is wrong.
SEARCH_LABELS = {
    "postcode": "Postcode",
    "within_miles": "Within (miles)",
    "age": "Child's age",
    "kind": "Type of short break",
    "needs": "Needs supported",
    "accessibility": "Accessibility",
    "max_price": "Most you want to pay a session",
    "max_price_pence": "Most you want to pay a session",
    "funding": "Paid for by",
    "from": "From date",
    "to": "To date",
    "weekdays": "Days",
    "q": "Words",
}


# --- families' pages ------------------------------------------------------------------------------


def _options(enum: Any) -> list[tuple[str, str]]:
    return [(member.value, getattr(member, "label", member.value)) for member in enum]


def _vocabularies() -> dict[str, Any]:
    return {
        "kinds": _options(ServiceKind),
        "needs": [(n.value, f"{n.label} ({n.value})") for n in Need],
        "features": _options(AccessibilityFeature),
        "funding_routes": _options(FundingRoute),
        "ratios": _options(StaffRatio),
        "weekday_names": [(d, calendar.day_name[i]) for i, d in enumerate(WEEKDAYS)],
    }


def _page_url(request: Request, number: int) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"] + [("page", str(number))]
    return "?" + urlencode(params)


def _address(address: str, postcode: str) -> str:
    return ", ".join(part for part in (address.strip(), postcode.strip()) if part)


def _results_map(results: Results) -> AreaMap | None:
    """The page's results as numbered points (their numbers in the list), and the searched place."""
    first = (results.page - 1) * results.page_size + 1
    points = [
        MapPoint(str(first + i), f"{first + i}: {h.name}, {_address(h.address, h.postcode)}", h.latitude, h.longitude)
        for i, h in enumerate(results.hits)
    ]
    if results.place is not None and points:
        place = results.place
        points.append(MapPoint("You", f"You: {place.postcode}", place.latitude, place.longitude))
    return draw_map(points, title="Map of the short breaks on this page")


async def _search_context(request: Request, results: Results) -> dict[str, Any]:
    last = max(1, -(-results.total // results.page_size))
    marks = await marks_for(
        request.app.state.session_markers,
        request_principal(request),
        [h.service_id for h in results.hits],
        now=request_now(request),
    )
    return {
        "results": results,
        "first_number": (results.page - 1) * results.page_size + 1,
        "addresses": {h.service_id: _address(h.address, h.postcode) for h in results.hits},
        "marks": marks,
        "results_map": _results_map(results),
        "distances": {h.service_id: describe_distance(h.distance_miles) for h in results.hits if h.distance_miles is not None},
        "prev_url": _page_url(request, results.page - 1) if results.page > 1 else None,
        "next_url": _page_url(request, results.page + 1) if results.page < last else None,
    }


async def search_page(request: Request) -> Response:
    values = {
        k: (request.query_params.getlist(k) if k in ("needs", "accessibility", "weekdays") else v) for k, v in request.query_params.items()
    }
    context: dict[str, Any] = {"values": values, "results": None, "errors": [], "field_errors": {}, **_vocabularies()}
    if request.query_params:
        try:
            # The form asks for the most in pounds ("£15"); the query (and the API) takes pence.
            extra = {}
            if request.query_params.get("max_price"):
                try:
                    extra["max_price_pence"] = parse_pounds(request.query_params["max_price"], what="the most you want to pay")
                except PoundsError as exc:
                    raise ValidationFailed(errors=[FieldError("max_price", str(exc))]) from None
            query = read_query(request, SearchQuery, labels=SEARCH_LABELS, extra=extra)
            # Families see only services with a session coming up: nothing else can be booked.
            results = await search_services(query, now=request_now(request), upcoming_only=True)
            context |= await _search_context(request, results)
        except ValidationFailed as exc:
            context |= {"errors": error_summary(exc.errors), "field_errors": field_errors(exc.errors)}
    return render(request, "providers/search.html", context, status_code=422 if context["errors"] else 200)


def _session_paths(request: Request, route_name: str, sessions: list[Session]) -> dict[Any, str]:
    """Each session's page in a package built on this one (bookings), when the app has that route."""
    try:
        return {s.id: request.url_for(route_name, session_id=s.id).path for s in sessions}
    except NoMatchFound:
        return {}


def _is_open_for_booking(session: Session, service: Service, now: Any) -> bool:
    opens = session.starts_at - timedelta(days=service.booking_window_days)
    return session.status == SessionStatus.SCHEDULED and not session.blocked and opens <= now < session.starts_at


def _service_map(service: Service, provider: Provider) -> AreaMap | None:
    where = _address(provider.address, provider.postcode)
    point = MapPoint("", f"{service.name}: {where}", provider.latitude, provider.longitude)
    return draw_map([point], title=f"Map showing where {service.name} is")


async def service_page(request: Request) -> Response:
    service = await queries.get_public_service(path_uuid(request, "service_id"))
    now = request_now(request)
    sessions = (await queries.list_sessions([service.id], now=now, start=None, end=None))[:60]
    book_paths = _session_paths(request, "bookings:book", [s for s in sessions if _is_open_for_booking(s, service, now)])
    marks = await marks_for(request.app.state.session_markers, request_principal(request), [service.id], now=now)
    context = {
        "service": service,
        "provider": service.provider,
        "sessions": sessions,
        "book_paths": book_paths,
        "marks": marks,
        "address": _address(service.provider.address, service.provider.postcode),
        "service_map": _service_map(service, service.provider),
    }
    return render(request, "providers/service.html", context)


# --- management pages ---------------------------------------------------------------------


PRICE_LIMIT_MESSAGE = "The price must be £100,000.00 or less"


def _price_field(error: FieldError) -> FieldError:
    """The form asks for the price in pounds (``price``); the schema and the database hold pence."""
    if error.field != "price_pence":
        return error
    return FieldError("price", PRICE_LIMIT_MESSAGE if "less than or equal" in error.message else error.message)


def _service_form_data(values: dict[str, Any]) -> dict[str, Any]:
    """The service form's fields as :class:`ServiceIn` data: the price typed in pounds becomes ``price_pence``.

    A price that is not pounds is reported with the form's other problems, not on its own.
    """
    data = _blanks_as_defaults(ServiceIn, {k: v for k, v in values.items() if k in ServiceIn.model_fields and k != "price_pence"})
    try:
        data["price_pence"] = parse_pounds(str(values.get("price") or ""), what="the price of a session")
    except PoundsError as exc:
        price_error = FieldError("price", str(exc))
        try:
            services.merge(ServiceIn, {}, data | {"price_pence": 0})
        except ValidationFailed as others:
            raise ValidationFailed(errors=[price_error, *others.errors]) from None
        raise ValidationFailed(errors=[price_error]) from None
    return data


def _form_error_page(request: Request, template: str, exc: DomainError, values: dict[str, Any], **context: Any) -> Response:
    # Errors about the organisation (the form has no such field: it is the staff member's own) link to the first field.
    errors = [_price_field(e) for e in exc.errors] or [FieldError("form", exc.message)]
    errors = [FieldError("name", e.message) if e.field == "organisation_id" else e for e in errors]
    context |= {"errors": error_summary(errors), "field_errors": field_errors(errors), "values": values, "problem": exc.message}
    # A change refused because sessions have bookings: the page offers to cancel them (the bookings package does that).
    context["affected_sessions"] = getattr(exc, "sessions", [])
    return render(request, template, {**_vocabularies(), **context}, status_code=exc.status_code)


async def dashboard_page(request: Request) -> Response:
    principal = request_principal(request)
    providers = await queries.list_manageable_providers(principal)
    # Provider staff are offered a new profile only for an organisation of theirs that has none yet.
    with_profile = {p.organisation_id for p in providers}
    can_create = any(o not in with_profile for o in principal.organisation_ids(Role.PROVIDER_STAFF))
    context = {
        "providers": providers,
        "is_officer": principal.has_role(Role.LA_OFFICER),
        "waiting": [p for p in providers if p.status == ProviderStatus.DRAFT and p.submitted_for_review_at is not None],
        "can_create": can_create,
    }
    if context["is_officer"]:
        context["services_waiting"] = await queries.list_services_awaiting_review(principal)
        context["review_settings"] = await queries.review_settings(principal)
    return render(request, "providers/dashboard.html", context)


class ReviewSettingForm(BaseModel):
    local_authority_id: UUID
    review_new_services: bool = False


async def review_setting_page(request: Request) -> Response:
    """The council's choice: review a published provider's new services before families can find them, or not."""
    form, errors, _values = await read_form(request, ReviewSettingForm)
    if form is None:
        raise ValidationFailed(errors=errors)
    await services.set_review_new_services(
        form.local_authority_id, form.review_new_services, actor=request_principal(request), now=request_now(request)
    )
    message = "New services will wait for your approval" if form.review_new_services else "New services will go live at once"
    return redirect(request, str(request.url_for("providers:dashboard")), message=message)


async def service_approve_page(request: Request) -> Response:
    service = await queries.get_manageable_service(request_principal(request), path_uuid(request, "service_id"))
    await services.approve_service(service, actor=request_principal(request), now=request_now(request))
    return redirect(request, str(request.url_for("providers:dashboard")), message=f"{service.name} approved: families can find it")


async def provider_new_page(request: Request) -> Response:
    authorities = await queries.list_local_authorities()
    return render(request, "providers/provider_form.html", {**_vocabularies(), "values": {}, "authorities": authorities})


async def provider_create_page(request: Request) -> Response:
    form, errors, values = await read_form(request, ProviderIn, list_fields=("accessibility",))
    authorities = await queries.list_local_authorities()
    try:
        if form is None:
            raise ValidationFailed(errors=errors)
        organisation_id = default_provider_organisation(request_principal(request), form.organisation_id)
        provider = await services.create_provider(
            form, organisation_id=organisation_id, actor=request_principal(request), now=request_now(request)
        )
    except DomainError as exc:
        return _form_error_page(request, "providers/provider_form.html", exc, values, authorities=authorities)
    return redirect(request, str(request.url_for("providers:manage", provider_id=provider.id)), message="Profile created")


async def provider_manage_page(request: Request) -> Response:
    provider = await queries.get_manageable_provider(request_principal(request), path_uuid(request, "provider_id"))
    can_approve = can_approve_provider(request_principal(request), local_authority_id=provider.local_authority_id)
    context = {"provider": provider, "services": await queries.list_services(provider), "can_approve": can_approve}
    return render(request, "providers/manage.html", context)


async def provider_edit_page(request: Request) -> Response:
    provider = await queries.get_manageable_provider(request_principal(request), path_uuid(request, "provider_id"))
    values = services.provider_input(provider) | {"languages": ", ".join(provider.languages)}
    context = {"provider": provider, "values": values, "authorities": await queries.list_local_authorities()}
    return render(request, "providers/provider_form.html", {**_vocabularies(), **context})


async def provider_update_page(request: Request) -> Response:
    provider = await queries.get_manageable_provider(request_principal(request), path_uuid(request, "provider_id"))
    values = await form_values(request)
    values["accessibility"] = values.get("accessibility") or []
    try:
        await services.update_provider(
            provider,
            {k: v for k, v in values.items() if k in ProviderIn.model_fields},
            actor=request_principal(request),
            now=request_now(request),
        )
    except DomainError as exc:
        authorities = await queries.list_local_authorities()
        return _form_error_page(request, "providers/provider_form.html", exc, values, provider=provider, authorities=authorities)
    return redirect(request, str(request.url_for("providers:manage", provider_id=provider.id)), message="Profile saved")


async def provider_publish_page(request: Request) -> Response:
    provider = await queries.get_manageable_provider(request_principal(request), path_uuid(request, "provider_id"))
    provider = await services.publish_provider(provider, actor=request_principal(request), now=request_now(request))
    return redirect(request, str(request.url_for("providers:manage", provider_id=provider.id)), message="Provider published")


async def provider_submit_page(request: Request) -> Response:
    provider = await queries.get_manageable_provider(request_principal(request), path_uuid(request, "provider_id"))
    try:
        await services.submit_provider_for_review(provider, actor=request_principal(request), now=request_now(request))
    except DomainError as exc:
        errors = [FieldError("status", exc.message)]  # the status line above the heading says why
        context = {"provider": provider, "services": await queries.list_services(provider), "can_approve": False}
        context |= {"errors": error_summary(errors), "field_errors": field_errors(errors)}
        return render(request, "providers/manage.html", context, status_code=exc.status_code)
    message = "Profile sent to the council for review"
    return redirect(request, str(request.url_for("providers:manage", provider_id=provider.id)), message=message)


async def provider_suspend_page(request: Request) -> Response:
    provider = await queries.get_manageable_provider(request_principal(request), path_uuid(request, "provider_id"))
    provider = await services.suspend_provider(provider, actor=request_principal(request), now=request_now(request))
    return redirect(request, str(request.url_for("providers:manage", provider_id=provider.id)), message="Provider suspended")


async def service_new_page(request: Request) -> Response:
    provider = await queries.get_manageable_provider(request_principal(request), path_uuid(request, "provider_id"))
    # The form starts with the schema's defaults (48 hours' notice, bookable 56 days ahead…), so people see them.
    fields = ServiceIn.model_fields.items()
    defaults = {name: f.get_default(call_default_factory=True) for name, f in fields if not f.is_required()}
    defaults = {name: value for name, value in defaults.items() if value not in (None, "", [])}
    return render(request, "providers/service_form.html", {"provider": provider, "values": defaults, **_vocabularies()})


def _blanks_as_defaults(model: type[BaseModel], values: dict[str, Any]) -> dict[str, Any]:
    """A browser sends every field; a blank optional one takes the schema's default ("" or 48 hours), a blank required one is None."""
    data = {}
    for name, value in values.items():
        field = model.model_fields.get(name)
        if value == "" and field is not None and not field.is_required():
            data[name] = field.get_default(call_default_factory=True)
        else:
            data[name] = None if value == "" else value
    return data


async def service_create_page(request: Request) -> Response:
    provider = await queries.get_manageable_provider(request_principal(request), path_uuid(request, "provider_id"))
    values = await form_values(request)
    for name in ("needs", "funding_routes"):
        values[name] = values[name] if isinstance(values.get(name), list) else [values[name]] if name in values else []
    values.setdefault("closed_on_bank_holidays", False)  # an unticked box is not sent
    try:
        form = services.merge(ServiceIn, {}, _service_form_data(values))
        service = await services.create_service(provider, form, actor=request_principal(request), now=request_now(request))
    except DomainError as exc:
        return _form_error_page(request, "providers/service_form.html", exc, values, provider=provider)
    return redirect(request, str(request.url_for("providers:manage_service", service_id=service.id)), message="Service added")


async def _service_context(request: Request, service: Service) -> dict[str, Any]:
    """The service page's context; ``service`` comes with its provider loaded (``queries.get_manageable_*``)."""
    provider = service.provider
    rules = await AvailabilityRule.filter(service_id=service.id).order_by("created_at", "id")
    closures = await Closure.filter(service_id=service.id).order_by("starts_on")
    return {
        "provider": provider,
        "service": service,
        "rules": rules,
        "rule_words": {r.id: describe_rrule(r.rrule) for r in rules},
        "closures": closures,
        "values": services.service_input(service) | {"price": pence_as_pounds_input(service.price_pence)},
        **_vocabularies(),
    }


async def service_manage_page(request: Request) -> Response:
    service = await queries.get_manageable_service(request_principal(request), path_uuid(request, "service_id"))
    return render(request, "providers/service_manage.html", await _service_context(request, service))


async def _service_form_action(request: Request, action: Any, message: str) -> Response:
    """Run ``action(service, values)`` from a form on the service page; errors re-render that page."""
    service = await queries.get_manageable_service(request_principal(request), path_uuid(request, "service_id"))
    values = await form_values(request)
    try:
        await action(service, values)
    except DomainError as exc:
        context = await _service_context(request, service)
        context.pop("values")
        return _form_error_page(request, "providers/service_manage.html", exc, values, **context)
    return redirect(request, str(request.url_for("providers:manage_service", service_id=service.id)), message=message)


async def service_update_page(request: Request) -> Response:
    async def action(service: Service, values: dict[str, Any]) -> None:
        values.setdefault("closed_on_bank_holidays", False)
        for name in ("needs", "funding_routes"):
            values.setdefault(name, [])
        changes = _service_form_data(values)
        await services.update_service(service, changes, actor=request_principal(request), now=request_now(request))

    return await _service_form_action(request, action, "Service saved")


async def rule_create_page(request: Request) -> Response:
    """Add availability from days and times; "Show the dates" shows the next ten dates the rule makes, saving nothing."""
    service = await queries.get_manageable_service(request_principal(request), path_uuid(request, "service_id"))
    form, errors, values = await read_form(request, RuleFormIn, list_fields=("weekdays",))
    try:
        if form is None:
            raise ValidationFailed(errors=errors)
        data = services.rule_from_form(form)
        if values.get("action") == "preview":
            context = await _service_context(request, service)
            preview = await services.preview_rule(service, data, now=request_now(request))
            return render(request, "providers/service_manage.html", context | {"preview": preview, "rule_values": values})
        await services.create_rule(service, data, actor=request_principal(request), now=request_now(request))
    except DomainError as exc:
        context = await _service_context(request, service)
        return _form_error_page(request, "providers/service_manage.html", exc, context.pop("values"), rule_values=values, **context)
    message = "Availability added and sessions created"
    return redirect(request, str(request.url_for("providers:manage_service", service_id=service.id)), message=message)


async def closure_create_page(request: Request) -> Response:
    async def action(service: Service, values: dict[str, Any]) -> None:
        data = services.merge(ClosureIn, {}, {k: (None if v == "" else v) for k, v in values.items() if k in ClosureIn.model_fields})
        await services.create_closure(service, data, actor=request_principal(request), now=request_now(request))

    return await _service_form_action(request, action, "Closure added")


async def rule_delete_page(request: Request) -> Response:
    rule = await queries.get_manageable_rule(request_principal(request), path_uuid(request, "rule_id"))
    try:
        await services.delete_rule(rule, actor=request_principal(request), now=request_now(request))
    except DomainError as exc:
        context = await _service_context(request, rule.service)
        context.pop("values")
        return _form_error_page(request, "providers/service_manage.html", exc, {}, **context)
    return redirect(request, str(request.url_for("providers:manage_service", service_id=rule.service_id)), message="Availability removed")


async def closure_delete_page(request: Request) -> Response:
    closure = await queries.get_manageable_closure(request_principal(request), path_uuid(request, "closure_id"))
    await services.delete_closure(closure, actor=request_principal(request), now=request_now(request))
    return redirect(request, str(request.url_for("providers:manage_service", service_id=closure.service_id)), message="Closure removed")


def _calendar_period(request: Request, today: date) -> tuple[str, date, date, date, date]:
    """The calendar's view (``list``, ``week`` or ``month``) and its days: (view, first, last, previous, next).

    A week runs Monday to Sunday; ``start`` (YYYY-MM-DD) picks the week or month, today by default;
    anything else shows the list.
    """
    view = request.query_params.get("view", "list")
    try:
        day = date.fromisoformat(request.query_params.get("start", ""))
    except ValueError:
        day = today
    if view == "week":
        first = day - timedelta(days=day.weekday())
        return view, first, first + timedelta(days=6), first - timedelta(weeks=1), first + timedelta(weeks=1)
    if view == "month":
        first = day.replace(day=1)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        return view, first, last, (first - timedelta(days=1)).replace(day=1), last + timedelta(days=1)
    since = today - timedelta(weeks=CALENDAR_WEEKS_BACK)
    return "list", since, since, since, since


async def calendar_page(request: Request) -> Response:
    """The provider's sessions: a list from four weeks back (so staff can still reach recent registers), or a week or a month by day."""
    provider = await queries.get_manageable_provider(request_principal(request), path_uuid(request, "provider_id"))
    service_list = await queries.list_services(provider)
    now = request_now(request)
    view, first, last, previous, following = _calendar_period(request, now.astimezone(LONDON).date())
    ids = [s.id for s in service_list]
    if view == "list":
        sessions = await queries.list_sessions(ids, now=now, start=first, end=None, include_past=True)
    else:
        sessions = await queries.list_sessions(ids, now=now, start=first, end=last, include_past=True)
    by_day: dict[date, list[Session]] = {}
    for s in sessions:
        by_day.setdefault(s.starts_at.astimezone(LONDON).date(), []).append(s)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)] if view == "week" else sorted(by_day)
    context = {
        "provider": provider,
        "sessions": sessions,
        "names": {s.id: s.name for s in service_list},
        "since": first,
        "view": view,
        "first": first,
        "last": last,
        "previous": previous,
        "following": following,
        "days": days,
        "by_day": by_day,
    }
    return render(request, "providers/calendar.html", context | {"register_paths": _session_paths(request, "bookings:register", sessions)})


routes = [
    # families
    page("/services", search_page, name="providers:search", permission=PUBLIC),
    page("/services/{service_id:uuid}", service_page, name="providers:service", permission=PUBLIC),
    # management pages
    page("/provider", dashboard_page, name="providers:dashboard", permission=MANAGERS),
    page("/provider/review-setting", review_setting_page, name="providers:review_setting", permission=LA_OFFICER, methods=["POST"]),
    page("/provider/new", provider_new_page, name="providers:new", permission=MANAGERS),
    page("/provider/new", provider_create_page, name="providers:create", permission=MANAGERS, methods=["POST"]),
    page(
        "/provider/services/{service_id:uuid}/approve",
        service_approve_page,
        name="providers:approve_service",
        permission=LA_OFFICER,
        methods=["POST"],
    ),
    page("/provider/services/{service_id:uuid}", service_manage_page, name="providers:manage_service", permission=MANAGERS),
    page(
        "/provider/services/{service_id:uuid}", service_update_page, name="providers:update_service", permission=MANAGERS, methods=["POST"]
    ),
    page(
        "/provider/services/{service_id:uuid}/rules", rule_create_page, name="providers:create_rule", permission=MANAGERS, methods=["POST"]
    ),
    page(
        "/provider/services/{service_id:uuid}/closures",
        closure_create_page,
        name="providers:create_closure",
        permission=MANAGERS,
        methods=["POST"],
    ),
    page("/provider/rules/{rule_id:uuid}/delete", rule_delete_page, name="providers:delete_rule", permission=MANAGERS, methods=["POST"]),
    page(
        "/provider/closures/{closure_id:uuid}/delete",
        closure_delete_page,
        name="providers:delete_closure",
        permission=MANAGERS,
        methods=["POST"],
    ),
    page("/provider/{provider_id:uuid}", provider_manage_page, name="providers:manage", permission=MANAGERS),
    page("/provider/{provider_id:uuid}/edit", provider_edit_page, name="providers:edit", permission=MANAGERS),
    page("/provider/{provider_id:uuid}/edit", provider_update_page, name="providers:update", permission=MANAGERS, methods=["POST"]),
    page("/provider/{provider_id:uuid}/services/new", service_new_page, name="providers:new_service", permission=MANAGERS),
    page(
        "/provider/{provider_id:uuid}/services/new",
        service_create_page,
        name="providers:create_service",
        permission=MANAGERS,
        methods=["POST"],
    ),
    page("/provider/{provider_id:uuid}/calendar", calendar_page, name="providers:calendar", permission=MANAGERS),
    page("/provider/{provider_id:uuid}/submit", provider_submit_page, name="providers:submit", permission=PROVIDER_STAFF, methods=["POST"]),
    page("/provider/{provider_id:uuid}/publish", provider_publish_page, name="providers:publish", permission=LA_OFFICER, methods=["POST"]),
    page("/provider/{provider_id:uuid}/suspend", provider_suspend_page, name="providers:suspend", permission=LA_OFFICER, methods=["POST"]),
]
