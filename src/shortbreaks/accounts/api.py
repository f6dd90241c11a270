"""The accounts API: bearer tokens, who is signed in, and an officer's families."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from shortbreaks.accounts import queries, services, two_factor
from shortbreaks.accounts.enums import Role
from shortbreaks.accounts.errors import SignInFailed
from shortbreaks.accounts.schemas import (
    FamilyOut,
    MembershipOut,
    MeOut,
    TokenCreated,
    TokenRequest,
)
from shortbreaks.errors import FieldError, NotFound, PermissionDenied
from shortbreaks.permissions import LA_OFFICER, PUBLIC, SIGNED_IN
from shortbreaks.routing import api
from shortbreaks.web import request_ip, request_principal


async def create_token(request: Request, *, body: TokenRequest) -> Response:
    """Exchange an email and password for a bearer token (throttled like sign-in)."""
    now = request.app.state.clock.now()
    user = await services.authenticate(body.email, body.password, ip=request_ip(request), now=now)
    if user.totp_enabled_at is not None:
        if not body.totp_code or not await two_factor.verify_second_factor(user, body.totp_code, ip=request_ip(request), now=now):
            raise SignInFailed(
                "Enter a correct email address, password and security code", errors=[FieldError("totp_code", "Enter a valid security code")]
            )
    elif await two_factor.is_staff(user):
        raise PermissionDenied("Staff accounts must set up a second factor (sign in on the web) before creating API tokens")
    token, row = await services.create_api_token(user, name=body.name, now=now)
    return JSONResponse(TokenCreated(token=token, id=row.id, created_at=row.created_at).model_dump(mode="json"), status_code=201)


async def revoke_current_token(request: Request) -> Response:
    """Revoke the token this request was made with."""
    principal = request_principal(request)
    if principal.token_id is None:
        raise NotFound()
    await services.revoke_api_token(principal.token_id, actor=principal.user, now=request.app.state.clock.now())
    return Response(status_code=204)


async def me(request: Request) -> Response:
    """The signed-in user and their memberships."""
    principal = request_principal(request)
    out = MeOut(
        id=principal.id,
        email=principal.user.email,
        email_verified=principal.user.email_verified_at is not None,
        display_name=principal.user.display_name,
        is_site_admin=principal.is_site_admin,
        memberships=[
            MembershipOut(organisation_id=m.organisation_id, organisation_name=m.organisation_name, role=m.role)
            for m in principal.memberships
        ],
    )
    return JSONResponse(out.model_dump(mode="json"))


async def authority_families(request: Request) -> Response:
    """Families registered in the officer's local authorities."""
    principal = request_principal(request)
    memberships = await queries.list_families_in(principal.organisation_ids(Role.LA_OFFICER))
    items = [
        FamilyOut(
            id=m.user.id,
            display_name=m.user.display_name,
            email=m.user.email,
            local_authority_id=m.organisation_id,
            registered_at=m.created_at,
        )
        for m in memberships
    ]
    return JSONResponse([i.model_dump(mode="json") for i in items])


routes = [
    api(
        "/api/v1/auth/tokens",
        create_token,
        name="api:auth_tokens_create",
        permission=PUBLIC,
        methods=["POST"],
        body=TokenRequest,
        response=TokenCreated,
        status_code=201,
        errors=[401, 429],
        summary="Create an API token",
        tags=["auth"],
    ),
    api(
        "/api/v1/auth/tokens/current",
        revoke_current_token,
        name="api:auth_tokens_revoke",
        permission=SIGNED_IN,
        methods=["DELETE"],
        status_code=204,
        summary="Revoke the current token",
        tags=["auth"],
    ),
    api("/api/v1/me", me, name="api:me", permission=SIGNED_IN, response=MeOut, summary="The signed-in user", tags=["auth"]),
    api(
        "/api/v1/authority/families",
        authority_families,
        name="api:authority_families",
        permission=LA_OFFICER,
        response=list[FamilyOut],
        summary="Families in your local authority",
        tags=["authority"],
    ),
]
