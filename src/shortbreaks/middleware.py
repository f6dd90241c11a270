"""ASGI middleware: request ids and security headers."""

from __future__ import annotations

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
