"""Pydantic models for shortfall cases: the officers' forms and the API's bodies and answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from entitlements.enums import ShortfallAction, ShortfallEventKind, ShortfallStatus, ShortfallTrigger
from entitlements.shortfall_cases import MAX_NOTE


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FormModel(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


OptionalId = Annotated[UUID | None, BeforeValidator(_blank_is_none)]


# --- forms ---------------------------------------------------------------------------------------------


class ActionForm(FormModel):
    action: ShortfallAction = Field(title="What was done")
    note: str = Field(default="", max_length=MAX_NOTE, title="What was offered or done")
    close: bool = Field(default=False, title="Close the case")

    form_blank_messages: ClassVar[dict[str, str]] = {"action": "Select what was done"}


class CloseForm(FormModel):
    close_note: str = Field(default="", max_length=MAX_NOTE, title="Note on closing")


class SettingsForm(FormModel):
    percent: int = Field(ge=1, le=100, title="Percentage behind that opens a case")
    idle_weeks: int = Field(ge=1, le=52, title="Weeks with nothing attended that open a case")
    escalate_days: int = Field(ge=1, le=60, title="Working days before a case goes to the manager")
    manager_id: OptionalId = Field(default=None, title="Manager")

    form_blank_messages: ClassVar[dict[str, str]] = {
        "percent": "Enter the percentage behind that opens a case",
        "idle_weeks": "Enter the weeks with nothing attended that open a case",
        "escalate_days": "Enter the working days before a case goes to the manager",
    }


# --- the API ------------------------------------------------------------------------------------------


class ShortfallActionIn(Strict):
    action: ShortfallAction
    note: str = Field(default="", max_length=MAX_NOTE, description="What was done; required for action 'other'")
    close: bool = Field(default=False, description="Close the case after recording this action")


class ShortfallCloseIn(Strict):
    note: str = Field(default="", max_length=MAX_NOTE)


class ShortfallSettingsIn(Strict):
    percent: int = Field(ge=1, le=100, description="A package this many percent behind in its period opens a case")
    idle_weeks: int = Field(ge=1, le=52, description="A package with nothing attended for this many weeks opens a case")
    escalate_days: int = Field(ge=1, le=60, description="Working days an open case waits before it goes to the manager")
    manager_id: UUID | None = Field(default=None, description="An officer of the council; escalations go to them")


class ShortfallSettingsOut(ShortfallSettingsIn):
    pass


class ShortfallFigures(BaseModel):
    """A package's period so far, in minutes (``in_minutes``) or pence."""

    in_minutes: bool
    period_starts: date
    period_ends: date
    agreed: int
    delivered: int = Field(description="Attended, plus booked for the rest of the period")
    shortfall: int
    percent_behind: int
    cancelled_by_provider: int | None = Field(default=None, description="Today's figures only")
    declined: int | None = Field(default=None, description="Today's figures only")
    waiting: int | None = Field(default=None, description="Today's figures only")


class ShortfallEventOut(BaseModel):
    kind: ShortfallEventKind
    action: ShortfallAction | None
    note: str
    actor_id: UUID | None
    at: datetime


class ShortfallCaseOut(BaseModel):
    id: UUID
    council: str = Field(description="The council's web address (slug)")
    child_id: UUID
    package_id: UUID
    officer_id: UUID | None
    status: ShortfallStatus
    trigger: ShortfallTrigger
    opened_on: date
    at_opening: ShortfallFigures
    today: ShortfallFigures | None = Field(default=None, description="The package's period so far today (None once it has ended)")
    escalated_at: datetime | None
    escalated_to: UUID | None
    closed_at: datetime | None
    events: list[ShortfallEventOut] = Field(default_factory=list)
