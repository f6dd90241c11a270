"""The allocation draw: a fair, reproducible assignment of a scheme's places to ranked requests.

Pure: no database, no clock, no I/O. The job that runs a round (later) reads the requests, makes
:class:`DrawInputs` with anonymised ids and a seed from :mod:`secrets`, calls :func:`allocate`, turns
the :class:`DrawResult` into offers and waiting-list entries, and publishes :func:`to_published`.
Anyone can recompute the result with ``python -m bookings.rounds.recompute published.json``.

Inputs
------
- **Sessions**: an id, ``capacity`` (children), and ``support_places``: how many of those places the
  session can staff at each support level (``{"1:1": 2, "2:1": 1}``). A support place is one of the
  session's places, not an extra one.
- **Requests**: an id, the family's id, the children asked for together (each with its support
  level, ``None`` for the session's ordinary ratio), the session ids ranked best first, and
  optionally ``wanted``, the most sessions the family wants from this request. A child is in one
  request only.
- **Weights**: per family, a positive number from the council's published rules (1 unless a rule
  raises it, e.g. 2 for no break in the last 8 weeks). Families not listed weigh 1.
- **Caps**: ``max_sessions_per_child`` in the scheme, and ``fair_share``, the target number of
  sessions each child is offered before anyone gets more (``None``: the same as the maximum).
- **Seed**: at least 16 random bytes, drawn after the inputs are fixed and published after the draw.

The rule (``shortbreaks-draw/1``)
---------------------------------
1. **Draw order.** For each family ``f`` with weight ``w``: ``n`` is the first 8 bytes, big-endian,
   of ``HMAC-SHA256(key=seed, msg="shortbreaks-draw/1 family " + f)`` (UTF-8), ``u = (n + 1/2) / 2**64``
   and ``key = ln(u) / w``, in decimal arithmetic with each step (``u``, ``ln``, the division)
   rounded to 30 significant digits, half to even: each is correctly rounded, so every machine
   gets the same digits (floats' ``log`` may differ in the last bit between C libraries).
   Families go in descending ``key``, ties (which need two equal 64-bit numbers) by family id.
   This is Efraimidis and Spirakis's weighted sampling (``u ** (1/w)`` ordered, 2006): the first
   family is ``f`` with probability ``w_f / Σw``, the next likewise among the rest, and so on. A
   family's number depends only on the seed and its own id, never on input order or on who else
   applied. A family's requests sit together at its place in the order, sorted by the first 8 bytes
   of ``HMAC-SHA256(seed, "shortbreaks-draw/1 request " + request id)`` (ties by id): a family has
   one ticket however many requests it makes.
2. **Limits.** A request's limit is ``max_sessions_per_child``, or ``wanted`` if smaller. With a
   ``fair_share`` below the maximum the draw runs in two phases: ``fair_share`` (a request may hold
   up to ``min(fair_share, limit)`` places) then ``top_up`` (up to ``limit``); otherwise the first
   phase alone, up to ``limit``.
3. **Turns.** Within a phase, passes ``k = 1, 2, …`` up to the longest ranked list. In pass ``k``,
   first every *support* request (one with a child at a support level) in draw order, then every
   other request in draw order, has one turn at its ``k``-th choice ``s``: it is placed in ``s`` if
   it has a ``k``-th choice, holds fewer places than the phase allows, is not already placed in
   ``s``, and ``s`` has room for **all** its children: places taken + children ≤ ``capacity``, and
   for each support level ``L``, ``L`` places taken + children at ``L`` ≤ ``support_places[L]`` (0
   when the session lists none). Otherwise nothing happens at that turn: a request whose ``k``-th
   choice is full waits for pass ``k + 1`` and its next choice, so everyone's first choice comes
   before anyone's second.
4. Places never free up during a draw, so a choice full at a request's turn stays full.

What follows, and the property tests check: no session or support level over capacity; siblings
placed together or not at all; no child above the cap; each placement is exactly what the turns
above give for this draw order (an independent simulation agrees); the same seed and inputs give
the same result in any input order. Requests with no place are :attr:`DrawResult.unplaced`, in
draw order: they join the waiting list in that order. Requests placed fewer times than they
wanted are in :attr:`DrawResult.placements` only; the job decides whether they also wait.

Anonymised ids and the seed
---------------------------
The ids given to :func:`allocate` are the ones hashed, so the job must give it the *anonymised*
ids it will publish (``F0001``, ``R0001``, ``C0001``, ``S01``), fixed before the seed is drawn;
:func:`inputs_sha256` (the inputs without the seed) can be published when the window closes, so
nobody can change the inputs after seeing the seed. Changing the seed after seeing a result would
be the only way to choose one: the job records the seed before it draws and draws once.

Why hand-written
----------------
No maintained library does this. ``matching`` (Gale–Shapley stable matching) has no weighted lottery,
no all-or-none sibling groups and no support places; numpy's weighted ``choice`` gives an order that
depends on input order and on numpy's generator version, which a published, recomputable draw
cannot have. The rule is short enough to read in one sitting, which an audited draw needs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from shortbreaks.errors import ValidationFailed

ALGORITHM = "shortbreaks-draw/1"
MIN_SEED_BYTES = 16
_KEY_CONTEXT = Context(prec=30, rounding=ROUND_HALF_EVEN)
_TWO_TO_64 = Decimal(2**64)


class DrawInputError(ValidationFailed):
    """The draw's inputs break a rule (a child in two requests, an unknown session, a weight of 0, …)."""

    code = "draw_input_invalid"


class Phase(StrEnum):
    FAIR_SHARE = "fair_share"
    TOP_UP = "top_up"


# --- inputs ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    """A session in the scheme. ``support_places`` are part of ``capacity``, by support level."""

    id: str
    capacity: int
    support_places: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Child:
    """A child in a request. ``support_level`` ``None``: the session's ordinary ratio."""

    id: str
    support_level: str | None = None


@dataclass(frozen=True)
class Request:
    """A family's request: children placed together, sessions ranked best first."""

    id: str
    family_id: str
    children: tuple[Child, ...]
    choices: tuple[str, ...]
    wanted: int | None = None

    @property
    def is_support(self) -> bool:
        return any(child.support_level is not None for child in self.children)


@dataclass(frozen=True)
class Caps:
    """The council's caps: sessions per child in the scheme, and the fair share offered first."""

    max_sessions_per_child: int
    fair_share: int | None = None


@dataclass(frozen=True)
class DrawInputs:
    sessions: tuple[Session, ...]
    requests: tuple[Request, ...]
    caps: Caps
    seed: bytes
    weights: Mapping[str, Decimal] = field(default_factory=dict)

    def weight(self, family_id: str) -> Decimal:
        return Decimal(self.weights.get(family_id, 1))


# --- result ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """One place won: ``choice`` is the session's rank in the request (1 = first choice)."""

    request_id: str
    session_id: str
    phase: Phase
    choice: int


@dataclass(frozen=True)
class DrawResult:
    family_order: tuple[str, ...]
    draw_order: tuple[str, ...]
    placements: tuple[Placement, ...]  # in the order they were made
    unplaced: tuple[str, ...]  # requests with no place, in draw order: the waiting list

    def sessions_for(self, request_id: str) -> tuple[str, ...]:
        """The sessions a request won, in the order it won them."""
        return tuple(p.session_id for p in self.placements if p.request_id == request_id)

    def placements_by_request(self) -> dict[str, tuple[str, ...]]:
        """Every request (in draw order) with the sessions it won, in order; empty when none."""
        won: dict[str, list[str]] = {request_id: [] for request_id in self.draw_order}
        for placement in self.placements:
            won[placement.request_id].append(placement.session_id)
        return {request_id: tuple(sessions) for request_id, sessions in won.items()}


# --- the draw ----------------------------------------------------------------------------------------


def check_inputs(inputs: DrawInputs) -> None:
    """Raise :class:`DrawInputError` naming the first rule the inputs break."""
    if not isinstance(inputs.seed, bytes) or len(inputs.seed) < MIN_SEED_BYTES:
        raise DrawInputError(f"The seed must be at least {MIN_SEED_BYTES} random bytes.")
    caps = inputs.caps
    if caps.max_sessions_per_child < 1:
        raise DrawInputError("The most sessions per child must be at least 1.")
    if caps.fair_share is not None and caps.fair_share < 1:
        raise DrawInputError("The fair share must be at least 1 session.")
    sessions: set[str] = set()
    for session in inputs.sessions:
        if not session.id or session.id in sessions:
            raise DrawInputError(f"Session ids must be unique and not empty: {session.id!r}.")
        sessions.add(session.id)
        if session.capacity < 0:
            raise DrawInputError(f"Session {session.id} has a negative capacity.")
        for level, places in session.support_places.items():
            if not level or places < 0 or places > session.capacity:
                raise DrawInputError(f"Session {session.id}: {level!r} places must be between 0 and its capacity.")
    request_ids: set[str] = set()
    children: set[str] = set()
    families: set[str] = set()
    for request in inputs.requests:
        if not request.id or request.id in request_ids:
            raise DrawInputError(f"Request ids must be unique and not empty: {request.id!r}.")
        request_ids.add(request.id)
        if not request.family_id:
            raise DrawInputError(f"Request {request.id} has no family.")
        families.add(request.family_id)
        if not request.children:
            raise DrawInputError(f"Request {request.id} has no children.")
        for child in request.children:
            if not child.id or child.id in children:
                raise DrawInputError(f"Child {child.id!r} is in more than one request (or twice in one).")
            if child.support_level == "":
                raise DrawInputError(f"Child {child.id}: a support level cannot be empty (None is the ordinary ratio).")
            children.add(child.id)
        if not request.choices:
            raise DrawInputError(f"Request {request.id} ranks no sessions.")
        if len(set(request.choices)) != len(request.choices):
            raise DrawInputError(f"Request {request.id} ranks a session twice.")
        unknown = [choice for choice in request.choices if choice not in sessions]
        if unknown:
            raise DrawInputError(f"Request {request.id} ranks sessions not in the scheme: {', '.join(unknown)}.")
        if request.wanted is not None and request.wanted < 1:
            raise DrawInputError(f"Request {request.id} must want at least 1 session.")
    for family_id, weight in inputs.weights.items():
        if family_id not in families:
            raise DrawInputError(f"A weight is given for family {family_id}, which made no request.")
        if not isinstance(weight, int | Decimal) or isinstance(weight, bool) or not Decimal(weight).is_finite() or weight <= 0:
            raise DrawInputError(f"Family {family_id}'s weight must be a positive number.")


def _number(seed: bytes, kind: str, id_: str) -> int:
    digest = hmac.digest(seed, f"{ALGORITHM} {kind} {id_}".encode(), "sha256")
    return int.from_bytes(digest[:8], "big")


def family_key(seed: bytes, family_id: str, weight: Decimal) -> Decimal:
    """``ln(u) / w`` for the family (rule 1): the larger, the earlier in the draw order."""
    u = _KEY_CONTEXT.divide(Decimal(2 * _number(seed, "family", family_id) + 1), 2 * _TWO_TO_64)
    return _KEY_CONTEXT.divide(_KEY_CONTEXT.ln(u), weight)


def order_families(inputs: DrawInputs) -> tuple[str, ...]:
    """The families in draw order (rule 1)."""
    families = sorted({request.family_id for request in inputs.requests})
    keys = {f: family_key(inputs.seed, f, inputs.weight(f)) for f in families}
    # Stable sort: equal keys keep the id order (Decimal's unary minus would round, so no negation).
    return tuple(sorted(families, key=keys.__getitem__, reverse=True))


def order_requests(inputs: DrawInputs, family_order: Sequence[str]) -> tuple[str, ...]:
    """The requests in draw order: by family, then by each request's own number (rule 1)."""
    by_family: dict[str, list[tuple[int, str]]] = {}
    for request in inputs.requests:
        by_family.setdefault(request.family_id, []).append((_number(inputs.seed, "request", request.id), request.id))
    return tuple(request_id for f in family_order for _, request_id in sorted(by_family[f]))


def allocate(inputs: DrawInputs) -> DrawResult:
    """Run the draw: the rule in the module docstring. Raises :class:`DrawInputError` on bad input."""
    check_inputs(inputs)
    family_order = order_families(inputs)
    draw_order = order_requests(inputs, family_order)
    requests = {request.id: request for request in inputs.requests}
    capacity = {session.id: session.capacity for session in inputs.sessions}
    support_places = {session.id: dict(session.support_places) for session in inputs.sessions}
    taken = dict.fromkeys(capacity, 0)
    support_taken: dict[str, Counter[str]] = {session_id: Counter() for session_id in capacity}
    needs = {
        request.id: Counter(child.support_level for child in request.children if child.support_level is not None)
        for request in inputs.requests
    }
    cap = inputs.caps.max_sessions_per_child
    limit = {request.id: min(cap, request.wanted or cap) for request in inputs.requests}
    fair_share = inputs.caps.fair_share
    phases = [(Phase.FAIR_SHARE, cap)]
    if fair_share is not None and fair_share < cap:
        phases = [(Phase.FAIR_SHARE, fair_share), (Phase.TOP_UP, cap)]
    # Support requests have their turn before the others in every pass (rule 3).
    tiers = (
        [requests[r] for r in draw_order if requests[r].is_support],
        [requests[r] for r in draw_order if not requests[r].is_support],
    )
    passes = max((len(request.choices) for request in inputs.requests), default=0)
    held: dict[str, set[str]] = {request.id: set() for request in inputs.requests}
    placements: list[Placement] = []

    for phase, phase_cap in phases:
        for k in range(passes):
            for tier in tiers:
                for request in tier:
                    won = held[request.id]
                    if k >= len(request.choices) or len(won) >= min(phase_cap, limit[request.id]):
                        continue
                    session_id = request.choices[k]
                    if session_id in won or taken[session_id] + len(request.children) > capacity[session_id]:
                        continue
                    need = needs[request.id]
                    places, used = support_places[session_id], support_taken[session_id]
                    if any(used[level] + n > places.get(level, 0) for level, n in need.items()):
                        continue
                    taken[session_id] += len(request.children)
                    used.update(need)
                    won.add(session_id)
                    placements.append(Placement(request.id, session_id, phase, k + 1))

    unplaced = tuple(request_id for request_id in draw_order if not held[request_id])
    return DrawResult(family_order=family_order, draw_order=draw_order, placements=tuple(placements), unplaced=unplaced)


# --- the published form ------------------------------------------------------------------------------


def _inputs_document(inputs: DrawInputs) -> dict[str, Any]:
    """The inputs without the seed, in a canonical order (by id), so input order leaks nothing."""
    return {
        "algorithm": ALGORITHM,
        "caps": {"max_sessions_per_child": inputs.caps.max_sessions_per_child, "fair_share": inputs.caps.fair_share},
        "sessions": [
            {"id": s.id, "capacity": s.capacity, "support_places": dict(sorted(s.support_places.items()))}
            for s in sorted(inputs.sessions, key=lambda s: s.id)
        ],
        "requests": [
            {
                "id": r.id,
                "family": r.family_id,
                "children": [{"id": c.id, "support_level": c.support_level} for c in sorted(r.children, key=lambda c: c.id)],
                "choices": list(r.choices),
                "wanted": r.wanted,
            }
            for r in sorted(inputs.requests, key=lambda r: r.id)
        ],
        "weights": {f: str(Decimal(w)) for f, w in sorted(inputs.weights.items())},
    }


def inputs_sha256(inputs: DrawInputs) -> str:
    """SHA-256 (hex) of the canonical JSON of the inputs without the seed: publish it before drawing."""
    text = json.dumps(_inputs_document(inputs), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def result_to_published(result: DrawResult) -> dict[str, Any]:
    return {
        "family_order": list(result.family_order),
        "draw_order": list(result.draw_order),
        "placements": [
            {"request": p.request_id, "session": p.session_id, "phase": p.phase.value, "choice": p.choice} for p in result.placements
        ],
        "unplaced": list(result.unplaced),
    }


def to_published(inputs: DrawInputs, result: DrawResult | None = None) -> dict[str, Any]:
    """The JSON-ready document to publish: inputs (anonymised ids), seed in hex, and the result if given."""
    document = _inputs_document(inputs)
    document["seed"] = inputs.seed.hex()
    document["inputs_sha256"] = inputs_sha256(inputs)
    if result is not None:
        document["result"] = result_to_published(result)
    return document


def _field(data: Mapping[str, Any], name: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = data.get(name) if isinstance(data, Mapping) else None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise DrawInputError(f"{where}: {name!r} is missing or of the wrong type.")
    return value


def _require_object(value: Any, where: str) -> None:
    if not isinstance(value, Mapping):
        raise DrawInputError(f"Expected {where} as a JSON object.")


def _optional_int(data: Mapping[str, Any], name: str, where: str) -> int | None:
    return None if data.get(name) is None else _field(data, name, int, where)


def _weight(value: Any, family_id: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise DrawInputError(f"Family {family_id}'s weight must be a number.")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise DrawInputError(f"Family {family_id}'s weight must be a number.") from None


def from_published(document: Mapping[str, Any]) -> tuple[DrawInputs, DrawResult | None]:
    """Read a published document back: the inputs, and the published result if it has one."""
    if not isinstance(document, Mapping):
        raise DrawInputError("The published draw must be a JSON object.")
    if document.get("algorithm", ALGORITHM) != ALGORITHM:
        raise DrawInputError(f"This command recomputes {ALGORITHM} draws, not {document.get('algorithm')!r}.")
    try:
        seed = bytes.fromhex(_field(document, "seed", str, "the draw"))
    except ValueError:
        raise DrawInputError("The seed must be hexadecimal.") from None
    caps_data = _field(document, "caps", Mapping, "the draw")
    caps = Caps(
        max_sessions_per_child=_field(caps_data, "max_sessions_per_child", int, "caps"),
        fair_share=_optional_int(caps_data, "fair_share", "caps"),
    )
    sessions = []
    for data in _field(document, "sessions", list, "the draw"):
        _require_object(data, "a session")
        support = _field(data, "support_places", Mapping, "a session") if data.get("support_places") is not None else {}
        if not all(isinstance(level, str) and isinstance(n, int) and not isinstance(n, bool) for level, n in support.items()):
            raise DrawInputError("A session's support places must map levels to whole numbers.")
        sessions.append(Session(_field(data, "id", str, "a session"), _field(data, "capacity", int, "a session"), dict(support)))
    requests = []
    for data in _field(document, "requests", list, "the draw"):
        where = "a request"
        _require_object(data, where)
        children = []
        for child in _field(data, "children", list, where):
            _require_object(child, "a child")
            level = child.get("support_level")
            if level is not None and not isinstance(level, str):
                raise DrawInputError("A child's support level must be text or null.")
            children.append(Child(_field(child, "id", str, "a child"), level))
        choices = _field(data, "choices", list, where)
        if not all(isinstance(choice, str) for choice in choices):
            raise DrawInputError("A request's choices must be session ids.")
        requests.append(
            Request(
                id=_field(data, "id", str, where),
                family_id=_field(data, "family", str, where),
                children=tuple(children),
                choices=tuple(choices),
                wanted=_optional_int(data, "wanted", where),
            )
        )
    weights_data = document.get("weights") or {}
    if not isinstance(weights_data, Mapping):
        raise DrawInputError("'weights' must map family ids to numbers.")
    weights = {str(f): _weight(w, str(f)) for f, w in weights_data.items()}
    inputs = DrawInputs(sessions=tuple(sessions), requests=tuple(requests), caps=caps, seed=seed, weights=weights)
    check_inputs(inputs)
    digest = document.get("inputs_sha256")
    if digest is not None and digest != inputs_sha256(inputs):
        raise DrawInputError("The inputs are not the ones their published inputs_sha256 was made from.")
    result = _result_from_published(document["result"]) if document.get("result") is not None else None
    return inputs, result


def _result_from_published(data: Any) -> DrawResult:
    if not isinstance(data, Mapping):
        raise DrawInputError("'result' must be a JSON object.")
    try:
        placements = tuple(Placement(p["request"], p["session"], Phase(p["phase"]), int(p["choice"])) for p in data["placements"])
        return DrawResult(
            family_order=tuple(data["family_order"]),
            draw_order=tuple(data["draw_order"]),
            placements=placements,
            unplaced=tuple(data["unplaced"]),
        )
    except (KeyError, TypeError, ValueError):
        raise DrawInputError("The published result is not in the expected shape.") from None
