"""Account input and output schemas (API bodies and page forms alike)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from shortbreaks.accounts.enums import Role


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FormModel(BaseModel):
    """Forms may carry extra fields (buttons, ``next``); those are ignored."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class TokenRequest(Strict):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=256)
    name: str = Field(default="", max_length=100, description="A label to recognise the token by")
    totp_code: str | None = Field(
        default=None, max_length=20, description="Second-factor code (or recovery code): required once the account has one"
    )


class TokenCreated(BaseModel):
    token: str = Field(description="Shown once: store it now")
    id: UUID
    created_at: datetime


class SignInForm(FormModel):
    form_blank_messages: ClassVar[dict[str, str]] = {"email": "Enter your email address", "password": "Enter your password"}

    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=256)


class RegisterForm(FormModel):
    form_blank_messages: ClassVar[dict[str, str]] = {
        "display_name": "Enter your name",
        "email": "Enter your email address",
        "password": "Enter a password",
        "local_authority_id": "Select your local council",
    }

    display_name: str = Field(min_length=1, max_length=100)
    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=1, max_length=256)
    local_authority_id: UUID


class ChangePasswordForm(FormModel):
    form_blank_messages: ClassVar[dict[str, str]] = {
        "current_password": "Enter your current password",
        "new_password": "Enter a new password",
    }

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class ForgotPasswordForm(FormModel):
    form_blank_messages: ClassVar[dict[str, str]] = {"email": "Enter your email address"}

    email: EmailStr = Field(max_length=254)


class ResetPasswordForm(FormModel):
    form_blank_messages: ClassVar[dict[str, str]] = {"password": "Enter a new password"}

    password: str = Field(min_length=1, max_length=256)


class InviteForm(FormModel):
    email: EmailStr = Field(max_length=254, title="Email address")
    role: Role = Field(title="Role")


class AcceptInvitationForm(FormModel):
    display_name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=256)


class ApiTokenForm(FormModel):
    name: str = Field(default="", max_length=100)


class MembershipOut(BaseModel):
    organisation_id: UUID
    organisation_name: str
    role: Role


class MeOut(BaseModel):
    id: UUID
    email: str
    email_verified: bool = Field(description="Whether the email address is confirmed: a family books only once it is")
    display_name: str
    is_site_admin: bool
    memberships: list[MembershipOut]


class FamilyOut(BaseModel):
    id: UUID
    display_name: str
    email: str
    local_authority_id: UUID
    registered_at: datetime
