"""The core's pages: the home page, the service's own information pages, the administrator's email
problems and, outside production, the administrator's local mailbox."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from shortbreaks import accessibility as accessibility_statement
from shortbreaks import mail
from shortbreaks.errors import NotFound
from shortbreaks.permissions import PUBLIC, SITE_ADMIN
from shortbreaks.routing import page
from shortbreaks.web import render, request_now


async def home(request: Request) -> Response:
    return render(request, "home.html")


async def accessibility(request: Request) -> Response:
    contact = request.app.state.settings.accessibility_contact
    return render(request, "pages/accessibility.html", {"statement": accessibility_statement, "contact": contact})


async def contact(request: Request) -> Response:
    """Where "Tell us about any problems" goes: who to contact about what (ACCESSIBILITY_CONTACT for the website)."""
    return render(request, "pages/contact.html", {"contact": request.app.state.settings.accessibility_contact})


async def privacy(request: Request) -> Response:
    return render(request, "pages/privacy.html")


async def about_data(request: Request) -> Response:
    return render(request, "pages/about-data.html")


async def email_problems(request: Request) -> Response:
    """For site administrators: emails that failed for good or are stuck, with the relay's last error."""
    messages = await mail.needing_attention(now=request_now(request))
    rows = [(m, mail.mask_address(m.to_email)) for m in messages]
    return render(request, "admin/email_problems.html", {"rows": rows})


async def mailbox(request: Request) -> Response:
    """Development and test only, for site administrators: the outbox's newest messages with their
    full bodies, so someone trying the service without ``SMTP_URL`` can follow an invitation,
    verification or password-reset link. In production it does not exist (404): mail goes to the
    relay, and the log keeps links redacted."""
    if request.app.state.settings.is_production:
        raise NotFound()
    messages = await mail.list_outbox(limit=50)
    rows = [(m, mail.body_lines(m.body)) for m in messages]
    return render(request, "admin/mailbox.html", {"rows": rows, "smtp": request.app.state.settings.smtp_url is not None})


routes = [
    page("/", home, name="home", permission=PUBLIC),
    page("/accessibility", accessibility, name="accessibility", permission=PUBLIC),
    page("/contact", contact, name="contact", permission=PUBLIC),
    page("/privacy", privacy, name="privacy", permission=PUBLIC),
    page("/about-the-data", about_data, name="about_data", permission=PUBLIC),
    page("/admin/email-problems", email_problems, name="admin:email_problems", permission=SITE_ADMIN),
    page("/admin/mailbox", mailbox, name="admin:mailbox", permission=SITE_ADMIN),
]
