"""The web shell: templates, rendering, CSRF, flash messages, and the one error mapping.

Errors: a ``DomainError`` becomes an RFC 9457 problem (API, feeds, webhooks) or a GOV.UK-style
error page (pages). ``DoesNotExist`` is a 404. Anything else is logged and becomes a 500 that
shows no internals.
"""

from __future__ import annotations

import importlib
import logging
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote
from uuid import UUID

import asyncpg
import jinja2
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Match
from starlette.templating import Jinja2Templates
from tortoise.exceptions import DBConnectionError, DoesNotExist

from shortbreaks import db, navigation
from shortbreaks.clock import LONDON
from shortbreaks.domains import DOMAIN_PACKAGES
from shortbreaks.errors import BadRequest, DomainError, FieldError, NotAuthenticated, NotFound, ServiceUnavailable
from shortbreaks.money import format_pence, pence_as_pounds_input
from shortbreaks.permissions import Principal
from shortbreaks.security import has_signature, new_token, sign, signature, unsign

log = logging.getLogger("shortbreaks.web")

SERVICE_NAME = "Short breaks"
ANON_COOKIE = "sb_anon"
FLASH_COOKIE = "sb_flash"
FLASH_LIFETIME = timedelta(minutes=2)
FLASH_SUCCESS, FLASH_ERROR = "success", "error"
PROBLEM_TYPE_BASE = "https://shortbreaks.invalid/problems/"
CORE_DIR = Path(__file__).parent


# --- what every endpoint reads from its request --------------------------------------------


def request_principal(request: Request) -> Principal:
    """Who is calling: set by the declared route's wrapper before the endpoint runs."""
    principal: Principal = request.state.principal
    return principal


def request_now(request: Request) -> datetime:
    """The app's clock (frozen in tests): only endpoints, jobs and the CLI read it; services take ``now=``."""
    now: datetime = request.app.state.clock.now()
    return now


def request_ip(request: Request) -> str:
    """The caller's address as the server saw it (behind a proxy: uvicorn's ``FORWARDED_ALLOW_IPS``)."""
    return request.client.host if request.client else "unknown"


def path_uuid(request: Request, name: str) -> UUID:
    """A ``{name:uuid}`` path parameter (the one idiom for ids in paths; Starlette's convertor made it a UUID)."""
    value: UUID = request.path_params[name]
    return value


# --- templates -----------------------------------------------------------------------------


# Dates as people read them, with the weekday, as the emails already write them:
# "Saturday 19 December 2026" and "Saturday 19 December 2026 at 10am".
DATE_FORMAT = "%A %-d %B %Y"
DATE_TIME_FORMAT = DATE_FORMAT + " at %-I:%M%p"


def format_london(value: datetime | None, fmt: str = DATE_TIME_FORMAT) -> str:
    """A moment on the London clock, with its weekday: ``Saturday 19 December 2026 at 10am`` (the ``london`` filter)."""
    if value is None:
        return ""
    text = value.astimezone(LONDON).strftime(fmt)
    return text.replace("AM", "am").replace("PM", "pm").replace(":00am", "am").replace(":00pm", "pm")


def format_date(value: date | datetime | None, fmt: str = DATE_FORMAT) -> str:
    """A day with its weekday: ``Saturday 19 December 2026`` (the ``date`` filter; a datetime is read on the London clock)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON)
    return value.strftime(fmt)


def make_templates() -> Jinja2Templates:
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(str(CORE_DIR / "templates"))]
    for package in DOMAIN_PACKAGES:
        folder = Path(importlib.import_module(package).__file__ or "").parent / "templates"
        if folder.is_dir():
            loaders.append(jinja2.FileSystemLoader(str(folder)))
    loaders.append(jinja2.PrefixLoader({"govuk_frontend_jinja": jinja2.PackageLoader("govuk_frontend_jinja", "templates")}))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pence"] = format_pence
    env.filters["pounds_input"] = pence_as_pounds_input
    env.filters["london"] = format_london
    env.filters["date"] = format_date
    env.filters["decimal"] = lambda v, places=1: f"{Decimal(v):.{places}f}"
    env.globals["service_name"] = SERVICE_NAME
    return Jinja2Templates(env=env)


def _secret(request: Request) -> str:
    secret: str = request.app.state.settings.secret_key.get_secret_value()
    return secret


def flash(response: Response, request: Request, message: str, *, error: bool = False) -> Response:
    """Show ``message`` on the next page rendered (within two minutes).

    A success banner says a change was made; an ``error`` (nothing was changed) shows in the
    GOV.UK error summary instead, never in a green banner.
    """
    value = sign(_secret(request), "flash", [FLASH_ERROR if error else FLASH_SUCCESS, message[:300]], now=request_now(request))
    max_age = int(FLASH_LIFETIME.total_seconds())
    response.set_cookie(
        FLASH_COOKIE, value, max_age=max_age, httponly=True, samesite="lax", secure=request.app.state.settings.https, path="/"
    )
    return response


def clear_cookie(response: Response, request: Request, name: str) -> None:
    """Delete a cookie with the attributes it was set with: browsers ignore a ``__Host-`` cookie without ``Secure``."""
    response.delete_cookie(name, path="/", secure=request.app.state.settings.https, httponly=True, samesite="lax")


def _read_flash(request: Request) -> tuple[str, str] | None:
    """The flash message as ``(kind, text)``: kind ``FLASH_SUCCESS`` or ``FLASH_ERROR``."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    value = unsign(_secret(request), "flash", raw, max_age=FLASH_LIFETIME, now=request_now(request))
    if isinstance(value, list) and len(value) == 2 and value[0] in (FLASH_SUCCESS, FLASH_ERROR) and isinstance(value[1], str):
        return value[0], value[1]
    return None


def redirect(request: Request, url: str, *, message: str | None = None, error: str | None = None) -> RedirectResponse:
    """A 303 redirect (after a POST), with an optional flash: ``message`` after a change, ``error`` when nothing changed."""
    response = RedirectResponse(url, status_code=303)
    if error:
        flash(response, request, error, error=True)
    elif message:
        flash(response, request, message)
    return response


# --- CSRF ------------------------------------------------------------------------------------


def _csrf_subject(request: Request) -> str | None:
    principal = getattr(request.state, "principal", None)
    if principal is not None and principal.session_id:
        return "s:" + principal.session_id
    pending = getattr(request.state, "pending_session", None)
    if pending is not None:
        return "s:" + pending.id
    anon = getattr(request.state, "anon_id", None) or request.cookies.get(ANON_COOKIE)
    return "a:" + anon if anon else None


def csrf_token(request: Request) -> str:
    """The token forms must send back as ``csrf_token``: tied to the session, or to an anonymous cookie."""
    subject = _csrf_subject(request)
    if subject is None:
        request.state.anon_id = new_token(24)
        subject = "a:" + request.state.anon_id
    return signature(_secret(request), "csrf", subject)


async def verify_csrf(request: Request, form: FormData | None = None) -> None:
    """Check the form's ``csrf_token``; ``form``: one the endpoint read itself (an upload, read with a size limit)."""
    form = form if form is not None else await request.form()
    sent = form.get("csrf_token")
    subject = _csrf_subject(request)
    if not isinstance(sent, str) or subject is None or not has_signature(_secret(request), "csrf", subject, sent):
        raise BadRequest(
            "Your form could not be sent because it had expired. Go back, reload the page and try again.",
            code="csrf_failed",
        )
    request.state.form = form


# --- rendering -------------------------------------------------------------------------------


def render(request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200) -> HTMLResponse:
    """Render a page with the shell's context: principal, navigation, CSRF token, flash message."""
    principal = getattr(request.state, "principal", None)
    ctx: dict[str, Any] = {
        "request": request,
        "principal": principal,
        "nav_items": navigation.items_for(principal, request.app.state.nav_items),
        "nav_counts": getattr(request.state, "nav_counts", {}),
        "csrf_token": csrf_token(request),
        "flash_message": None,
        "flash_error": None,
        "current_path": request.url.path,
    }
    flashed = _read_flash(request)
    if flashed is not None:
        ctx["flash_error" if flashed[0] == FLASH_ERROR else "flash_message"] = flashed[1]
    ctx.update(context or {})
    response = request.app.state.templates.TemplateResponse(request, template, ctx, status_code=status_code)
    anon_id = getattr(request.state, "anon_id", None)
    if anon_id and not request.cookies.get(ANON_COOKIE):
        response.set_cookie(ANON_COOKIE, anon_id, httponly=True, samesite="lax", secure=request.app.state.settings.https, path="/")
    if flashed is not None:
        clear_cookie(response, request, FLASH_COOKIE)
    response.headers["Cache-Control"] = "no-store" if principal is not None else "no-cache"
    return response


def error_summary(errors: list[FieldError], *, anchors: dict[str, str] | None = None) -> list[dict[str, str]]:
    """The GOV.UK error summary's ``errorList`` from field errors.

    Each link goes to the field's control, whose id is the field's name, so following it moves
    focus there; ``anchors`` names another id for a field whose first control is not named so
    (the first box of a group of checkboxes).
    """
    anchors = anchors or {}
    return [{"text": e.message, "href": "#" + anchors.get(e.field, e.field.replace(".", "-"))} for e in errors]


def field_errors(errors: list[FieldError]) -> dict[str, str]:
    found: dict[str, str] = {}
    for e in errors:
        found.setdefault(e.field, e.message)
    return found


# --- errors ----------------------------------------------------------------------------------


def problem(
    status: int,
    *,
    code: str,
    title: str,
    detail: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"type": PROBLEM_TYPE_BASE + code, "title": title, "status": status, "code": code}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body["errors"] = [{"field": e.field, "message": e.message} for e in errors or []]
    return JSONResponse(body, status_code=status, headers=headers, media_type="application/problem+json")


def _wants_problem(request: Request) -> bool:
    kind = getattr(request.state, "route_kind", None)
    if kind is not None:
        return kind != "page"
    path = request.url.path
    return path.startswith(("/api/", "/webhooks/", "/feeds/", "/openreferral/")) or path.endswith(".ics")


def _error_page(request: Request, status: int, title: str, detail: str | None, problems: list[str] | None = None) -> Response:
    template = {403: "errors/403.html", 404: "errors/404.html"}.get(status, "errors/error.html" if status < 500 else "errors/500.html")
    try:
        context = {"status": status, "title": title, "detail": detail, "problems": problems or []}
        return render(request, template, context, status_code=status)
    except Exception:  # the error page itself must not fail
        log.exception("error page failed to render")
        return HTMLResponse(f"<h1>{status}</h1>", status_code=status)


async def handle_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if isinstance(exc, NotAuthenticated) and not _wants_problem(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)
    if _wants_problem(request):
        headers = dict(exc.headers)
        if isinstance(exc, NotAuthenticated):
            headers["WWW-Authenticate"] = "Bearer"
        detail = exc.message if exc.message != exc.title else None
        return problem(
            exc.status_code, code=exc.code, title=exc.title, detail=detail, errors=exc.errors, headers=headers, instance=request.url.path
        )
    # A form's field errors reach here only from a page that does not show its own form again:
    # say what each one is, in the same words the form's error summary would.
    problems = [e.message for e in exc.errors]
    detail = exc.message if exc.message != exc.title and exc.message not in problems else None
    response = _error_page(request, exc.status_code, exc.title, detail, problems)
    response.headers.update(exc.headers)
    return response


def _allowed_methods(request: Request) -> str | None:
    """Every method any route answers on this path: several routes may share one path, one method each."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        route_methods = getattr(route, "methods", None)
        if route_methods and route.matches(request.scope)[0] is not Match.NONE:
            methods |= route_methods
    return ", ".join(sorted(methods)) if methods else None


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405 and (allowed := _allowed_methods(request)):
        exc = HTTPException(405, headers={**(exc.headers or {}), "Allow": allowed})
    titles = {404: "Page not found", 405: "Method not allowed", 400: "Bad request"}
    title = titles.get(exc.status_code, str(exc.detail))
    if _wants_problem(request):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return problem(exc.status_code, code=code, title=title, headers=dict(exc.headers or {}))
    response = _error_page(request, exc.status_code, title, None)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def handle_does_not_exist(request: Request, exc: Exception) -> Response:
    return await handle_domain_error(request, NotFound())


# How long a client should wait before trying again after the database dropped out.
RETRY_AFTER_S = 5


async def handle_connection_error(request: Request, exc: Exception) -> Response:
    """A lost database connection is a 503 with Retry-After (problem or page), not a 500."""
    if not db.is_connection_error(exc):
        return await handle_unexpected(request, exc)
    log.warning("service unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return await handle_domain_error(
        request,
        ServiceUnavailable("The service is busy or restarting. Try again in a few seconds.", headers={"Retry-After": str(RETRY_AFTER_S)}),
    )


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if _wants_problem(request):
        return problem(500, code="internal_error", title="Something went wrong on our side")
    return _error_page(request, 500, "Sorry, there is a problem with the service", None)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: handle_domain_error,
    HTTPException: handle_http_exception,
    DoesNotExist: handle_does_not_exist,
    # A database (or other backing service) that dropped out: 503 with Retry-After.
    DBConnectionError: handle_connection_error,
    asyncpg.PostgresConnectionError: handle_connection_error,
    asyncpg.InterfaceError: handle_connection_error,
    asyncpg.exceptions.OperatorInterventionError: handle_connection_error,
    asyncpg.exceptions.InternalClientError: handle_connection_error,
    OSError: handle_connection_error,
    Exception: handle_unexpected,
}
