"""Account models: users, organisations, memberships, web sessions, API tokens."""

from __future__ import annotations

from uuid import UUID

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint
from tortoise.models import Model

from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.models import TimestampedModel


class User(TimestampedModel):
    id = fields.UUIDField(primary_key=True)
    # Stored lower-cased (a CHECK keeps it so), which makes the unique index case-insensitive.
    email = fields.CharField(max_length=254, unique=True)
    password_hash = fields.CharField(max_length=255)
    display_name = fields.CharField(max_length=100)
    is_active = fields.BooleanField(default=True)
    is_site_admin = fields.BooleanField(default=False)
    email_verified_at = fields.DatetimeField(null=True)
    password_changed_at = fields.DatetimeField(null=True)
    # TOTP second factor (RFC 6238). The secret is set at enrolment and active once confirmed.
    totp_secret = fields.CharField(max_length=64, null=True)
    totp_enabled_at = fields.DatetimeField(null=True)
    # The last 30-second step accepted, so a code cannot be replayed.
    totp_last_step = fields.BigIntField(null=True)

    memberships: fields.ReverseRelation[Membership]

    class Meta:
        table = "core_user"
        constraints = [CheckConstraint(check="email = lower(email)", name="core_user_email_lower")]

    def __str__(self) -> str:
        return self.display_name


class Organisation(TimestampedModel):
    id = fields.UUIDField(primary_key=True)
    name = fields.CharField(max_length=200)
    kind = fields.CharEnumField(OrganisationKind, max_length=20)
    # 360Giving-style org identifier: GB-LAE-BIR, GB-CHC-1234567, GB-COH-01234567.
    identifier = fields.CharField(max_length=60, unique=True)
    region = fields.CharField(max_length=60, default="")
    # How families reach a council about short breaks (shown where they need an allocation); blank
    # when not known. A provider's contact details are on its provider profile.
    contact_phone = fields.CharField(max_length=30, default="")
    contact_email = fields.CharField(max_length=254, default="")
    website = fields.CharField(max_length=300, default="")

    class Meta:
        table = "core_organisation"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(TimestampedModel):
    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField("core.User", related_name="memberships", on_delete=fields.CASCADE)
    organisation: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "core.Organisation", related_name="memberships", on_delete=fields.RESTRICT
    )
    organisation_id: UUID
    user_id: UUID
    role = fields.CharEnumField(Role, max_length=20)
    # An administrator of the organisation may invite staff to it.
    is_org_admin = fields.BooleanField(default=False)

    class Meta:
        table = "core_membership"
        constraints = [UniqueConstraint(fields=("user_id", "organisation_id", "role"), name="core_membership_unique")]


class WebSession(Model):
    """A signed-in browser. The cookie holds a random value, and only its SHA-256 is stored."""

    id = fields.CharField(max_length=64, primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField("core.User", related_name="web_sessions", on_delete=fields.CASCADE)
    user_id: UUID
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    # full: signed in. second_factor: password accepted, TOTP code due. enrol: staff who must set up TOTP first.
    stage = fields.CharField(max_length=14, default="full")
    is_staff = fields.BooleanField(default=False)

    class Meta:
        table = "core_websession"
        indexes = [("user_id", "revoked_at")]


class ApiToken(Model):
    """A bearer token for the API. Shown once, and only its SHA-256 is stored."""

    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField("core.User", related_name="api_tokens", on_delete=fields.CASCADE)
    token_hash = fields.CharField(max_length=64, unique=True)
    prefix = fields.CharField(max_length=12)
    name = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField()
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "core_apitoken"


class LoginAttempt(Model):
    """One sign-in attempt, for throttling. Holds a hash of the email, never the email."""

    id = fields.BigIntField(primary_key=True)
    email_hash = fields.CharField(max_length=64)
    ip = fields.CharField(max_length=45)
    succeeded = fields.BooleanField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "core_loginattempt"
        indexes = [("email_hash", "created_at"), ("ip", "created_at")]


class Invitation(Model):
    """An administrator's invitation for a member of staff to join an organisation."""

    id = fields.UUIDField(primary_key=True)
    organisation: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "core.Organisation", related_name="invitations", on_delete=fields.CASCADE
    )
    organisation_id: UUID
    role = fields.CharEnumField(Role, max_length=20)
    email = fields.CharField(max_length=254)
    token_hash = fields.CharField(max_length=64, unique=True)
    invited_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="invitations_sent", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    accepted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "core_invitation"


class RecoveryCode(Model):
    """A one-time recovery code for the second factor, stored as a SHA-256 hash."""

    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField("core.User", related_name="recovery_codes", on_delete=fields.CASCADE)
    code_hash = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "core_recoverycode"
        indexes = [("user_id", "used_at")]


class PasswordReset(Model):
    """A forgotten-password link: good once, for 30 minutes. Only the token's SHA-256 is stored.

    Used once: the reset claims the row with a conditional update (``used_at`` still null, not
    expired), so two requests with the same link cannot both change the password.
    """

    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField("core.User", related_name="password_resets", on_delete=fields.CASCADE)
    user_id: UUID
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "core_passwordreset"
        indexes = [("user_id", "used_at")]
