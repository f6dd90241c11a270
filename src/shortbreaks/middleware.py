"""ASGI middleware: request ids and security headers; admission (requests working at once)."""

from __future__ import annotations

import asyncio
import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shortbreaks.audit import request_id_var

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self' https://checkout.stripe.com; "
    "frame-ancestors 'none'"
)


def content_security_policy(form_actions: tuple[str, ...] = ()) -> str:
    """The policy, with more origins forms may post (and redirect) to: another Stripe API base's Checkout."""
    if not form_actions:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace("https://checkout.stripe.com;", "https://checkout.stripe.com " + " ".join(form_actions) + ";")


class RequestContextMiddleware:
    """Give every request an id (``X-Request-ID``, kept if the caller's is sane) and security headers."""

    def __init__(self, app: ASGIApp, *, https: bool, form_actions: tuple[str, ...] = ()) -> None:
        self.app = app
        self.https = https
        self.policy = content_security_policy(form_actions)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Content-Security-Policy", self.policy)
                if self.https:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            request_id_var.reset(token)


EXEMPT_FROM_ADMISSION = ("/healthz", "/readyz", "/metrics", "/assets/")


class AdmissionMiddleware:
    """At most ``limit`` requests work at once in this process; the others wait their turn, in order.

    Tortoise takes a pool connection for every query outside a transaction, and asyncpg's pool
    gives a released connection to whichever coroutine asks next, so with more requests in flight
    than connections, a request can lose its place in the queue at each of its queries while
    others barge past. In the booking rush (bench/README.md) that left a few requests waiting
    ten times the median. With no more requests working than the pool has connections, less one
    (so a request inside a transaction can still make a query outside it), each query finds a
    connection free, and a request waits once, here, first come first served (``asyncio.Semaphore``
    is FIFO). Health checks, metrics and static files do not queue. The slot is given up when the
    response starts, so a client slow to read a large feed cannot hold it.
    """

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.app = app
        self.slots = asyncio.Semaphore(limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT_FROM_ADMISSION):
            await self.app(scope, receive, send)
            return
        await self.slots.acquire()
        held = True

        async def send_and_free(message: Message) -> None:
            nonlocal held
            if held and message["type"] == "http.response.start":
                held = False
                self.slots.release()
            await send(message)

        try:
            await self.app(scope, receive, send_and_free)
        finally:
            if held:
                self.slots.release()
