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
from starlette._utils import get_route_path
from starlette.datastructures import URL, URLPath
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Match, Mount, NoMatchFound, Route, Router
from starlette.types import Receive, Scope, Send

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
) -> DeclaredRoute:
    spec = ApiSpec(body, query, response, status_code, summary, description, tags, errors, content_type)
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


def parse_query(request: Request, model: type[BaseModel]) -> BaseModel:
    data: dict[str, Any] = {}
    for key in request.query_params:
        values = [v for v in request.query_params.getlist(key) if v != ""]
        if values:  # ``?to=`` means "not given", as a blank form field does (allowEmptyValue in the OpenAPI)
            data[key] = values[0] if len(values) == 1 else values
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


# --- dispatch -----------------------------------------------------------------------------------


def _fixed_segments(route: BaseRoute) -> tuple[str, ...]:
    """The whole path segments every path this route matches begins with: ``("api", "v1",
    "bookings")`` for ``/api/v1/bookings/{id}``, ``("feeds", "f")`` for ``/feeds/f/{token}.ics``;
    none for a route type this index does not know."""
    if not isinstance(route, Route | Mount):
        return ()
    path = route.path if isinstance(route, Route) else route.path + "/{path:path}"  # as Mount compiles it
    literal = path.split("{", 1)[0]
    if not literal.startswith("/"):
        return ()
    segments = literal[1:].split("/")
    return tuple(segments if literal == path else segments[:-1])  # the last one is cut by a parameter


class _Node:
    __slots__ = ("children", "routes")

    def __init__(self, routes: list[BaseRoute]) -> None:
        self.children: dict[str, _Node] = {}
        self.routes = routes


def _plain_name(route: BaseRoute) -> str | None:
    """The one name a route's ``url_path_for`` answers to, or None when it may answer to others."""
    if isinstance(route, Route) and type(route).url_path_for is Route.url_path_for:
        return route.name
    return None


class IndexedRouter(Router):
    """Starlette's ``Router``, which tries its routes in order, but trying only those that can match.

    Starlette tries every route in turn: for a feed, 125 regular expressions before the right one
    (68 µs a request), and for an unknown path every route twice (once more for a slash redirect).
    ``url_path_for`` is worse: it raises and catches ``NoMatchFound`` for each earlier route, 136 µs
    for a late one such as a provider's calendar page. Both matter on hot paths (bench/README.md).

    Here a request tries only the routes whose fixed leading path segments (:func:`_fixed_segments`)
    begin its own path, found by walking a tree of those segments, in their original order; and
    ``url_path_for`` tries only the routes of that name, with every mount. A route left out could
    not have matched, so the result is Starlette's in every case: ``tests/core/test_routing_index.py``
    checks it against Starlette's own ``Router`` for every route of the app. The index is built on
    first use and again if routes are added or removed; routes are not expected to change once the
    app serves.
    """

    _indexed: tuple[int, int] | None = None
    _tree: _Node
    _by_name: dict[str, list[BaseRoute]]
    _unnamed: list[BaseRoute]

    def _index(self) -> None:
        key = (id(self.routes), len(self.routes))
        if self._indexed == key:
            return
        fixed = [(route, _fixed_segments(route)) for route in self.routes]
        self._tree = _Node([route for route, segments in fixed if not segments])
        for _route, segments in fixed:
            node = self._tree
            for depth in range(1, len(segments) + 1):
                if segments[depth - 1] not in node.children:
                    prefix = segments[:depth]
                    node.children[segments[depth - 1]] = _Node([r for r, s in fixed if prefix[: len(s)] == s])
                node = node.children[segments[depth - 1]]
        # A plain Route answers to its own name only; a Mount also to "<name>:…", and a route type
        # that overrides url_path_for may answer to anything: those are tried for every name.
        named = [(route, _plain_name(route)) for route in self.routes]
        self._unnamed = [route for route, name in named if name is None]
        self._by_name = {}
        for name in {name for _route, name in named if name is not None}:
            self._by_name[name] = [route for route, n in named if n in (name, None)]
        self._indexed = key

    def candidates(self, scope: Scope) -> list[BaseRoute]:
        """The routes that may match ``scope``'s path, in their original order: those whose fixed
        segments all begin the path. One deeper would need the path's next segment in the tree."""
        self._index()
        node = self._tree
        path = get_route_path(scope)
        if path.startswith("/"):
            for segment in path[1:].split("/"):
                child = node.children.get(segment)
                if child is None:
                    break
                node = child
        return node.routes

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        self._index()
        for route in self._by_name.get(name, self._unnamed):
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:
                pass
        raise NoMatchFound(name, path_params)

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Starlette 1.10's Router.app, with self.routes replaced by self.candidates(...).
        assert scope["type"] in ("http", "websocket", "lifespan")
        if "router" not in scope:
            scope["router"] = self
        if scope["type"] == "lifespan":
            await self.lifespan(scope, receive, send)
            return

        partial = None
        partial_scope: Scope = {}
        for route in self.candidates(scope):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial = route
                partial_scope = child_scope
        if partial is not None:  # e.g. the path matches but the method does not: 405
            scope["route"] = partial
            scope.update(partial_scope)
            await partial.handle(scope, receive, send)
            return

        route_path = get_route_path(scope)
        if scope["type"] == "http" and self.redirect_slashes and route_path != "/":
            redirect_scope = dict(scope)
            if route_path.endswith("/"):
                redirect_scope["path"] = redirect_scope["path"].rstrip("/")
            else:
                redirect_scope["path"] = redirect_scope["path"] + "/"
            for route in self.candidates(redirect_scope):
                match, _child_scope = route.matches(redirect_scope)
                if match is not Match.NONE:
                    response = RedirectResponse(url=str(URL(scope=redirect_scope)))
                    await response(scope, receive, send)
                    return

        await self.default(scope, receive, send)
