"""Who is calling: the session cookie for pages, the bearer token for the API."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request

from shortbreaks.accounts import queries, services
from shortbreaks.permissions import Principal

SESSION_COOKIE = "sb_session"
SECURE_SESSION_COOKIE = "__Host-sb_session"


def session_cookie_name(request: Request) -> str:
    return SECURE_SESSION_COOKIE if request.app.state.settings.https else SESSION_COOKIE


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def authenticate(request: Request, kind: str) -> Principal | None:
    """Load the caller once per request into ``request.state.principal``."""
    if hasattr(request.state, "principal"):
        return request.state.principal
    principal: Principal | None = None
    state = request.app.state
    now = state.clock.now()
    if kind == "page":
        cookie = request.cookies.get(session_cookie_name(request))
        if cookie:
            session = await services.find_session(
                cookie,
                now=now,
                idle=timedelta(minutes=state.settings.session_idle_minutes),
                staff_idle=timedelta(minutes=state.settings.staff_session_idle_minutes),
            )
            if session is not None and session.stage == "full":
                principal = await services.load_principal(session.user, session_id=session.id)
            elif session is not None:
                # Password accepted, second factor (or its enrolment) still due: not signed in yet.
                request.state.pending_session = session
    elif kind == "api":
        token = bearer_token(request)
        if token:
            found = await services.find_api_token(token)
            if found is not None:
                row, principal = found
                if row.last_used_at is None or now - row.last_used_at >= timedelta(minutes=5):
                    await queries.touch_api_token(row.id, now=now)
    request.state.principal = principal
    return principal
