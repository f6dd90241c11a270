"""A small local fake of the Stripe endpoints shortbreaks uses, for the real ``stripe`` library.

A Starlette app served by uvicorn on a loopback port (in a background thread). It speaks as
Stripe does: form-encoded request bodies (``line_items[0][price_data][unit_amount]=2500``), JSON
objects with ``"object": "checkout.session"`` / ``"refund"`` / ``"event"``, errors as
``{"error": {...}}``, and the same ``Idempotency-Key`` returning the same object.

Endpoints: Checkout Sessions create / retrieve / expire, Refunds create / retrieve / list,
Events retrieve, and a hosted "Checkout page" (``GET /pay/{id}`` with a Pay button that posts
back, marks the session paid, sends the signed ``checkout.session.completed`` webhook to the
app and redirects to the success URL).

Tests steer it: :meth:`FakeStripe.fail_next` (answer 500), :meth:`FakeStripe.hang_next` (answer
only after a delay, so the client times out), :meth:`FakeStripe.pay` and :meth:`FakeStripe.event`.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import stripe
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.waiting import wait_until_sync

_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}_test_{next(_ids):06d}{secrets.token_hex(6)}"


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding back into nested dicts and lists: ``a[0][b]=1`` → ``{"a": [{"b": "1"}]}``."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt = parts[i + 1] if not last else None
            container: Any = [] if nxt is not None and nxt.isdigit() else {}
            if isinstance(node, list):
                index = int(part)
                while len(node) <= index:
                    node.append(None)
                if last:
                    node[index] = value
                else:
                    if node[index] is None:
                        node[index] = container
                    node = node[index]
            else:
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, container)
    return root


def error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"type": kind, "message": message}}, status_code=status)


@dataclass
class Behaviour:
    fail: int = 0
    fail_status: int = 500
    hang: int = 0
    hang_seconds: float = 2.0


@dataclass
class FakeStripe:
    """The fake's state; :attr:`url` is its API base."""

    url: str = ""
    webhook_url: str | None = None
    webhook_secret: str = ""
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotent: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    behaviour: Behaviour = field(default_factory=Behaviour)
    refund_status: str = "succeeded"
    amount_paid_override: int | None = None

    def reset(self) -> None:
        self.webhook_url = None
        self.sessions.clear()
        self.refunds.clear()
        self.events.clear()
        self.idempotent.clear()
        self.requests.clear()
        self.behaviour = Behaviour()
        self.refund_status = "succeeded"
        self.amount_paid_override = None

    # --- steering -------------------------------------------------------------------------------

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        """The next ``count`` API calls answer ``status`` with a Stripe error body."""
        self.behaviour.fail, self.behaviour.fail_status = count, status

    def hang_next(self, count: int = 1, seconds: float = 2.0) -> None:
        """The next ``count`` API calls answer only after ``seconds`` (the client gives up first)."""
        self.behaviour.hang, self.behaviour.hang_seconds = count, seconds

    def calls(self, method: str, path_prefix: str) -> list[tuple[str, str, str | None]]:
        return [c for c in self.requests if c[0] == method and c[1].startswith(path_prefix)]

    # --- what Stripe would do -------------------------------------------------------------------

    def pay(self, session_id: str) -> dict[str, Any]:
        """The family pays: the session completes, paid; returns the ``checkout.session.completed`` event."""
        session = self.sessions[session_id]
        session["status"] = "complete"
        session["payment_status"] = "paid"
        session["payment_intent"] = session.get("payment_intent") or new_id("pi")
        if self.amount_paid_override is not None:
            session["amount_total"] = self.amount_paid_override
        return self.event("checkout.session.completed", session)

    def expire(self, session_id: str) -> dict[str, Any]:
        """Stripe expires the session itself; returns the ``checkout.session.expired`` event."""
        session = self.sessions[session_id]
        session["status"] = "expired"
        return self.event("checkout.session.expired", session)

    def event(self, kind: str, obj: dict[str, Any], *, created: int | None = None) -> dict[str, Any]:
        event = {
            "id": new_id("evt"),
            "object": "event",
            "api_version": "2025-01-27.acacia",
            "created": created or int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "type": kind,
            "data": {"object": json.loads(json.dumps(obj))},
        }
        self.events[event["id"]] = event
        return event

    def signed(self, event: dict[str, Any], *, secret: str | None = None, timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
        """The body and headers Stripe sends: ``Stripe-Signature`` made by the library's own signer."""
        body = json.dumps(event, separators=(",", ":"))
        header = stripe.WebhookSignature.generate_signature_header(body, secret or self.webhook_secret, timestamp=timestamp)
        return body.encode(), {"Stripe-Signature": header, "Content-Type": "application/json"}

    # --- the HTTP app ---------------------------------------------------------------------------

    async def _misbehave(self, request: Request) -> Response | None:
        self.requests.append((request.method, request.url.path, request.headers.get("idempotency-key")))
        if self.behaviour.hang:
            self.behaviour.hang -= 1
            await asyncio.sleep(self.behaviour.hang_seconds)
        if self.behaviour.fail:
            self.behaviour.fail -= 1
            return error(self.behaviour.fail_status, "The fake is failing on purpose", "api_error")
        return None

    async def _idempotent(self, request: Request, create: Any) -> Response:
        key = request.headers.get("idempotency-key")
        if key and key in self.idempotent:
            status, body = self.idempotent[key]
            return JSONResponse(body, status_code=status, headers={"Idempotent-Replayed": "true"})
        form = decode_form(list((await request.form()).multi_items()))  # type: ignore[arg-type]
        status, body = create(form)
        if key and key in self.idempotent:  # a retry finished first while this one hung
            status, body = self.idempotent[key]
        elif key:
            self.idempotent[key] = (status, body)
        return JSONResponse(body, status_code=status)

    def _create_session(self, form: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        items = form.get("line_items") or []
        amount = sum(int(i["quantity"]) * int(i["price_data"]["unit_amount"]) for i in items)
        currency = items[0]["price_data"]["currency"] if items else "gbp"
        session_id = new_id("cs")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": form.get("mode"),
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": amount,
            "amount_subtotal": amount,
            "currency": currency,
            "customer_email": form.get("customer_email"),
            "client_reference_id": form.get("client_reference_id"),
            "metadata": form.get("metadata") or {},
            "success_url": form.get("success_url"),
            "cancel_url": form.get("cancel_url"),
            "expires_at": int(form.get("expires_at") or time.time() + 1800),
            "payment_intent": None,
            "url": f"{self.url}/pay/{session_id}",
            "line_items_sent": items,
            "livemode": False,
        }
        self.sessions[session_id] = session
        return 200, session

    def _create_refund(self, form: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        intent = form.get("payment_intent")
        paid = [s for s in self.sessions.values() if s.get("payment_intent") == intent and s["payment_status"] == "paid"]
        if not paid:
            return 400, {"error": {"type": "invalid_request_error", "message": f"No such payment_intent: {intent}"}}
        amount = int(form.get("amount") or paid[0]["amount_total"])
        already = sum(r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent and r["status"] != "failed")
        if already + amount > paid[0]["amount_total"]:
            return 400, {"error": {"type": "invalid_request_error", "message": "Refund is greater than unrefunded amount"}}
        refund = {
            "id": new_id("re"),
            "object": "refund",
            "amount": amount,
            "currency": paid[0]["currency"],
            "payment_intent": intent,
            "status": self.refund_status,
            "metadata": form.get("metadata") or {},
        }
        self.refunds[refund["id"]] = refund
        return 200, refund

    def app(self) -> Starlette:
        async def create_session(request: Request) -> Response:
            return await self._misbehave(request) or await self._idempotent(request, self._create_session)

        async def get_session(request: Request) -> Response:
            if (bad := await self._misbehave(request)) is not None:
                return bad
            session = self.sessions.get(request.path_params["id"])
            return JSONResponse(session) if session else error(404, "No such checkout.session")

        async def expire_session(request: Request) -> Response:
            if (bad := await self._misbehave(request)) is not None:
                return bad
            session = self.sessions.get(request.path_params["id"])
            if session is None:
                return error(404, "No such checkout.session")
            if session["status"] != "open":
                return error(400, f"Only Checkout Sessions with a status in [open] can be expired (this one is {session['status']}).")
            session["status"] = "expired"
            return JSONResponse(session)

        async def create_refund(request: Request) -> Response:
            return await self._misbehave(request) or await self._idempotent(request, self._create_refund)

        async def get_refund(request: Request) -> Response:
            if (bad := await self._misbehave(request)) is not None:
                return bad
            refund = self.refunds.get(request.path_params["id"])
            return JSONResponse(refund) if refund else error(404, "No such refund")

        async def list_refunds(request: Request) -> Response:
            if (bad := await self._misbehave(request)) is not None:
                return bad
            intent = request.query_params.get("payment_intent")
            data = [r for r in self.refunds.values() if intent is None or r["payment_intent"] == intent]
            return JSONResponse({"object": "list", "url": "/v1/refunds", "has_more": False, "data": data})

        async def get_event(request: Request) -> Response:
            if (bad := await self._misbehave(request)) is not None:
                return bad
            event = self.events.get(request.path_params["id"])
            return JSONResponse(event) if event else error(404, "No such event")

        async def checkout_page(request: Request) -> Response:
            session = self.sessions.get(request.path_params["id"])
            if session is None:
                return HTMLResponse("<h1>Not found</h1>", status_code=404)
            if session["status"] != "open":
                return HTMLResponse(f"<h1>This checkout session is {html.escape(session['status'])}</h1>")
            pounds = f"£{session['amount_total'] // 100}.{session['amount_total'] % 100:02d}"
            return HTMLResponse(
                "<!doctype html><html lang='en'><head><title>Fake Stripe Checkout</title></head><body>"
                f"<h1>Pay {pounds}</h1><p>{html.escape(str(session['line_items_sent'][0]['price_data']['product_data']['name']))}</p>"
                f"<form method='post'><button type='submit'>Pay {pounds}</button></form>"
                f"<p><a href='{html.escape(session['cancel_url'] or '')}'>Back</a></p></body></html>"
            )

        async def checkout_pay(request: Request) -> Response:
            session = self.sessions.get(request.path_params["id"])
            if session is None or session["status"] != "open":
                return HTMLResponse("<h1>This checkout session cannot be paid</h1>", status_code=400)
            event = self.pay(session["id"])
            if self.webhook_url:
                body, headers = self.signed(event)
                async with httpx.AsyncClient(timeout=10) as client:
                    await client.post(self.webhook_url, content=body, headers=headers)
            return RedirectResponse(session["success_url"], status_code=303)

        return Starlette(
            routes=[
                Route("/v1/checkout/sessions", create_session, methods=["POST"]),
                Route("/v1/checkout/sessions/{id}", get_session, methods=["GET"]),
                Route("/v1/checkout/sessions/{id}/expire", expire_session, methods=["POST"]),
                Route("/v1/refunds", create_refund, methods=["POST"]),
                Route("/v1/refunds", list_refunds, methods=["GET"]),
                Route("/v1/refunds/{id}", get_refund, methods=["GET"]),
                Route("/v1/events/{id}", get_event, methods=["GET"]),
                Route("/pay/{id}", checkout_page, methods=["GET"]),
                Route("/pay/{id}", checkout_pay, methods=["POST"]),
            ]
        )


class FakeStripeServer:
    """Serve a :class:`FakeStripe` with uvicorn on a loopback port in a background thread."""

    def __init__(self, fake: FakeStripe) -> None:
        self.fake = fake
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        port = self.sock.getsockname()[1]
        fake.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(fake.app(), log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> None:
        self.thread.start()
        wait_until_sync(lambda: self.server.started, timeout=10, interval=0.02, what="the fake Stripe to start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
