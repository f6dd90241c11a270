"""The indexed router dispatches and builds URLs exactly as Starlette's own ``Router`` does.

Both routers get the app's own route objects. Every route is tried with sample parameters, with
and without a trailing slash, with an extra segment, cut short, under a root path and with every
method; plus paths no route serves. What each router did (which route handled it with which
parameters, a redirect, or a 404) must be the same.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from starlette.routing import BaseRoute, Mount, NoMatchFound, Route, Router
from starlette.types import Message, Receive, Scope, Send

from shortbreaks.app import collect_routes
from shortbreaks.routing import IndexedRouter, _fixed_segments

SAMPLES = {"str": "abc", "string": "abc", "uuid": str(uuid.UUID(int=7)), "int": "42", "float": "1.5", "path": "a/b.css"}
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
ODD_PATHS = ("/", "", "//", "/nope", "/nope/", "/api", "/api/", "/api/v1", "/api/v1/", "/api/v1/nope", "/feeds", "/feeds/f/",
             "/feeds/f/x", "/assets", "/assets/", "/calendar/providers/not-a-uuid", "/bookings/" + SAMPLES["uuid"] + "/nope")  # fmt: skip


def sample_path(route: BaseRoute) -> str:
    """A path the route matches: its template with a sample value for each parameter."""
    if isinstance(route, Mount):
        return route.path + "/" + SAMPLES["path"]
    assert isinstance(route, Route)
    values = {name: SAMPLES[type(conv).__name__.removesuffix("Convertor").lower()] for name, conv in route.param_convertors.items()}
    return route.path_format.format(**values)


def paths_to_try(routes: list[BaseRoute]) -> list[str]:
    paths = set(ODD_PATHS)
    for route in routes:
        path = sample_path(route)
        paths |= {path, path + "/", path.rstrip("/") or "/", path + "/extra", path.rsplit("/", 1)[0] or "/", path.upper()}
    return sorted(paths)


async def outcome(router: Router, path: str, method: str, root_path: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, ...]:
    """What the router did with the request: the route that handled it and its parameters, or the
    response it sent itself (a redirect or 404)."""
    handled: list[tuple[Any, ...]] = []

    async def record(self: BaseRoute, scope: Scope, receive: Receive, send: Send) -> None:
        handled.append(("handled", id(self), scope.get("path_params"), id(scope.get("route"))))

    monkeypatch.setattr(Route, "handle", record)
    monkeypatch.setattr(Mount, "handle", record)
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": root_path + path, "root_path": root_path, "raw_path": (root_path + path).encode(),
             "query_string": b"", "headers": [(b"host", b"testserver")], "scheme": "http", "server": ("testserver", 80)}  # fmt: skip
    await router.app(scope, receive, send)
    if handled:
        return handled[0]
    start = next(m for m in sent if m["type"] == "http.response.start")
    return ("sent", start["status"], sorted(start["headers"]))


async def test_dispatch_matches_starlettes_router_for_every_route(monkeypatch: pytest.MonkeyPatch) -> None:
    routes = collect_routes()
    linear, indexed = Router(routes), IndexedRouter(routes)
    reached, mismatches = set(), []
    for path in paths_to_try(routes):
        for method in METHODS:
            for root_path in ("", "/prefix"):
                expected = await outcome(linear, path, method, root_path, monkeypatch)
                got = await outcome(indexed, path, method, root_path, monkeypatch)
                if expected[0] == "handled":
                    reached.add(expected[1])
                if got != expected:
                    mismatches.append((method, root_path + path, expected, got))
    assert mismatches[:5] == [] and len(mismatches) == 0
    assert reached == {id(route) for route in routes}  # every route was tried, and handled a request
    # The index does narrow the search: no request path tries more than the routes sharing its
    # fixed segments (the API's six bookings routes, not the API's sixty).
    api_bookings = indexed.candidates({"type": "http", "path": "/api/v1/bookings", "root_path": ""})
    assert 0 < len(api_bookings) < 10 < len([r for r in routes if _fixed_segments(r)[:1] == ("api",)])


def test_url_path_for_matches_starlettes_router_for_every_route() -> None:
    routes = collect_routes()
    linear, indexed = Router(routes), IndexedRouter(routes)
    for route in routes:
        if isinstance(route, Mount):
            params = {"path": "app.css"}
        else:
            assert isinstance(route, Route)
            params = {name: SAMPLES["str"] for name in route.param_convertors}
        assert indexed.url_path_for(route.name, **params) == linear.url_path_for(route.name, **params)
        for wrong in ({**params, "extra": "x"}, {}) if params else ({"extra": "x"},):
            with pytest.raises(NoMatchFound):
                linear.url_path_for(route.name, **wrong)
            with pytest.raises(NoMatchFound):
                indexed.url_path_for(route.name, **wrong)
    with pytest.raises(NoMatchFound):
        indexed.url_path_for("no-such-route")


async def test_routes_added_later_are_indexed(monkeypatch: pytest.MonkeyPatch) -> None:
    async def endpoint(request: Any) -> None:  # never called: handle is recorded
        raise AssertionError

    indexed = IndexedRouter(collect_routes())
    assert (await outcome(indexed, "/late/1", "GET", "", monkeypatch))[:2] == ("sent", 404)
    late = Route("/late/{n:int}", endpoint, name="late")
    indexed.routes.append(late)
    assert await outcome(indexed, "/late/1", "GET", "", monkeypatch) == ("handled", id(late), {"n": 1}, id(late))
    assert indexed.url_path_for("late", n=1) == "/late/1"


def test_fixed_segments() -> None:
    async def endpoint(request: Any) -> None:
        raise AssertionError

    assert _fixed_segments(Route("/", endpoint)) == ("",)
    assert _fixed_segments(Route("/api/v1/bookings", endpoint)) == ("api", "v1", "bookings")
    assert _fixed_segments(Route("/api/v1/bookings/{id:uuid}", endpoint)) == ("api", "v1", "bookings")
    assert _fixed_segments(Route("/feeds/f/{token}.ics", endpoint)) == ("feeds", "f")
    assert _fixed_segments(Route("/booking-{id}", endpoint)) == ()
    assert _fixed_segments(Route("/calendar/", endpoint)) == ("calendar", "")
    assert _fixed_segments(Mount("/assets", app=endpoint)) == ("assets",)
    assert _fixed_segments(Mount("", app=endpoint)) == ()
