"""The allocation draw (:mod:`bookings.rounds.draw`) over random schemes.

Random sessions (some full from the start, some with 1:1 and 2:1 places), families with one or two
requests of one to three siblings (some at a support level, some at one no session offers),
ranked choices, wanted counts, weights and caps, and a random seed; and roomier schemes with a fair
share of one session of three, so the top-up phase has places to give. For each:

- no session over its capacity, no support level over its places;
- siblings placed together or not at all; no child above the caps or twice in a session;
- the placements are exactly what a plain simulation of the rule gives for the draw order: every
  turn in order, counting places by going through everything placed so far (nothing shared with
  the module but the rule in its docstring), so each child got its best available choice given the
  draw order and the fair share;
- the draw order is the docstring's formula recomputed with floats;
- the same seed gives the same result whatever the order of sessions, requests, children, weights;
- the published JSON recomputes to the same result, through the command too.

Derandomized and without the example database, so CI sees the same examples every run.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import random
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.rounds import recompute
from bookings.rounds.draw import (
    Caps,
    Child,
    DrawInputError,
    DrawInputs,
    DrawResult,
    Phase,
    Request,
    Session,
    allocate,
    from_published,
    to_published,
)

PROPERTIES = settings(
    max_examples=80,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LEVELS = [None, None, None, None, "1:1", "2:1", "1:2"]  # no session offers 1:2 places
WEIGHTS = ["1", "2", "1.5", "3", "0.5"]
FAMILY_NAMES = ["F1", "F2", "F3", "famille-é", "F5", "F6", "F7", "F8", "F9", "F10"]


@st.composite
def schemes(draw: st.DrawFn, *, roomy: bool = False) -> DrawInputs:
    """A random scheme; ``roomy``: more places and a fair share of 1 of 3, so the top-up phase has work."""
    session_ids = [f"S{i}" for i in range(draw(st.integers(1, 6)))]
    sessions = []
    for session_id in session_ids:
        capacity = draw(st.integers(4, 12) if roomy else st.integers(0, 8))
        support = {level: draw(st.integers(0, min(2, capacity))) for level in ("1:1", "2:1") if draw(st.booleans())}
        sessions.append(Session(session_id, capacity, support))
    families = FAMILY_NAMES[: draw(st.integers(1, len(FAMILY_NAMES)))]
    requests = []
    children = 0
    for family in families:
        for _ in range(draw(st.integers(1, 2))):
            siblings = []
            for _ in range(draw(st.integers(1, 3))):
                children += 1
                siblings.append(Child(f"C{children}", draw(st.sampled_from(LEVELS))))
            ranked = draw(st.permutations(session_ids))
            choices = tuple(ranked[: draw(st.integers(1, len(ranked)))])
            wanted = draw(st.none() | st.integers(1, 3))
            requests.append(Request(f"R{len(requests)}", family, tuple(siblings), choices, wanted))
    weights = {f: Decimal(draw(st.sampled_from(WEIGHTS))) for f in families if draw(st.booleans())}
    maximum = draw(st.integers(1, 3))
    caps = Caps(3, 1) if roomy else Caps(maximum, draw(st.none() | st.integers(1, maximum + 1)))
    seed = draw(st.binary(min_size=16, max_size=32))
    return DrawInputs(tuple(sessions), tuple(requests), caps, seed, weights)


# --- an independent simulation of the rule -------------------------------------------------------------


def simulate(inputs: DrawInputs, draw_order: tuple[str, ...]) -> list[tuple[str, str, str, int]]:
    """Every turn of the docstring's rule in order, counting places by going through the list so far."""
    requests = {r.id: r for r in inputs.requests}
    sessions = {s.id: s for s in inputs.sessions}
    made: list[tuple[str, str, str, int]] = []  # (request, session, phase, choice)

    def children_in(session_id: str, level: object) -> int:
        total = 0
        for request_id, placed_in, _, _ in made:
            if placed_in == session_id:
                total += sum(1 for c in requests[request_id].children if level == "any" or c.support_level == level)
        return total

    maximum, fair_share = inputs.caps.max_sessions_per_child, inputs.caps.fair_share
    phases = [("fair_share", fair_share), ("top_up", maximum)] if fair_share and fair_share < maximum else [("fair_share", maximum)]
    longest = max(len(r.choices) for r in inputs.requests)
    for phase, phase_cap in phases:
        for k in range(longest):
            for support_turn in (True, False):
                for request_id in draw_order:
                    request = requests[request_id]
                    if any(c.support_level is not None for c in request.children) != support_turn:
                        continue
                    mine = [m for m in made if m[0] == request_id]
                    allowed = min(phase_cap, maximum, request.wanted if request.wanted is not None else maximum)
                    if len(mine) >= allowed or k >= len(request.choices):
                        continue
                    session_id = request.choices[k]
                    if any(m[1] == session_id for m in mine):
                        continue
                    session = sessions[session_id]
                    fits = children_in(session_id, "any") + len(request.children) <= session.capacity
                    for level in {c.support_level for c in request.children if c.support_level is not None}:
                        at_level = sum(1 for c in request.children if c.support_level == level)
                        fits = fits and children_in(session_id, level) + at_level <= session.support_places.get(level, 0)
                    if fits:
                        made.append((request_id, session_id, phase, k + 1))
    return made


def float_family_order(inputs: DrawInputs) -> list[str]:
    """Rule 1 of the docstring, with floats (the same order unless two keys agree to ~15 digits)."""
    keys = {}
    for request in inputs.requests:
        f = request.family_id
        n = int.from_bytes(hmac.digest(inputs.seed, f"shortbreaks-draw/1 family {f}".encode(), "sha256")[:8], "big")
        keys[f] = math.log((n + 0.5) / 2**64) / float(inputs.weights.get(f, 1))
    return sorted(keys, key=lambda f: (-keys[f], f))


# --- the invariants ------------------------------------------------------------------------------------


def check_invariants(inputs: DrawInputs, result: DrawResult) -> None:
    requests = {r.id: r for r in inputs.requests}
    sessions = {s.id: s for s in inputs.sessions}
    # The draw order: every request once, a family's requests together, in the family order.
    assert sorted(result.draw_order) == sorted(requests)
    requests_per_family = Counter(r.family_id for r in inputs.requests)
    assert [requests[r].family_id for r in result.draw_order] == [f for f in result.family_order for _ in range(requests_per_family[f])]
    # Places per child (siblings expanded) and per session.
    child_places: Counter[tuple[str, str]] = Counter()
    per_session: Counter[str] = Counter()
    per_level: Counter[tuple[str, str]] = Counter()
    for placement in result.placements:
        request = requests[placement.request_id]
        assert request.choices[placement.choice - 1] == placement.session_id
        for child in request.children:
            child_places[child.id, placement.session_id] += 1
            per_session[placement.session_id] += 1
            if child.support_level is not None:
                per_level[placement.session_id, child.support_level] += 1
    for session_id, taken in per_session.items():
        assert taken <= sessions[session_id].capacity
    for (session_id, level), taken in per_level.items():
        assert taken <= sessions[session_id].support_places.get(level, 0)
    assert all(n == 1 for n in child_places.values())  # never twice in one session
    # Siblings: in each session, all of a request's children or none of them (a child is only ever
    # placed in one of its request's choices, checked above).
    for request in inputs.requests:
        for session_id in request.choices:
            placed = {child_places[c.id, session_id] for c in request.children}
            assert placed in ({0}, {1})
    # Caps: per child in the scheme, per request wanted, and the fair share in its phase.
    sessions_per_child = Counter(child for child, _ in child_places.elements())
    won_by_request = result.placements_by_request()
    fair_share_places = Counter(p.request_id for p in result.placements if p.phase is Phase.FAIR_SHARE)
    for request in inputs.requests:
        won = won_by_request[request.id]
        for child in request.children:
            assert sessions_per_child[child.id] == len(won) <= inputs.caps.max_sessions_per_child
        if request.wanted is not None:
            assert len(won) <= request.wanted
        if inputs.caps.fair_share is not None:
            assert fair_share_places[request.id] <= inputs.caps.fair_share
    phases = [p.phase for p in result.placements]
    assert phases == sorted(phases, key=[Phase.FAIR_SHARE, Phase.TOP_UP].index)  # top-ups only after the fair share
    # The waiting list: the requests with no place, in draw order.
    assert list(result.unplaced) == [r for r in result.draw_order if not won_by_request[r]]


def shuffled(inputs: DrawInputs, rng: random.Random) -> DrawInputs:
    sessions = list(inputs.sessions)
    rng.shuffle(sessions)
    requests = []
    for request in inputs.requests:
        children = list(request.children)
        rng.shuffle(children)
        requests.append(Request(request.id, request.family_id, tuple(children), request.choices, request.wanted))
    rng.shuffle(requests)
    weights = list(inputs.weights.items())
    rng.shuffle(weights)
    return DrawInputs(tuple(sessions), tuple(requests), inputs.caps, inputs.seed, dict(weights))


@PROPERTIES
@given(inputs=schemes(), shuffle_seed=st.integers(0, 2**32))
def test_the_draw_keeps_every_rule_on_random_schemes(inputs: DrawInputs, shuffle_seed: int) -> None:
    check_draw(inputs, shuffle_seed)


@settings(PROPERTIES, max_examples=40)
@given(inputs=schemes(roomy=True), shuffle_seed=st.integers(0, 2**32))
def test_the_draw_keeps_every_rule_when_places_are_left_after_the_fair_share(inputs: DrawInputs, shuffle_seed: int) -> None:
    check_draw(inputs, shuffle_seed)


def check_draw(inputs: DrawInputs, shuffle_seed: int) -> None:
    result = allocate(inputs)

    check_invariants(inputs, result)
    assert [(p.request_id, p.session_id, p.phase.value, p.choice) for p in result.placements] == simulate(inputs, result.draw_order)
    assert list(result.family_order) == float_family_order(inputs)
    assert allocate(shuffled(inputs, random.Random(shuffle_seed))) == result
    document = json.loads(json.dumps(to_published(inputs, result)))
    recomputed_inputs, published = from_published(document)
    assert published == result
    assert allocate(recomputed_inputs) == result
    assert to_published(recomputed_inputs, result) == document


def test_everyones_first_choice_comes_before_anyones_second() -> None:
    """A family drawn first whose first choice is full does not take a later family's first choice."""
    seed = bytes(range(32))
    sessions = (Session("A", 1), Session("B", 1))
    requests = (
        Request("R1", "F1", (Child("C1"),), ("A", "B")),
        Request("R2", "F2", (Child("C2"),), ("A",)),
        Request("R3", "F3", (Child("C3"),), ("B",)),
    )
    result = allocate(DrawInputs(sessions, requests, Caps(1), seed))
    first_in_a = next(r for r in result.draw_order if r in ("R1", "R2"))
    # Whoever of R1 and R2 comes first takes A; B goes to R3 at its first choice, in pass 1, before R1's second.
    assert result.placements_by_request()[first_in_a] == ("A",)
    assert result.placements_by_request()["R3"] == ("B",)


def test_support_requests_have_their_turn_first_in_each_pass() -> None:
    sessions = (Session("A", 2, {"1:1": 1}),)
    requests = (
        Request("R1", "F1", (Child("C1"), Child("C2")), ("A",)),
        Request("R2", "F2", (Child("C3", "1:1"),), ("A",)),
    )
    drawn_first = set()
    for seed in (bytes([n]) * 16 for n in range(8)):  # whatever the draw order, the 1:1 request is placed
        result = allocate(DrawInputs(sessions, requests, Caps(1), seed))
        drawn_first.add(result.draw_order[0])
        assert result.placements_by_request() == {"R1": (), "R2": ("A",)}
        assert result.unplaced == ("R1",)
    assert drawn_first == {"R1", "R2"}


def test_fair_share_first_then_top_up() -> None:
    sessions = (Session("A", 1), Session("B", 1), Session("C", 2))
    requests = (
        Request("R1", "F1", (Child("C1"),), ("A", "B", "C")),
        Request("R2", "F2", (Child("C2"),), ("A", "B", "C")),
    )
    result = allocate(DrawInputs(sessions, requests, Caps(3, fair_share=1), bytes(16)))
    first, second = result.draw_order
    # Fair share: one each (first takes A, second finds A full and takes B at its second choice);
    # then the top-up gives each C, the only session left with room.
    assert [(p.request_id, p.session_id, p.phase) for p in result.placements] == [
        (first, "A", Phase.FAIR_SHARE),
        (second, "B", Phase.FAIR_SHARE),
        (first, "C", Phase.TOP_UP),
        (second, "C", Phase.TOP_UP),
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"seed": b"short"}, "The seed must be at least 16 random bytes."),
        ({"requests": (Request("R1", "F1", (Child("C1"),), ("A",)), Request("R2", "F2", (Child("C1"),), ("A",)))}, "Child 'C1'"),
        ({"requests": (Request("R1", "F1", (Child("C1"),), ("A", "Z")),)}, "ranks sessions not in the scheme: Z"),
        ({"requests": (Request("R1", "F1", (Child("C1"),), ("A", "A")),)}, "ranks a session twice"),
        ({"weights": {"F1": Decimal(0)}}, "weight must be a positive number"),
        ({"weights": {"F9": Decimal(2)}}, "made no request"),
        ({"caps": Caps(0)}, "at least 1"),
    ],
)
def test_bad_inputs_are_refused_with_the_rule_they_break(change: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "sessions": (Session("A", 1),),
        "requests": (Request("R1", "F1", (Child("C1"),), ("A",)),),
        "caps": Caps(1),
        "seed": bytes(16),
        "weights": {},
    } | change
    with pytest.raises(DrawInputError) as error:
        allocate(DrawInputs(**fields))
    assert message in error.value.message
    assert (error.value.code, error.value.status_code) == ("draw_input_invalid", 422)


# --- the recompute command -----------------------------------------------------------------------------


def published_example() -> tuple[DrawInputs, DrawResult]:
    rng = random.Random(7)
    sessions = tuple(Session(f"S{i}", rng.randint(1, 4), {"1:1": 1}) for i in range(5))
    requests = tuple(
        Request(f"R{i}", f"F{i // 2}", (Child(f"C{i}", "1:1" if i % 5 == 0 else None),), tuple(rng.sample([s.id for s in sessions], 3)))
        for i in range(20)
    )
    inputs = DrawInputs(sessions, requests, Caps(2, 1), hashlib.sha256(b"example").digest(), {"F1": Decimal(2)})
    return inputs, allocate(inputs)


def test_recompute_prints_the_published_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs, result = published_example()
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(to_published(inputs, result)))

    assert recompute.main([str(path)]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == to_published(inputs, result)["result"]
    assert "The recomputed result is the same as the published result." in err


def test_recompute_says_when_the_published_result_differs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs, result = published_example()
    document = to_published(inputs, result)
    document["result"]["unplaced"] = [*document["result"]["unplaced"][::-1], "R-extra"]
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(document))

    assert recompute.main([str(path)]) == 1
    assert "DIFFERS" in capsys.readouterr().err


def test_recompute_refuses_a_document_that_breaks_the_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs, _ = published_example()
    document = to_published(inputs)
    document["weights"]["F1"] = "-1"
    (tmp_path / "bad.json").write_text(json.dumps(document))
    (tmp_path / "broken.json").write_text("{")

    assert recompute.main([str(tmp_path / "bad.json")]) == 2
    assert capsys.readouterr().err == "Cannot recompute: Family F1's weight must be a positive number.\n"
    assert recompute.main([str(tmp_path / "broken.json")]) == 2
    capsys.readouterr()
    changed = to_published(inputs)
    changed["sessions"][0]["capacity"] += 1  # after the digest was published
    (tmp_path / "changed.json").write_text(json.dumps(changed))
    assert recompute.main([str(tmp_path / "changed.json")]) == 2
    assert "inputs_sha256" in capsys.readouterr().err


def test_recompute_runs_as_a_module_without_the_app(tmp_path: Path) -> None:
    inputs, result = published_example()
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(to_published(inputs, result)))

    done = subprocess.run([sys.executable, "-m", "bookings.rounds.recompute", str(path)], capture_output=True, text=True, check=False)
    assert (done.returncode, json.loads(done.stdout)) == (0, to_published(inputs, result)["result"])


# --- size -----------------------------------------------------------------------------------------------


def test_ten_thousand_requests_for_a_thousand_places() -> None:
    """Issue #22's bench size: 10,000 requests, 200 sessions of 5 places (some 1:1). Time printed, not asserted."""
    rng = random.Random(22)
    sessions = tuple(Session(f"S{i:03}", 5, {"1:1": 1} if i % 4 == 0 else {}) for i in range(200))
    requests = []
    children = 0
    family = 0
    while len(requests) < 10_000:
        family += 1
        for _ in range(1 if rng.random() < 0.8 else 2):
            siblings = []
            for _ in range(1 if rng.random() < 0.85 else 2):
                children += 1
                siblings.append(Child(f"C{children:05}", "1:1" if rng.random() < 0.05 else None))
            choices = tuple(rng.sample([s.id for s in sessions], 5))
            requests.append(Request(f"R{len(requests):05}", f"F{family:05}", tuple(siblings), choices, rng.choice([None, 1, 2])))
    requests = requests[:10_000]
    families = {r.family_id for r in requests}
    weights = {f: Decimal(2) for f in sorted(families) if rng.random() < 0.2}
    inputs = DrawInputs(sessions, tuple(requests), Caps(3, fair_share=1), hashlib.sha256(b"bench").digest(), weights)

    started = time.perf_counter()
    result = allocate(inputs)
    print(f"draw of {len(requests)} requests for 1,000 places: {time.perf_counter() - started:.3f} s")

    check_invariants(inputs, result)
    by_id = {r.id: r for r in requests}
    assert sum(len(by_id[p.request_id].children) for p in result.placements) == 1_000  # every place taken
    assert len(result.unplaced) + len({p.request_id for p in result.placements}) == 10_000
