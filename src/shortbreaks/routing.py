"""Declared routes: every route says who may call it and, for the API, what it takes and returns.

- :func:`page` — a server-rendered page; signed in by session cookie; unsafe methods need a CSRF token.
- :func:`api` — JSON under ``/api/v1``; signed in by bearer token; the body and query are
  validated by pydantic models, which also feed the OpenAPI document.
- :func:`endpoint` — anything else a machine reads (feeds, webhooks, Open Referral UK):
  no cookies, no CSRF, errors as problem details.

The wrapper authenticates, checks the declared permission (401/redirect or 403), checks
CSRF, parses input and only then calls the endpoint. A test walks every route of the app
and fails if one is not declared.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Mount, Route
from starlette.types import Scope

from shortbreaks.errors import (
    BadRequest,
    FieldError,
    NotAuthenticated,
    PayloadTooLarge,
    PermissionDenied,
    UnsupportedMediaType,
    ValidationFailed,
)
from shortbreaks.permissions import Permission

RouteKind = Literal["page", "api", "endpoint"]
Endpoint = Callable[..., Awaitable[Response]]
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class ApiSpec:
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None
    status_code: int = 200
    summary: str = ""
    description: str = ""
    tags: Sequence[str] = ()
    errors: Sequence[int] = ()
    content_type: str = "application/json"
    extra_responses: dict[int, str] = field(default_factory=dict)
    # A ``multipart/form-data`` body with one file under this field name (read by the endpoint itself).
    upload_field: str | None = None


class DeclaredRoute(Route):
    """A Starlette ``Route`` that carries its permission, kind and API description."""

    def __init__(
        self,
        path: str,
        endpoint: Endpoint,
        *,
        name: str,
        permission: Permission,
        methods: Sequence[str],
        kind: RouteKind,
        spec: ApiSpec | None = None,
        csrf: bool = True,
    ) -> None:
        self.permission = permission
        self.kind = kind
        self.spec = spec
        self.csrf = csrf
        self.original_endpoint = endpoint
        super().__init__(path, _guard(endpoint, permission=permission, kind=kind, spec=spec, csrf=csrf), name=name, methods=list(methods))

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match is not Match.NONE:
            # The path template labels metrics and logs without the raw path's ids and tokens.
            child_scope["route_path"] = self.path
        return match, child_scope


class PublicMount(Mount):
    """A mount (static assets) declared public."""

    permission = Permission("public", requires_user=False)


def page(
    path: str, endpoint: Endpoint, *, name: str, permission: Permission, methods: Sequence[str] = ("GET",), csrf: bool = True
) -> DeclaredRoute:
    return DeclaredRoute(path, endpoint, name=name, permission=permission, methods=methods, kind="page", csrf=csrf)


def api(
    path: str,
    endpoint: Endpoint,
    *,
    name: str,
    permission: Permission,
    methods: Sequence[str] = ("GET",),
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: Any = None,
    status_code: int = 200,
    summary: str = "",
    description: str = "",
    tags: Sequence[str] = (),
    errors: Sequence[int] = (),
    content_type: str = "application/json",
    upload_field: str | None = None,
) -> DeclaredRoute:
    spec = ApiSpec(body, query, response, status_code, summary, description, tags, errors, content_type, upload_field=upload_field)
    return DeclaredRoute(path, endpoint, name=name, permission=permission, methods=methods, kind="api", spec=spec)


def endpoint(
    path: str,
    handler: Endpoint,
    *,
    name: str,
    permission: Permission,
    methods: Sequence[str] = ("GET",),
    summary: str = "",
    query: type[BaseModel] | None = None,
    response: Any = None,
    content_type: str = "application/json",
    tags: Sequence[str] = (),
    in_openapi: bool = False,
) -> DeclaredRoute:
    spec = ApiSpec(query=query, response=response, summary=summary, tags=tags, content_type=content_type) if in_openapi else None
    route = DeclaredRoute(path, handler, name=name, permission=permission, methods=methods, kind="endpoint", spec=spec)
    return route


def _guard(endpoint: Endpoint, *, permission: Permission, kind: RouteKind, spec: ApiSpec | None, csrf: bool) -> Endpoint:
    from shortbreaks.accounts.auth import authenticate
    from shortbreaks.navigation import counts_for
    from shortbreaks.web import verify_csrf

    async def guarded(request: Request) -> Response:
        request.state.route_kind = kind
        principal = await authenticate(request, kind)
        if not permission.allows(principal):
            if principal is None:
                raise NotAuthenticated()
            raise PermissionDenied()
        if kind == "page" and csrf and request.method in UNSAFE_METHODS:
            await verify_csrf(request)
        if kind == "page" and principal is not None:
            request.state.nav_counts = await counts_for(principal, request.app.state.nav_items)
        kwargs: dict[str, Any] = {}
        if spec is not None and spec.query is not None:
            kwargs["query"] = parse_query(request, spec.query)
        if spec is not None and spec.body is not None:
            kwargs["body"] = await parse_json_body(request, spec.body)
        return await endpoint(request, **kwargs)

    guarded.__name__ = getattr(endpoint, "__name__", "endpoint")
    guarded.__doc__ = endpoint.__doc__
    return guarded


def validation_errors(exc: ValidationError, *, prefix: str = "") -> list[FieldError]:
    errors = []
    for error in exc.errors(include_url=False):
        location = ".".join(str(part) for part in error["loc"]) or "body"
        message = str(error["msg"])
        if error["type"] == "extra_forbidden":
            message = "Unknown field"
        elif error["type"] == "missing":
            message = "This field is required"
        errors.append(FieldError(prefix + location, message))
    return errors


def parse_query(request: Request, model: type[BaseModel], *, extra: dict[str, Any] | None = None) -> BaseModel:
    """The query string validated as ``model``; ``extra`` adds (or replaces) values a page has read itself."""
    data: dict[str, Any] = {}
    for key in request.query_params:
        values = [v for v in request.query_params.getlist(key) if v != ""]
        if values:  # ``?to=`` means "not given", as a blank form field does (allowEmptyValue in the OpenAPI)
            data[key] = values[0] if len(values) == 1 else values
    data.update(extra or {})
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed("The query parameters are not valid", errors=validation_errors(exc)) from None


async def read_body(request: Request, *, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise PayloadTooLarge(f"The request body must be {limit} bytes or fewer")
        except ValueError:
            raise BadRequest("Content-Length is not a number") from None
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The request body must be {limit} bytes or fewer")
        chunks.append(chunk)
    return b"".join(chunks)


async def parse_json_body(request: Request, model: type[BaseModel]) -> BaseModel:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise UnsupportedMediaType("Send the body as application/json")
    raw = await read_body(request, limit=request.app.state.settings.max_body_bytes)
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"The body is not valid JSON: {exc}", code="malformed_json") from None
    if not isinstance(data, dict):
        raise ValidationFailed("The body must be a JSON object", errors=[FieldError("body", "Must be a JSON object")])
    try:
        # Strict: the body must match the published JSON schema ("5" is not an integer), while
        # JSON strings still carry dates, datetimes, UUIDs and enum values.
        return model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        raise ValidationFailed(errors=validation_errors(exc)) from None


def walk_routes(routes: Sequence[Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Every route with its full path, mounts included."""
    found: list[tuple[str, Any]] = []
    for route in routes:
        path = prefix + getattr(route, "path", "")
        found.append((path, route))
        if isinstance(route, Mount) and getattr(route, "routes", None) and not isinstance(route, PublicMount):
            found.extend(walk_routes(route.routes, path))
    return found
