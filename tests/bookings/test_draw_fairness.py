"""Weights work as published: over 2,000 draws, a family of weight 2 wins a contested place twice as often.

Each test runs the draw with 2,000 different seeds (``sha256("fairness <test> <i>")``, so the test is
the same on every run) for one place that every family asks for. Under the rule, the family first
in the draw order is ``f`` with probability ``w_f / Σw``, so wins are binomial with ``n = 2000`` and
that ``p``; the test allows the win share ``p ± 4σ`` with ``σ = sqrt(p(1 − p) / n)``, which a correct
draw with fresh seeds misses about once in 16,000 runs:

- weight 2 against weight 1: ``p = 2/3``, ``σ = 0.0105``, so the share must be within
  ``0.667 ± 0.042`` (between 0.625 and 0.709): twice as often within a ratio of 1.66 to 2.43;
- weights 1, 1 and 2: ``p = 1/4, 1/4, 1/2``, ``σ = 0.0097, 0.0097, 0.0112``;
- one family with three requests (three children) against one with one: ``p = 1/2``, ``σ = 0.0112``
  (a family has one ticket, however many requests it makes).
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from decimal import Decimal

from bookings.rounds.draw import Caps, Child, DrawInputs, Request, Session, allocate

DRAWS = 2_000


def seeds(test: str) -> list[bytes]:
    return [hashlib.sha256(f"fairness {test} {i}".encode()).digest() for i in range(DRAWS)]


def winners(test: str, requests: tuple[Request, ...], weights: dict[str, Decimal]) -> Counter[str]:
    """Who won the one place, family by family, over the draws."""
    families = {r.id: r.family_id for r in requests}
    won: Counter[str] = Counter()
    for seed in seeds(test):
        result = allocate(DrawInputs((Session("S", 1),), requests, Caps(1), seed, weights))
        (placement,) = result.placements
        won[families[placement.request_id]] += 1
    return won


def assert_share(wins: int, p: float) -> None:
    sigma = math.sqrt(p * (1 - p) / DRAWS)
    assert abs(wins / DRAWS - p) <= 4 * sigma, f"won {wins} of {DRAWS}, expected {p * DRAWS:.0f} ± {4 * sigma * DRAWS:.0f}"


def test_a_family_of_weight_two_wins_a_contested_place_twice_as_often_as_one_of_weight_one() -> None:
    requests = (Request("R1", "heavy", (Child("C1"),), ("S",)), Request("R2", "light", (Child("C2"),), ("S",)))

    won = winners("two to one", requests, {"heavy": Decimal(2)})

    assert won["heavy"] + won["light"] == DRAWS
    assert_share(won["heavy"], 2 / 3)
    print(f"weight 2 won {won['heavy']}, weight 1 won {won['light']}: ratio {won['heavy'] / won['light']:.2f}")


def test_three_families_win_in_proportion_to_their_weights() -> None:
    requests = tuple(Request(f"R{f}", f, (Child(f"C{f}"),), ("S",)) for f in ("a", "b", "heavy"))

    won = winners("one one two", requests, {"a": Decimal(1), "b": Decimal(1), "heavy": Decimal(2)})

    assert_share(won["a"], 1 / 4)
    assert_share(won["b"], 1 / 4)
    assert_share(won["heavy"], 1 / 2)


def test_more_requests_are_not_more_tickets() -> None:
    requests = (
        Request("R1", "many", (Child("C1"),), ("S",)),
        Request("R2", "many", (Child("C2"),), ("S",)),
        Request("R3", "many", (Child("C3"),), ("S",)),
        Request("R4", "one", (Child("C4"),), ("S",)),
    )

    won = winners("one ticket", requests, {})

    assert_share(won["many"], 1 / 2)
