"""Account pages: sign-in and its second factor, registration, the account page, invitations,
and the administrator's and officers' lists."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from shortbreaks.accounts import password_resets, queries, services, two_factor
from shortbreaks.accounts.auth import session_cookie_name
from shortbreaks.accounts.enums import Role
from shortbreaks.accounts.errors import EmailTaken, InvalidToken, ResetThrottled, SignInFailed, SignInThrottled
from shortbreaks.accounts.models import ApiToken, Organisation, User, WebSession
from shortbreaks.accounts.schemas import (
    AcceptInvitationForm,
    ApiTokenForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    InviteForm,
    RegisterForm,
    ResetPasswordForm,
    SignInForm,
)
from shortbreaks.errors import FieldError, NotFound, PermissionDenied, TooManyRequests, ValidationFailed
from shortbreaks.forms import form_values, read_form
from shortbreaks.permissions import PUBLIC, SIGNED_IN, SITE_ADMIN
from shortbreaks.routing import page
from shortbreaks.web import (
    ANON_COOKIE,
    clear_cookie,
    error_summary,
    field_errors,
    redirect,
    render,
    request_ip,
    request_now,
    request_principal,
)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _form_page(
    request: Request, template: str, errors: list[FieldError], values: dict[str, object], *, status_code: int, **context: object
) -> Response:
    return render(
        request,
        template,
        {"errors": error_summary(errors), "field_errors": field_errors(errors), "values": values, **context},
        status_code=status_code,
    )


# --- sign-in and sign-out -----------------------------------------------------------------


async def sign_in_page(request: Request) -> Response:
    if request.state.principal is not None:
        return redirect(request, _safe_next(request.query_params.get("next")))
    return render(request, "accounts/sign_in.html", {"values": {}, "next": request.query_params.get("next", "")})


async def sign_in(request: Request) -> Response:
    form, errors, values = await read_form(request, SignInForm)
    next_url = _safe_next(str(values.get("next") or ""))
    values.pop("password", None)
    if form is None:
        return _form_page(request, "accounts/sign_in.html", errors, values, status_code=422, next=next_url)
    state = request.app.state
    now = state.clock.now()
    try:
        user = await services.authenticate(form.email, form.password, ip=request_ip(request), now=now)
    except SignInThrottled as exc:
        response = _form_page(request, "accounts/sign_in.html", [FieldError("email", exc.message)], values, status_code=429, next=next_url)
        response.headers.update(exc.headers)
        return response
    except SignInFailed as exc:
        return _form_page(request, "accounts/sign_in.html", [FieldError("email", exc.message)], values, status_code=401, next=next_url)
    staff = await two_factor.is_staff(user)
    if user.totp_enabled_at is not None:
        stage, target = "second_factor", "/sign-in/two-factor?next=" + quote(next_url, safe="")
    elif staff:
        stage, target = "enrol", "/account/two-factor?next=" + quote(next_url, safe="")
    else:
        stage, target = "full", next_url
    cookie, _session = await services.start_session(
        user, now=now, absolute=timedelta(hours=state.settings.session_absolute_hours), stage=stage, is_staff=staff
    )
    response = redirect(request, target)
    _set_session_cookie(request, response, cookie)
    clear_cookie(response, request, ANON_COOKIE)
    return response


def _set_session_cookie(request: Request, response: Response, cookie: str) -> None:
    settings = request.app.state.settings
    response.set_cookie(
        session_cookie_name(request),
        cookie,
        max_age=settings.session_absolute_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.https,
        path="/",
    )


# --- the second factor -------------------------------------------------------------------------


def _pending(request: Request, stage: str) -> WebSession | None:
    session = getattr(request.state, "pending_session", None)
    return session if session is not None and session.stage == stage else None


async def two_factor_page(request: Request) -> Response:
    if _pending(request, "second_factor") is None:
        return redirect(request, "/sign-in")
    return render(request, "accounts/two_factor.html", {"next": _safe_next(request.query_params.get("next")), "values": {}})


async def two_factor_submit(request: Request) -> Response:
    session = _pending(request, "second_factor")
    if session is None:
        return redirect(request, "/sign-in")
    values = await form_values(request)
    next_url = _safe_next(str(values.get("next") or ""))
    now = request.app.state.clock.now()
    user = session.user
    if await two_factor.verify_second_factor(user, str(values.get("code") or ""), ip=request_ip(request), now=now):
        cookie, _ = await services.upgrade_session(session, now=now)
        response = redirect(request, next_url)
        _set_session_cookie(request, response, cookie)
        return response
    if await two_factor.recent_failures(user, now=now) >= two_factor.MAX_FAILURES:
        await services.end_session(session.id, actor=user, now=now)
        response = redirect(request, "/sign-in", message="Too many wrong codes. Sign in again.")
        clear_cookie(response, request, session_cookie_name(request))
        return response
    errors = [FieldError("code", "Enter the 6-digit code from your authenticator app, or a recovery code")]
    return _form_page(request, "accounts/two_factor.html", errors, {}, status_code=401, next=next_url)


def _enrolling_user(request: Request) -> tuple[User | None, WebSession | None]:
    """The user setting up a second factor: a staff member mid sign-in, or anyone signed in."""
    pending = _pending(request, "enrol")
    if pending is not None:
        return pending.user, pending
    principal = request.state.principal
    return (principal.user if principal is not None else None), None


async def enrol_page(request: Request) -> Response:
    user, pending = _enrolling_user(request)
    if user is None:
        return redirect(request, "/sign-in")
    if user.totp_enabled_at is not None:
        return redirect(request, "/account", message="Your account already has a second factor")
    user = await two_factor.begin_enrolment(user)
    return _enrol_form(request, user, [], pending is not None, status_code=200)


def _enrol_form(request: Request, user: User, errors: list[FieldError], required: bool, *, status_code: int) -> Response:
    uri = two_factor.provisioning_uri(user)
    return _form_page(
        request,
        "accounts/two_factor_enrol.html",
        errors,
        {},
        status_code=status_code,
        qr_code=two_factor.qr_code_data_uri(uri),
        secret=user.totp_secret,
        required=required,
        next=_safe_next(request.query_params.get("next")),
    )


async def enrol_submit(request: Request) -> Response:
    user, pending = _enrolling_user(request)
    if user is None:
        return redirect(request, "/sign-in")
    values = await form_values(request)
    now = request.app.state.clock.now()
    try:
        codes = await two_factor.confirm_enrolment(user, str(values.get("code") or ""), now=now)
    except ValidationFailed as exc:
        return _enrol_form(request, user, exc.errors, pending is not None, status_code=422)
    response = render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _safe_next(str(values.get("next") or ""))})
    if pending is not None:
        cookie, _ = await services.upgrade_session(pending, now=now)
        _set_session_cookie(request, response, cookie)
    response.headers["Cache-Control"] = "no-store"
    return response


async def sign_out(request: Request) -> Response:
    principal = request_principal(request)
    if principal.session_id:
        await services.end_session(principal.session_id, actor=principal.user, now=request.app.state.clock.now())
    response = redirect(request, "/", message="You have signed out")
    clear_cookie(response, request, session_cookie_name(request))
    return response


# --- registration --------------------------------------------------------------------------


async def register_page(request: Request) -> Response:
    return render(request, "accounts/register.html", {"values": {}, "authorities": await queries.list_local_authorities()})


async def register(request: Request) -> Response:
    form, errors, values = await read_form(request, RegisterForm)
    values.pop("password", None)
    authorities = await queries.list_local_authorities()
    if form is not None:
        state = request.app.state
        try:
            await services.register_family(
                email=form.email,
                password=form.password,
                display_name=form.display_name,
                local_authority_id=form.local_authority_id,
                now=state.clock.now(),
                secret_key=state.settings.secret_key.get_secret_value(),
                base_url=state.settings.base_url,
            )
        except EmailTaken as exc:
            # Say so plainly: registration is not a sign-in, and the message is the one a person needs.
            errors = [FieldError("email", exc.message)]
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            return redirect(
                request,
                "/sign-in",
                message="Your account has been created. You can sign in now. We have sent you a link to confirm your email address: "
                "confirm it before you book.",
            )
    return _form_page(request, "accounts/register.html", errors, values, status_code=422, authorities=authorities)


async def verify_email(request: Request) -> Response:
    state = request.app.state
    try:
        await services.verify_email(
            request.path_params["token"], now=state.clock.now(), secret_key=state.settings.secret_key.get_secret_value()
        )
    except InvalidToken as exc:
        return render(request, "errors/error.html", {"title": exc.message, "status": 400}, status_code=400)
    return redirect(request, "/", message="Thank you: your email address is confirmed")


async def resend_verification(request: Request) -> Response:
    """Send a new email-verification link, then back to where the person was (the booking form, the account page)."""
    principal = request_principal(request)
    values = await form_values(request)
    back = _safe_next(str(values.get("next") or "/account"))
    state = request.app.state
    try:
        sent = await services.resend_verification(
            principal.user,
            ip=request_ip(request),
            now=state.clock.now(),
            secret_key=state.settings.secret_key.get_secret_value(),
            base_url=state.settings.base_url,
        )
    except TooManyRequests as exc:
        return redirect(request, back, error=exc.message)
    if not sent:
        return redirect(request, back, message="Your email address is already confirmed")
    return redirect(request, back, message=f"We have sent a new link to {principal.user.email}. It works for 3 days.")


# --- forgotten passwords -------------------------------------------------------------------


async def forgot_password_page(request: Request) -> Response:
    return render(request, "accounts/forgot_password.html", {"values": {}})


async def forgot_password(request: Request) -> Response:
    """Send a reset link if the address has an account; the answer is the same either way."""
    form, errors, values = await read_form(request, ForgotPasswordForm)
    if form is None:
        return _form_page(request, "accounts/forgot_password.html", errors, values, status_code=422)
    state = request.app.state
    try:
        await password_resets.request_password_reset(
            form.email, ip=request_ip(request), now=state.clock.now(), base_url=state.settings.base_url
        )
    except ResetThrottled as exc:
        response = _form_page(request, "accounts/forgot_password.html", [FieldError("email", exc.message)], values, status_code=429)
        response.headers.update(exc.headers)
        return response
    return redirect(request, request.url_for("accounts:forgot_password_sent").path)


async def forgot_password_sent(request: Request) -> Response:
    return render(request, "accounts/forgot_password_sent.html")


def _reset_link_invalid(request: Request, exc: InvalidToken) -> Response:
    return render(request, "accounts/reset_link_invalid.html", {"title": exc.message}, status_code=400)


async def reset_password_page(request: Request) -> Response:
    try:
        await password_resets.find_password_reset(request.path_params["token"], now=request_now(request))
    except InvalidToken as exc:
        return _reset_link_invalid(request, exc)
    return _reset_form(request, [], status_code=200)


def _reset_form(request: Request, errors: list[FieldError], *, status_code: int) -> Response:
    response = _form_page(request, "accounts/reset_password.html", errors, {}, status_code=status_code)
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in this page's address
    return response


async def reset_password(request: Request) -> Response:
    form, errors, _values = await read_form(request, ResetPasswordForm)
    token = request.path_params["token"]
    now = request_now(request)
    try:
        if form is None:
            await password_resets.find_password_reset(token, now=now)
            return _reset_form(request, errors, status_code=422)
        await password_resets.reset_password(token, password=form.password, now=now)
    except InvalidToken as exc:
        return _reset_link_invalid(request, exc)
    except ValidationFailed as exc:
        return _reset_form(request, exc.errors, status_code=422)
    # The account's sessions are revoked; a cookie this browser holds for another account is left alone.
    return redirect(request, "/sign-in", message="Your password has been reset. Sign in with your new password.")


# --- the account page ----------------------------------------------------------------------


async def _account_context(request: Request) -> dict[str, object]:
    principal = request_principal(request)
    tokens = await ApiToken.filter(user_id=principal.id, revoked_at=None).order_by("-created_at")
    # API tokens are for staff systems: a family sees them only to revoke ones it already made
    # (through the API), not as something to do on its account page.
    show_tokens = bool(tokens) or principal.roles != {Role.FAMILY}
    return {"tokens": tokens, "memberships": principal.memberships, "show_tokens": show_tokens}


async def account(request: Request) -> Response:
    return render(request, "accounts/account.html", {**await _account_context(request), "values": {}})


async def change_password(request: Request) -> Response:
    form, errors, _values = await read_form(request, ChangePasswordForm)
    principal = request_principal(request)
    state = request.app.state
    if form is not None:
        try:
            await services.change_password(principal.user, current=form.current_password, new=form.new_password, now=state.clock.now())
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            response = redirect(request, "/sign-in", message="Your password has been changed. Sign in again with your new password.")
            clear_cookie(response, request, session_cookie_name(request))
            return response
    return _form_page(request, "accounts/account.html", errors, {}, status_code=422, **await _account_context(request))


async def create_token_page(request: Request) -> Response:
    form, errors, values = await read_form(request, ApiTokenForm)
    if form is None:
        return _form_page(request, "accounts/account.html", errors, values, status_code=422, **await _account_context(request))
    principal = request_principal(request)
    token, _row = await services.create_api_token(principal.user, name=form.name, now=request.app.state.clock.now())
    return render(request, "accounts/token_created.html", {"token": token})


async def revoke_token_page(request: Request) -> Response:
    principal = request_principal(request)
    await services.revoke_api_token(request.path_params["token_id"], actor=principal.user, now=request.app.state.clock.now())
    return redirect(request, "/account", message="The API token has been revoked")


# --- invitations -----------------------------------------------------------------------------


async def _organisation_for_admin(request: Request) -> Organisation:
    organisation = await Organisation.get_or_none(id=request.path_params["organisation_id"])
    principal = request_principal(request)
    if organisation is None or not (principal.is_site_admin or principal.is_member(organisation.id)):
        raise NotFound()
    if not principal.administers(organisation.id):
        raise PermissionDenied("Only an administrator of this organisation can invite people to it")
    return organisation


async def organisation_page(request: Request) -> Response:
    organisation = await _organisation_for_admin(request)
    members = await queries.list_members(organisation.id)
    return render(
        request, "accounts/organisation.html", {"organisation": organisation, "members": members, "roles": list(Role), "values": {}}
    )


async def invite(request: Request) -> Response:
    organisation = await _organisation_for_admin(request)
    form, errors, values = await read_form(request, InviteForm)
    state = request.app.state
    if form is not None:
        try:
            await services.invite_member(
                organisation,
                email=form.email,
                role=form.role,
                actor=request_principal(request).user,
                now=state.clock.now(),
                base_url=state.settings.base_url,
            )
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            return redirect(
                request,
                str(request.url_for("accounts:organisation", organisation_id=organisation.id)),
                message=f"Invitation sent to {form.email}",
            )
    members = await queries.list_members(organisation.id)
    return _form_page(
        request, "accounts/organisation.html", errors, values, status_code=422, organisation=organisation, members=members, roles=list(Role)
    )


async def set_contact_page(request: Request) -> Response:
    """An organisation's administrator records how families reach it (a council: its short breaks phone, email and page)."""
    organisation = await _organisation_for_admin(request)
    values = await form_values(request)
    contact = services.OrganisationContact(
        str(values.get("contact_phone") or ""), str(values.get("contact_email") or ""), str(values.get("website") or "")
    )
    try:
        await services.set_organisation_contact(
            organisation, contact, actor=request_principal(request).user, now=request.app.state.clock.now()
        )
    except ValidationFailed as exc:
        members = await queries.list_members(organisation.id)
        return _form_page(
            request,
            "accounts/organisation.html",
            exc.errors,
            values,
            status_code=422,
            organisation=organisation,
            members=members,
            roles=list(Role),
        )
    target = str(request.url_for("accounts:organisation", organisation_id=organisation.id))
    return redirect(request, target, message="Contact details saved")


async def invitation_page(request: Request) -> Response:
    try:
        invitation = await services.find_invitation(request.path_params["token"], now=request.app.state.clock.now())
    except InvalidToken as exc:
        return render(request, "errors/error.html", {"title": exc.message, "status": 400}, status_code=400)
    return render(request, "accounts/invitation.html", {"invitation": invitation, "values": {}})


async def accept_invitation(request: Request) -> Response:
    token = request.path_params["token"]
    state = request.app.state
    try:
        invitation = await services.find_invitation(token, now=state.clock.now())
    except InvalidToken as exc:
        return render(request, "errors/error.html", {"title": exc.message, "status": 400}, status_code=400)
    form, errors, values = await read_form(request, AcceptInvitationForm)
    values.pop("password", None)
    if form is not None:
        try:
            await services.accept_invitation(token, display_name=form.display_name, password=form.password, now=state.clock.now())
        except (ValidationFailed, InvalidToken) as exc:
            errors = exc.errors or [FieldError("password", exc.message)]
        else:
            return redirect(request, "/sign-in", message=f"You have joined {invitation.organisation.name}. Sign in to continue.")
    return _form_page(request, "accounts/invitation.html", errors, values, status_code=422, invitation=invitation)


# --- administration and officers ----------------------------------------------------------


async def admin(request: Request) -> Response:
    organisations = await Organisation.all().order_by("kind", "name")
    return render(request, "accounts/admin.html", {"organisations": organisations})


routes = [
    page("/sign-in", sign_in_page, name="accounts:sign_in", permission=PUBLIC),
    page("/sign-in", sign_in, name="accounts:sign_in_submit", permission=PUBLIC, methods=["POST"]),
    page("/sign-in/two-factor", two_factor_page, name="accounts:two_factor", permission=PUBLIC),
    page("/sign-in/two-factor", two_factor_submit, name="accounts:two_factor_submit", permission=PUBLIC, methods=["POST"]),
    page("/account/two-factor", enrol_page, name="accounts:two_factor_enrol", permission=PUBLIC),
    page("/account/two-factor", enrol_submit, name="accounts:two_factor_enrol_submit", permission=PUBLIC, methods=["POST"]),
    page("/sign-out", sign_out, name="accounts:sign_out", permission=SIGNED_IN, methods=["POST"]),
    page("/register", register_page, name="accounts:register", permission=PUBLIC),
    page("/register", register, name="accounts:register_submit", permission=PUBLIC, methods=["POST"]),
    page("/verify-email/{token}", verify_email, name="accounts:verify_email", permission=PUBLIC),
    page("/account/verify-email", resend_verification, name="accounts:resend_verification", permission=SIGNED_IN, methods=["POST"]),
    page("/forgot-password", forgot_password_page, name="accounts:forgot_password", permission=PUBLIC),
    page("/forgot-password", forgot_password, name="accounts:forgot_password_submit", permission=PUBLIC, methods=["POST"]),
    page("/forgot-password/sent", forgot_password_sent, name="accounts:forgot_password_sent", permission=PUBLIC),
    page("/reset-password/{token}", reset_password_page, name="accounts:reset_password", permission=PUBLIC),
    page("/reset-password/{token}", reset_password, name="accounts:reset_password_submit", permission=PUBLIC, methods=["POST"]),
    page("/account", account, name="accounts:account", permission=SIGNED_IN),
    page("/account/password", change_password, name="accounts:change_password", permission=SIGNED_IN, methods=["POST"]),
    page("/account/tokens", create_token_page, name="accounts:create_token", permission=SIGNED_IN, methods=["POST"]),
    page(
        "/account/tokens/{token_id:uuid}/revoke",
        revoke_token_page,
        name="accounts:revoke_token",
        permission=SIGNED_IN,
        methods=["POST"],
    ),
    page("/organisations/{organisation_id:uuid}", organisation_page, name="accounts:organisation", permission=SIGNED_IN),
    page(
        "/organisations/{organisation_id:uuid}/invitations",
        invite,
        name="accounts:invite",
        permission=SIGNED_IN,
        methods=["POST"],
    ),
    page(
        "/organisations/{organisation_id:uuid}/contact",
        set_contact_page,
        name="accounts:set_contact",
        permission=SIGNED_IN,
        methods=["POST"],
    ),
    page("/invitations/{token}", invitation_page, name="accounts:invitation", permission=PUBLIC),
    page("/invitations/{token}", accept_invitation, name="accounts:accept_invitation", permission=PUBLIC, methods=["POST"]),
    page("/admin", admin, name="accounts:admin", permission=SITE_ADMIN),
]
