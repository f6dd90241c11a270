"""The eligibility checker's logic: which questions the published tiers' rules need, and what the answers mean.

Pure functions over plain values: nothing here stores, logs or reads anything. Answers are
checked one question at a time (:func:`parse_answer`); :func:`assess` then gives each tier an
outcome. "I'm not sure" never rules a family out: it makes the tier "possible", so the family is
pointed at the council rather than turned away. Only the council decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from entitlements.enums import Answer, Outcome
from entitlements.schemas import TierRules
from providers.enums import NEED_LABELS, Need
from providers.postcodes import normalise_postcode
from shortbreaks.errors import DomainError

# Every question the checker can ask, in the order it asks them.
QUESTIONS = ("age", "postcode", "needs", "ehc_plan", "dla")
NO_NEEDS = "none"


@dataclass(frozen=True)
class Question:
    name: str
    title: str
    hint: str


QUESTION_TEXT = {
    "age": Question(
        "age", "How old is your child?", "Their age in years today. If you are asking for more than one child, check for each child."
    ),
    "postcode": Question(
        "postcode", "What is your home postcode?", "For example, B15 2TT. We use it only to see if you live in the council's area."
    ),
    "needs": Question(
        "needs", "Does your child have a disability or additional needs?", "Select all that apply. Your child does not need a diagnosis."
    ),
    "ehc_plan": Question(
        "ehc_plan", "Does your child have an education, health and care (EHC) plan?", "An EHC plan is a legal document from the council."
    ),
    "dla": Question("dla", "Does your child get Disability Living Allowance (DLA)?", "DLA for children is paid to the parent or carer."),
}


class AnswerError(Exception):
    """An answer that cannot be used, with the message to show beside its question."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def questions_for(rules: Iterable[TierRules]) -> list[str]:
    """The questions the rules need, in asking order (none for tiers open to everyone)."""
    needed: set[str] = set()
    for r in rules:
        if r.min_age is not None or r.max_age is not None:
            needed.add("age")
        if r.lives_in_area:
            needed.add("postcode")
        if r.disability or r.needs:
            needed.add("needs")
        if r.ehc_plan or r.ehc_plan_or_dla:
            needed.add("ehc_plan")
        if r.dla or r.ehc_plan_or_dla:
            needed.add("dla")
    return [q for q in QUESTIONS if q in needed]


def parse_answer(name: str, raw: Any) -> Any:
    """One question's answer from the form: ``int`` age, normalised postcode district, needs list, :class:`Answer`.

    ``None`` when not answered; :class:`AnswerError` when the answer cannot be used.
    """
    if name == "needs":
        values = [v for v in (raw if isinstance(raw, list) else [raw]) if isinstance(v, str) and v]
        if not values:
            return None
        if NO_NEEDS in values:
            if len(values) > 1:
                raise AnswerError(name, "Select the needs your child has, or 'No', not both")
            return []
        try:
            return sorted({Need(v) for v in values}, key=list(Need).index)
        except ValueError:
            raise AnswerError(name, "Select the needs your child has from the list") from None
    if not isinstance(raw, str) or not raw.strip():
        return None
    text = raw.strip()
    if name == "age":
        if not text.isdigit() or len(text) > 3:
            raise AnswerError(name, "Enter your child's age as a number of years, like 7")
        age = int(text)
        if age > 25:
            raise AnswerError(name, "Enter an age of 25 or under")
        return age
    if name == "postcode":
        try:
            return normalise_postcode(text[:16])[1]
        except DomainError:
            raise AnswerError(name, "Enter a real postcode, like B15 2TT") from None
    if name in ("ehc_plan", "dla"):
        try:
            return Answer(text)
        except ValueError:
            raise AnswerError(name, "Select yes, no or I'm not sure") from None
    raise AnswerError(name, "Unknown question")


def blank_message(name: str) -> str:
    return {
        "age": "Enter your child's age in years",
        "postcode": "Enter your home postcode",
        "needs": "Select your child's needs, or 'No'",
        "ehc_plan": "Select whether your child has an EHC plan",
        "dla": "Select whether your child gets Disability Living Allowance",
    }[name]


def in_area(district: str, districts: Sequence[str]) -> bool:
    """A postcode district (``B15``) is in an area listed by district (``B15``) or by postcode area (``B``)."""
    letters = district[: len(district) - len(district.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))]
    return district in districts or letters in districts


@dataclass
class Assessment:
    outcome: Outcome
    reasons: list[str] = field(default_factory=list)


def assess(rules: TierRules, answers: Mapping[str, Any], *, districts: Sequence[str]) -> Assessment:
    """What the answers mean for one tier: likely, possible (an answer was "not sure") or unlikely, and why."""
    failed: list[str] = []
    unsure: list[str] = []
    age = answers.get("age")
    if age is not None:
        if rules.min_age is not None and age < rules.min_age:
            failed.append(f"It is for children aged {rules.min_age} or over")
        if rules.max_age is not None and age > rules.max_age:
            failed.append(f"It is for children aged {rules.max_age} or under")
    if rules.lives_in_area and answers.get("postcode") is not None and not in_area(answers["postcode"], districts):
        failed.append("It is for families living in the council's area")
    needs = answers.get("needs")
    if needs is not None:
        if rules.disability and not needs:
            failed.append("It is for children with a disability or additional needs")
        if rules.needs and not set(needs) & set(rules.needs):
            names = ", ".join(NEED_LABELS[n].lower() for n in rules.needs)
            failed.append(f"It is for children with one of these needs: {names}")
    ehc, dla = answers.get("ehc_plan"), answers.get("dla")
    _proof(rules.ehc_plan, [ehc], "an EHC plan", failed, unsure)
    _proof(rules.dla, [dla], "Disability Living Allowance", failed, unsure)
    _proof(rules.ehc_plan_or_dla, [ehc, dla], "an EHC plan or Disability Living Allowance", failed, unsure)
    if failed:
        return Assessment(Outcome.UNLIKELY, failed)
    if unsure:
        return Assessment(Outcome.POSSIBLE, unsure)
    return Assessment(Outcome.LIKELY, [])


def _proof(required: bool, answers: list[Any], what: str, failed: list[str], unsure: list[str]) -> None:
    """A rule met by any one of ``answers`` being yes; all no fails it; otherwise it is unsure."""
    if not required:
        return
    if Answer.YES in answers:
        return
    if answers and all(a == Answer.NO for a in answers):
        failed.append(f"It is for children with {what}")
    elif any(a == Answer.NOT_SURE for a in answers):
        unsure.append(f"It is for children with {what}: check with the council")
