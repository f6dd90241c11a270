"""Pydantic models for agreed packages: the officers' forms (hours and pounds) and the API's bodies and answers
(minutes and integer pence)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from entitlements.enums import PackagePeriod, PackageSource
from shortbreaks.money import pounds_field

MAX_TEXT = 5000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FormModel(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


OptionalHours = Annotated[Decimal | None, BeforeValidator(_blank_is_none)]
OptionalPounds = Annotated[int | None, BeforeValidator(_blank_is_none), pounds_field("the amount")]
OptionalId = Annotated[UUID | None, BeforeValidator(_blank_is_none)]


def minutes_of(hours: Decimal | None) -> int | None:
    """Hours as typed (``2.5``) → minutes (150); ``None`` stays ``None``."""
    return None if hours is None else int(hours * 60)


# --- forms ---------------------------------------------------------------------------------------------


class AmountForm(FormModel):
    hours: OptionalHours = Field(default=None, max_digits=6, decimal_places=2, title="Hours")
    pounds: OptionalPounds = Field(default=None, title="Amount in pounds")
    per: PackagePeriod = Field(title="Week, month or year")


class PackageForm(AmountForm):
    source: PackageSource = Field(title="Where it comes from")
    application_id: OptionalId = Field(default=None, title="Approved application")
    source_reference: str = Field(default="", max_length=100, title="Reference")
    starts_on: date = Field(title="Start date")
    ends_on: date = Field(title="End date")
    pattern: str = Field(default="", max_length=200, title="Pattern")
    officer_id: OptionalId = Field(default=None, title="The child's officer")

    form_blank_messages: ClassVar[dict[str, str]] = {
        "source": "Select where the package comes from",
        "starts_on": "Enter the start date",
        "ends_on": "Enter the end date",
        "per": "Select whether the amount is for each week, month or year",
    }


class VariationForm(AmountForm):
    effective_from: date = Field(title="Date the new amount starts")
    reason: str = Field(min_length=1, max_length=MAX_TEXT, title="Reason for the change")

    form_blank_messages: ClassVar[dict[str, str]] = {
        "effective_from": "Enter the date the new amount starts",
        "reason": "Give the reason for the change",
        "per": "Select whether the amount is for each week, month or year",
    }


class EndForm(FormModel):
    ends_on: date = Field(title="New end date")
    end_reason: str = Field(min_length=1, max_length=MAX_TEXT, title="Reason for ending early")

    form_blank_messages: ClassVar[dict[str, str]] = {
        "ends_on": "Enter the new end date",
        "end_reason": "Give the reason for ending the package early",
    }


# --- the API ------------------------------------------------------------------------------------------


class PackageIn(Strict):
    source: PackageSource
    application_id: UUID | None = Field(default=None, description="The approved application it records (source tier_decision)")
    source_reference: str = Field(default="", max_length=100, description="The plan's or decision's reference")
    starts_on: date
    ends_on: date
    minutes: int | None = Field(default=None, description="Hours agreed, in minutes")
    pence: int | None = Field(default=None, description="Amount agreed, in pence")
    per: PackagePeriod
    pattern: str = Field(default="", max_length=200, description='How it is used, e.g. "3 hours every Saturday"')
    officer_id: UUID | None = Field(default=None, description="The child's officer (default: the caller)")


class PackageVariationIn(Strict):
    effective_from: date
    minutes: int | None = None
    pence: int | None = None
    per: PackagePeriod
    reason: str = Field(max_length=MAX_TEXT)


class EndIn(Strict):
    ends_on: date
    reason: str = Field(max_length=MAX_TEXT)


class AmountOut(BaseModel):
    effective_from: date
    minutes: int | None
    pence: int | None
    per: PackagePeriod
    reason: str
    recorded_by: UUID | None


class PackageOut(BaseModel):
    id: UUID
    child_id: UUID
    source: PackageSource
    application_id: UUID | None
    source_reference: str
    starts_on: date
    ends_on: date
    pattern: str
    officer_id: UUID | None
    amounts: list[AmountOut] = Field(description="The amount from each date, oldest first: the first from starts_on, then each variation")
