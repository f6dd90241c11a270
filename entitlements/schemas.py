"""Pydantic models for entitlements: the API's bodies and answers, and the staff pages' forms.

Amounts are whole hours (``hours_per_year``) and integer pence (``pence_per_year``); the forms
take pounds (``"£200"``) and turn them into pence here.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, EmailStr, Field, model_validator

from entitlements.enums import Outcome, StatementStatus, TierKind
from providers.enums import Need, ServiceKind

MAX_PENCE = 10**9  # £10m a year: far above any allowance
MAX_HOURS = 8784  # every hour of a leap year


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FormModel(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


_POUNDS = re.compile(r"^£?\s*(\d{1,3}(,\d{3})*|\d+)(\.\d{1,2})?$")


def pounds_to_pence(value: object) -> object:
    """``"£1,234.5"`` → ``123450``; anything else is left for validation to refuse."""
    if not isinstance(value, str) or not _POUNDS.match(value.strip()):
        return value
    try:
        return int(Decimal(value.strip().replace("£", "").replace(",", "").strip()) * 100)
    except InvalidOperation:
        return value


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


def _checkbox(value: object) -> object:
    """An HTML checkbox sends its value when ticked and nothing when not."""
    if value in ("true", "on", "yes", "1"):
        return True
    return False if value in ("", None) else value


Checkbox = Annotated[bool, BeforeValidator(_checkbox)]
Code = Annotated[
    str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", description="Lower-case letters, digits and hyphens; stable across versions")
]
Slug = Annotated[
    str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,59}$", description="The council's web address part: lower-case letters, digits, hyphens")
]
District = Annotated[str, Field(pattern=r"^[A-Z]{1,2}([0-9][A-Z0-9]?)?$", description="A postcode district (B15) or area (B)")]


# --- tiers -----------------------------------------------------------------------------------------


class TierRules(Strict):
    """Who a tier is for, as rules the eligibility checker can test. Every rule given must hold."""

    min_age: int | None = Field(default=None, ge=0, le=25, description="Youngest age in years")
    max_age: int | None = Field(default=None, ge=0, le=25, description="Oldest age in years")
    lives_in_area: bool = Field(default=False, description="The child lives in the council's area (by postcode)")
    disability: bool = Field(default=False, description="The child has a disability or additional needs")
    needs: list[Need] = Field(default_factory=list, description="The child has at least one of these needs (DfE SEN type of need codes)")
    ehc_plan: bool = Field(default=False, description="The child holds an education, health and care (EHC) plan")
    dla: bool = Field(default=False, description="The child receives Disability Living Allowance")
    ehc_plan_or_dla: bool = Field(default=False, description="The child holds an EHC plan or receives Disability Living Allowance")

    @model_validator(mode="after")
    def _ages_in_order(self) -> TierRules:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError("The youngest age must not be more than the oldest age")
        return self


class TierIn(Strict):
    code: Code
    kind: TierKind
    name: str = Field(min_length=1, max_length=120)
    criteria: str = Field(default="", max_length=5000, description="Who it is for, in words")
    rules: TierRules = Field(default_factory=TierRules)
    hours_per_year: int | None = Field(default=None, gt=0, le=MAX_HOURS)
    pence_per_year: int | None = Field(default=None, gt=0, le=MAX_PENCE)
    gives: str = Field(default="", max_length=2000, description="What it gives, in words")
    service_kinds: list[ServiceKind] = Field(default_factory=list, description="Kinds of short break it can be spent on")
    how_to_apply: str = Field(default="", max_length=5000, description="Required for targeted and specialist tiers")


class TierOut(BaseModel):
    id: UUID
    code: str
    kind: TierKind
    name: str
    criteria: str
    rules: TierRules
    hours_per_year: int | None
    pence_per_year: int | None
    gives: str
    service_kinds: list[ServiceKind]
    how_to_apply: str


# --- statements ------------------------------------------------------------------------------------


class StatementPartIn(Strict):
    introduction: str = Field(default="", max_length=20000)
    local_needs: str = Field(
        default="", max_length=20000, description="How the breaks meet local carers' needs and how carers' views shape them"
    )
    contact_email: EmailStr | None = None
    contact_phone: str = Field(default="", max_length=40)
    contact_details: str = Field(default="", max_length=5000)


class StatementIn(StatementPartIn):
    """A whole statement version, written as a draft in one go (the API)."""

    tiers: list[TierIn] = Field(default_factory=list, max_length=20)


class AllowanceYear(BaseModel):
    start_month: int
    start_day: int
    current_starts_on: date
    current_ends_on: date


class VersionSummary(BaseModel):
    number: int
    status: StatementStatus
    published_at: datetime | None


class StatementOut(BaseModel):
    council: str
    slug: str
    number: int
    status: StatementStatus
    published_at: datetime | None
    introduction: str
    local_needs: str
    contact_email: str
    contact_phone: str
    contact_details: str
    allowance_year: AllowanceYear
    tiers: list[TierOut]
    versions: list[VersionSummary]


# --- council profile ---------------------------------------------------------------------------------


def _districts(value: object) -> object:
    """``"B1, b2\\nB3"`` → ``["B1", "B2", "B3"]`` for the form's text box."""
    if isinstance(value, str):
        return [part.upper() for part in re.split(r"[\s,]+", value) if part]
    return value


class CouncilProfileIn(FormModel):
    """The council's details; each field's title is its label on the officers' page, for error messages."""

    slug: Slug = Field(title="Web address")
    allowance_year_start_month: int = Field(ge=1, le=12, title="Month the allowance year starts")
    allowance_year_start_day: int = Field(ge=1, le=31, title="Day the allowance year starts")
    postcode_districts: Annotated[list[District], BeforeValidator(_districts)] = Field(
        default_factory=list, max_length=400, title="Postcode districts or areas"
    )

    form_blank_messages: ClassVar[dict[str, str]] = {
        "slug": "Enter the web address",
        "allowance_year_start_day": "Enter the day the allowance year starts",
        "allowance_year_start_month": "Select the month the allowance year starts",
    }


# --- the staff pages' forms ----------------------------------------------------------------------------


class StatementPartForm(FormModel):
    """The statement's introduction and contacts; each field's title is its label, for error messages."""

    introduction: str = Field(default="", max_length=20000, title="Introduction")
    local_needs: str = Field(default="", max_length=20000, title="How the breaks meet local carers' needs")
    contact_email: Annotated[EmailStr | None, BeforeValidator(_blank_is_none)] = Field(default=None, title="Contact email address")
    contact_phone: str = Field(default="", max_length=40, title="Contact telephone number")
    contact_details: str = Field(default="", max_length=5000, title="Other contact details")


class TierForm(FormModel):
    """One tier as the staff page sends it: flat fields, pounds for money, checkboxes for rules."""

    code: Code = Field(title="Code")
    kind: TierKind = Field(title="Kind of tier")
    name: str = Field(min_length=1, max_length=120, title="Name")
    criteria: str = Field(default="", max_length=5000, title="Who it is for")
    min_age: Annotated[int | None, BeforeValidator(_blank_is_none)] = Field(default=None, ge=0, le=25, title="Youngest age")
    max_age: Annotated[int | None, BeforeValidator(_blank_is_none)] = Field(default=None, ge=0, le=25, title="Oldest age")
    lives_in_area: Checkbox = False
    disability: Checkbox = False
    needs: list[Need] = Field(default_factory=list, title="Needs")
    ehc_plan: Checkbox = False
    dla: Checkbox = False
    ehc_plan_or_dla: Checkbox = False
    hours_per_year: Annotated[int | None, BeforeValidator(_blank_is_none)] = Field(
        default=None, gt=0, le=MAX_HOURS, title="Hours each allowance year"
    )
    pounds_per_year: Annotated[int | None, BeforeValidator(_blank_is_none), BeforeValidator(pounds_to_pence)] = Field(
        default=None, gt=0, le=MAX_PENCE, title="Pounds each allowance year"
    )
    gives: str = Field(default="", max_length=2000, title="What it gives, in words")
    service_kinds: list[ServiceKind] = Field(default_factory=list, title="What it can be spent on")
    how_to_apply: str = Field(default="", max_length=5000, title="How to apply")

    form_blank_messages: ClassVar[dict[str, str]] = {
        "code": "Enter a short code for the tier, like targeted",
        "name": "Enter the tier's name",
        "kind": "Select the kind of tier",
    }

    def to_tier(self) -> dict[str, Any]:
        """The :class:`TierIn` fields (validated there)."""
        rule_names = ("min_age", "max_age", "lives_in_area", "disability", "needs", "ehc_plan", "dla", "ehc_plan_or_dla")
        return {
            "code": self.code,
            "kind": self.kind,
            "name": self.name,
            "criteria": self.criteria,
            "rules": {name: getattr(self, name) for name in rule_names},
            "hours_per_year": self.hours_per_year,
            "pence_per_year": self.pounds_per_year,
            "gives": self.gives,
            "service_kinds": self.service_kinds,
            "how_to_apply": self.how_to_apply,
        }


# --- the eligibility checker's answer ------------------------------------------------------------------


class TierResult(BaseModel):
    code: str
    name: str
    outcome: Outcome
    reasons: list[str]
