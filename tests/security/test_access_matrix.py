"""The access-control matrix: every registered route, called as every kind of user.

``MATRIX`` has one row per route (method and path template, as registered) with the outcome
expected for each role in ``ROLES`` order:

    anonymous family staff officer grantee funder admin  other_family other_staff other_officer other_grantee other_funder

- ``ok``: past every check (200, 201, 204, 302, 303; or 409/422 for the empty or invalid
  body sent to a write: the permission checks came first);
- ``login``: signed out (401 for the API, a redirect to /sign-in for pages);
- ``403``: wrong role; ``404``: another family's, provider's, authority's, grantee's or funder's
  record (it does not exist, as far as they can tell); ``400``: a link token that is not valid.

Path parameters name "our" records (tests/security/conftest.py). Writes are sent an empty form
(with a valid CSRF token) or ``{}``, so most are refused as invalid after the permission
checks; the ones that need no body do run, so reads go first and the destructive rows last.
The test fails if a route has no row or a row names a route that no longer exists.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import date, timedelta

import httpx
from starlette.applications import Starlette

from providers import services as provider_services
from providers.schemas import ClosureIn
from shortbreaks.accounts.auth import SESSION_COOKIE
from shortbreaks.routing import DeclaredRoute, PublicMount, walk_routes
from tests.conftest import TEST_NOW
from tests.factories import csrf_from
from tests.providers.conftest import make_rule
from tests.security.conftest import ROLES, World, build_world

MATRIX: list[tuple[str, str, str]] = [
    ("GET", "/healthz", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/readyz", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/api/openapi.json", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/metrics", "404 404 404 404 404 404 404 404 404 404 404 404"),
    ("GET", "/", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/accessibility", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/contact", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/privacy", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/about-the-data", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/sign-in", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("POST", "/sign-in", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/sign-in/two-factor", "login login login login login login login login login login login login"),
    ("POST", "/sign-in/two-factor", "login login login login login login login login login login login login"),
    ("GET", "/account/two-factor", "login ok ok ok ok ok ok ok ok ok ok ok"),
    ("POST", "/account/two-factor", "login ok ok ok ok ok ok ok ok ok ok ok"),
    ("POST", "/sign-out", "login ok ok ok ok ok ok login ok ok ok ok"),
    ("GET", "/register", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("POST", "/register", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/verify-email/{token}", "400 400 400 400 400 400 400 400 400 400 400 400"),
    ("POST", "/account/verify-email", "login ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/forgot-password", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("POST", "/forgot-password", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/forgot-password/sent", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/reset-password/{token}", "400 400 400 400 400 400 400 400 400 400 400 400"),
    ("POST", "/reset-password/{token}", "400 400 400 400 400 400 400 400 400 400 400 400"),
    ("GET", "/account", "login ok ok ok ok ok ok ok ok ok ok ok"),
    ("POST", "/account/password", "login ok ok ok ok ok ok ok ok ok ok ok"),
    ("POST", "/account/tokens", "login ok ok ok ok ok ok ok ok ok ok ok"),
    ("POST", "/account/tokens/{token_id:uuid}/revoke", "login ok 404 404 404 404 404 login 404 404 404 404"),
    ("GET", "/organisations/{organisation_id:uuid}", "login 404 403 404 404 404 ok 404 404 404 404 404"),
    ("POST", "/organisations/{organisation_id:uuid}/invitations", "login 404 403 404 404 404 ok 404 404 404 404 404"),
    ("POST", "/organisations/{organisation_id:uuid}/contact", "login 404 403 404 404 404 ok 404 404 404 404 404"),
    ("GET", "/invitations/{token}", "400 400 400 400 400 400 400 400 400 400 400 400"),
    ("POST", "/invitations/{token}", "400 400 400 400 400 400 400 400 400 400 400 400"),
    ("GET", "/admin", "login 403 403 403 403 403 ok 403 403 403 403 403"),
    ("GET", "/authority/families", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    ("POST", "/webhooks/stripe", "400 400 400 400 400 400 400 400 400 400 400 400"),
    ("POST", "/bookings/{booking_id:uuid}/pay", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("POST", "/api/v1/bookings/{booking_id:uuid}/checkout", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("GET", "/provider/sessions/{session_id:uuid}/payments", "login 403 ok 403 403 403 ok 403 404 403 403 403"),
    ("GET", "/authority/payments.csv", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    ("GET", "/admin/email-problems", "login 403 403 403 403 403 ok 403 403 403 403 403"),
    ("GET", "/admin/mailbox", "login 403 403 403 403 403 ok 403 403 403 403 403"),
    ("POST", "/provider/sessions/cancel", "login 403 ok 403 403 403 ok 403 ok 403 403 403"),
    ("GET", "/feeds/services/{service_id:uuid}.ics", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/feeds/f/{token}.ics", "404 404 404 404 404 404 404 404 404 404 404 404"),
    ("GET", "/feeds/p/{token}.ics", "404 404 404 404 404 404 404 404 404 404 404 404"),
    ("GET", "/calendar/copy.js", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/bookings/{booking_id:uuid}/calendar.ics", "login ok 404 404 404 404 404 404 404 404 404 404"),
    ("GET", "/calendar", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("POST", "/calendar/feeds", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("POST", "/calendar/feeds/{feed_id:uuid}/reset", "login ok 404 404 404 404 404 404 404 404 404 404"),
    ("GET", "/calendar/providers", "login 403 ok 403 403 403 ok 403 ok 403 403 403"),
    ("GET", "/calendar/providers/{provider_id:uuid}", "login 403 ok 403 403 403 ok 403 404 403 403 403"),
    ("POST", "/calendar/providers/{provider_id:uuid}/feed", "login 403 ok 403 403 403 ok 403 404 403 403 403"),
    ("POST", "/calendar/providers/{provider_id:uuid}/import", "login 403 ok 403 403 403 ok 403 404 403 403 403"),
    # Our provider has no calendar import to remove: 404 for those who may manage it, as for the others.
    ("POST", "/calendar/providers/{provider_id:uuid}/import/remove", "login 403 404 403 403 403 404 403 404 403 403 403"),
    ("GET", "/calendar/feeds/{feed_id:uuid}/revoke", "login ok 404 404 404 404 404 404 404 404 404 404"),
    ("POST", "/calendar/feeds/{feed_id:uuid}/revoke", "login ok 404 404 404 404 404 404 404 404 404 404"),
    ("POST", "/api/v1/auth/tokens", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("DELETE", "/api/v1/auth/tokens/current", "login ok ok ok ok ok ok login ok ok ok ok"),
    ("GET", "/api/v1/me", "login ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/api/v1/authority/families", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    ("GET", "/services", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/services/{service_id:uuid}", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/api/v1/services", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/api/v1/services/{service_id:uuid}", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/api/v1/services/{service_id:uuid}/sessions", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/api/v1/providers", "login 403 ok ok 403 403 ok 403 ok ok 403 403"),
    ("POST", "/api/v1/providers", "login 403 ok ok 403 403 ok 403 ok ok 403 403"),
    ("GET", "/api/v1/providers/{provider_id:uuid}", "login 403 ok ok 403 403 ok 403 404 404 403 403"),
    ("PATCH", "/api/v1/providers/{provider_id:uuid}", "login 403 ok ok 403 403 ok 403 404 404 403 403"),
    ("POST", "/api/v1/providers/{provider_id:uuid}/publish", "login 403 403 ok 403 403 ok 403 403 404 403 403"),
    ("POST", "/api/v1/providers/{provider_id:uuid}/suspend", "login 403 403 ok 403 403 ok 403 403 404 403 403"),
    ("POST", "/api/v1/providers/{provider_id:uuid}/services", "login 403 ok ok 403 403 ok 403 ok ok 403 403"),
    ("GET", "/api/v1/providers/{provider_id:uuid}/sessions", "login 403 ok ok 403 403 ok 403 404 404 403 403"),
    ("PATCH", "/api/v1/services/{service_id:uuid}", "login 403 ok ok 403 403 ok 403 404 404 403 403"),
    ("POST", "/api/v1/services/{service_id:uuid}/rules", "login 403 ok ok 403 403 ok 403 ok ok 403 403"),
    ("PATCH", "/api/v1/rules/{rule_id:uuid}", "login 403 ok ok 403 403 ok 403 404 404 403 403"),
    ("DELETE", "/api/v1/rules/{rule_id:uuid}", "login 403 ok ok 403 403 ok 403 404 404 403 403"),
    ("POST", "/api/v1/services/{service_id:uuid}/closures", "login 403 ok ok 403 403 ok 403 ok ok 403 403"),
    ("DELETE", "/api/v1/closures/{closure_id:uuid}", "login 403 ok ok 403 403 ok 403 404 404 403 403"),
    ("GET", "/provider", "login 403 ok ok 403 403 ok 403 ok ok 403 403"),
    ("GET", "/provider/new", "login 403 ok ok 403 403 ok 403 ok ok 403 403"),
    ("POST", "/provider/new", "login 403 ok ok 403 403 ok 403 ok ok 403 403"),
    ("GET", "/provider/services/{service_id:uuid}", "login 403 ok ok 403 403 ok 403 404 404 403 403"),
    ("POST", "/provider/services/{service_id:uuid}", "login 403 ok ok 403 403 ok 403 404 404 403 403"),
    ("POST", "/provider/services/{service_id:uuid}/rules", "login 403 ok ok 403 403 ok 403 404 404 403 403"),
    ("POST", "/provider/services/{service_id:uuid}/closures", "login 403 ok ok 403 403 ok 403 404 404 403 403"),
    ("POST", "/provider/rules/{rule_id:uuid}/delete", "login 403 ok ok 403 403 ok 403 404 404 403 403"),
    ("POST", "/provider/closures/{closure_id:uuid}/delete", "login 403 ok ok 403 403 ok 403 404 404 403 403"),
    ("GET", "/provider/{provider_id:uuid}", "login 403 ok ok 403 403 ok 403 404 404 403 403"),
    ("GET", "/provider/{provider_id:uuid}/edit", "login 403 ok ok 403 403 ok 403 404 404 403 403"),
    ("POST", "/provider/{provider_id:uuid}/edit", "login 403 ok ok 403 403 ok 403 404 404 403 403"),
    ("GET", "/provider/{provider_id:uuid}/services/new", "login 403 ok ok 403 403 ok 403 404 404 403 403"),
    ("POST", "/provider/{provider_id:uuid}/services/new", "login 403 ok ok 403 403 ok 403 404 404 403 403"),
    ("GET", "/provider/{provider_id:uuid}/calendar", "login 403 ok ok 403 403 ok 403 404 404 403 403"),
    ("POST", "/provider/review-setting", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    ("POST", "/provider/services/{service_id:uuid}/approve", "login 403 403 ok 403 403 ok 403 403 404 403 403"),
    ("POST", "/provider/{provider_id:uuid}/submit", "login 403 ok 403 403 403 ok 403 404 403 403 403"),
    ("POST", "/provider/{provider_id:uuid}/publish", "login 403 403 ok 403 403 ok 403 403 404 403 403"),
    ("POST", "/provider/{provider_id:uuid}/suspend", "login 403 403 ok 403 403 ok 403 403 404 403 403"),
    ("GET", "/openreferral/", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/openreferral/services", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/openreferral/services/{service_id:uuid}", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/openreferral/service_at_locations", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/api/v1/children", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("POST", "/api/v1/children", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("GET", "/api/v1/children/{child_id:uuid}", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("POST", "/api/v1/bookings", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("GET", "/api/v1/bookings", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("GET", "/api/v1/bookings/{booking_id:uuid}", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("POST", "/api/v1/bookings/{booking_id:uuid}/cancel", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("POST", "/api/v1/sessions/{session_id:uuid}/waiting-list", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("GET", "/api/v1/waiting-list", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("POST", "/api/v1/waiting-list/{entry_id:uuid}/accept", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("POST", "/api/v1/waiting-list/{entry_id:uuid}/withdraw", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("GET", "/api/v1/allocations", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("GET", "/api/v1/my-data", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("POST", "/api/v1/my-data/erase", "login ok 403 403 403 403 403 login 403 403 403 403"),  # the other family: erased by the page
    ("GET", "/api/v1/provider/sessions/{session_id:uuid}/bookings", "login 403 ok 403 403 403 ok 403 404 403 403 403"),
    ("POST", "/api/v1/provider/sessions/{session_id:uuid}/cancel", "login 403 ok 403 403 403 ok 403 ok 403 403 403"),
    ("GET", "/api/v1/provider/bookings/{booking_id:uuid}", "login 403 ok 403 403 403 ok 403 404 403 403 403"),
    ("POST", "/api/v1/provider/bookings/{booking_id:uuid}/confirm", "login 403 ok 403 403 403 ok 403 404 403 403 403"),
    ("POST", "/api/v1/provider/bookings/{booking_id:uuid}/decline", "login 403 ok 403 403 403 ok 403 ok 403 403 403"),
    ("POST", "/api/v1/provider/bookings/{booking_id:uuid}/attendance", "login 403 ok 403 403 403 ok 403 ok 403 403 403"),
    ("POST", "/api/v1/authority/children/{child_id:uuid}/allocations", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    ("POST", "/api/v1/authority/allocations/{allocation_id:uuid}/adjustments", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    ("GET", "/api/v1/authority/families/{family_id:uuid}/bookings", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/api/v1/authority/families/{family_id:uuid}/children", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/api/v1/authority/waiting-list/{entry_id:uuid}/priority", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    ("GET", "/bookings", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("GET", "/bookings/{booking_id:uuid}", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("GET", "/bookings/{booking_id:uuid}/cancel", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("POST", "/bookings/{booking_id:uuid}/cancel", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("GET", "/sessions/{session_id:uuid}/book", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("POST", "/sessions/{session_id:uuid}/book", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("POST", "/waiting-list/{entry_id:uuid}/accept", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("POST", "/waiting-list/{entry_id:uuid}/leave", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("GET", "/allocations", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("GET", "/children", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("POST", "/children", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("GET", "/children/{child_id:uuid}/edit", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("POST", "/children/{child_id:uuid}/edit", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("GET", "/children/{child_id:uuid}/remove", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("POST", "/children/{child_id:uuid}/remove", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("GET", "/my-data", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("GET", "/my-data/download", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("POST", "/my-data/erase", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("GET", "/provider/bookings", "login 403 ok 403 403 403 ok 403 ok 403 403 403"),
    ("GET", "/provider/sessions/{session_id:uuid}", "login 403 ok 403 403 403 ok 403 404 403 403 403"),
    ("POST", "/provider/sessions/{session_id:uuid}/cancel", "login 403 ok 403 403 403 ok 403 404 403 403 403"),
    ("POST", "/provider/bookings/{booking_id:uuid}", "login 403 ok 403 403 403 ok 403 404 403 403 403"),
    ("GET", "/authority/families/{family_id:uuid}", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    (
        "POST",
        "/authority/families/{family_id:uuid}/children/{child_id:uuid}/allocations",
        "login 403 403 ok 403 403 404 403 403 404 403 403",
    ),
    ("GET", "/api/v1/funds", "login 403 403 ok ok ok ok 403 403 ok ok ok"),
    ("GET", "/api/v1/funds/{fund_id:uuid}/report", "login 404 404 ok ok ok ok 404 404 404 404 404"),
    ("GET", "/api/v1/funds/{fund_id:uuid}/awards.csv", "login 404 404 ok ok ok ok 404 404 404 404 404"),
    ("GET", "/api/v1/funds/{fund_id:uuid}/tranches.csv", "login 404 404 ok ok ok ok 404 404 404 404 404"),
    ("GET", "/api/v1/funds/{fund_id:uuid}/spend.csv", "login 404 404 ok ok ok ok 404 404 404 404 404"),
    ("GET", "/api/v1/funds/{fund_id:uuid}/360giving.json", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("POST", "/api/v1/rounds/{round_id:uuid}/awards", "login 403 403 403 403 ok ok 403 403 403 403 ok"),
    ("GET", "/api/v1/awards/{award_id:uuid}", "login 404 404 ok ok ok ok 404 404 404 404 404"),
    ("POST", "/api/v1/awards/{award_id:uuid}/tranches", "login 403 403 403 403 ok ok 403 403 403 403 ok"),
    ("POST", "/api/v1/tranches/{tranche_id:uuid}/pay", "login 403 403 403 403 ok ok 403 403 403 403 ok"),
    ("POST", "/api/v1/awards/{award_id:uuid}/variations", "login 403 403 403 403 ok ok 403 403 403 403 ok"),
    ("POST", "/api/v1/awards/{award_id:uuid}/returns", "login 403 403 403 ok 403 ok 403 403 403 ok 403"),
    ("GET", "/api/v1/returns/{return_id:uuid}", "login 404 404 ok ok ok ok 404 404 404 404 404"),
    ("POST", "/api/v1/returns/{return_id:uuid}/lines", "login 403 403 403 ok 403 ok 403 403 403 ok 403"),
    ("POST", "/api/v1/returns/{return_id:uuid}/submit", "login 403 403 403 ok 403 403 403 403 403 404 403"),
    ("POST", "/api/v1/returns/{return_id:uuid}/approve", "login 403 403 403 403 ok 403 403 403 403 403 404"),
    ("POST", "/api/v1/returns/{return_id:uuid}/reject", "login 403 403 403 403 ok ok 403 403 403 403 ok"),
    ("POST", "/api/v1/returns/{return_id:uuid}/query", "login 403 403 403 403 ok ok 403 403 403 403 ok"),
    ("GET", "/grants", "login 403 403 ok ok ok ok 403 403 ok ok ok"),
    ("GET", "/grants/funds/{fund_id:uuid}", "login 404 404 ok ok ok ok 404 404 404 404 404"),
    ("GET", "/grants/funds/{fund_id:uuid}/awards.csv", "login 404 404 ok ok ok ok 404 404 404 404 404"),
    ("GET", "/grants/funds/{fund_id:uuid}/spend.csv", "login 404 404 ok ok ok ok 404 404 404 404 404"),
    ("GET", "/grants/awards/{award_id:uuid}", "login 404 404 ok ok ok ok 404 404 404 404 404"),
    ("POST", "/grants/awards/{award_id:uuid}/returns", "login 403 403 403 ok 403 ok 403 403 403 404 403"),
    ("GET", "/grants/returns/{return_id:uuid}", "login 404 404 ok ok ok ok 404 404 404 404 404"),
    ("POST", "/grants/returns/{return_id:uuid}/lines", "login 403 403 403 ok 403 ok 403 403 403 404 403"),
    ("POST", "/grants/returns/{return_id:uuid}/submit", "login 403 403 403 ok 403 403 403 403 403 404 403"),
    ("POST", "/grants/returns/{return_id:uuid}/decision", "login 403 403 403 403 ok ok 403 403 403 403 404"),
    # Entitlements: the statement and checker are public; officers write their own council's drafts.
    ("GET", "/councils", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/councils/{slug}/short-breaks", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/councils/{slug}/short-breaks/print", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/councils/{slug}/short-breaks/versions/{number:int}", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/councils/{slug}/short-breaks/check", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("POST", "/councils/{slug}/short-breaks/check", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/authority/short-breaks", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    ("POST", "/authority/short-breaks/profile", "login 403 403 404 403 403 404 403 403 404 403 403"),
    ("POST", "/authority/short-breaks/{slug}/drafts", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/authority/short-breaks/drafts/{statement_id:uuid}", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/authority/short-breaks/drafts/{statement_id:uuid}", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/authority/short-breaks/drafts/{statement_id:uuid}/tiers/new", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/authority/short-breaks/drafts/{statement_id:uuid}/tiers", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/authority/short-breaks/tiers/{tier_id:uuid}", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/authority/short-breaks/tiers/{tier_id:uuid}", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/authority/short-breaks/drafts/{statement_id:uuid}/publish", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/authority/short-breaks/tiers/{tier_id:uuid}/remove", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/applications/{application_id:uuid}/renew", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("GET", "/authority/renewals", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    ("POST", "/authority/renewals", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    ("POST", "/applications/{application_id:uuid}/renew", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("GET", "/authority/applications/report", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    ("GET", "/authority/applications/report/{slug}.csv", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/authority/sufficiency", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    ("GET", "/authority/sufficiency/{slug}", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/authority/sufficiency/{slug}/print", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/authority/sufficiency/{slug}.csv", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/api/v1/councils/{slug}/statement", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/api/v1/councils/{slug}/statement/versions/{number}", "ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("POST", "/api/v1/councils/{slug}/statement/versions", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/api/v1/councils/{slug}/applications/report", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/api/v1/councils/{slug}/applications/report.csv", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/api/v1/councils/{slug}/sufficiency", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/api/v1/councils/{slug}/sufficiency.csv", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/api/v1/councils/{slug}/statement/versions/{number}/publish", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    # Applications: a family's own (another family's: 404); evidence for its family and the council's officers; officers' questions.
    ("GET", "/councils/{slug}/short-breaks/apply/{tier_code}", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("POST", "/councils/{slug}/short-breaks/apply/{tier_code}", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("GET", "/applications", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("GET", "/applications/{application_id:uuid}", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("GET", "/applications/{application_id:uuid}/questions/{key}", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("GET", "/applications/{application_id:uuid}/check", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("GET", "/applications/{application_id:uuid}/evidence/{evidence_id:uuid}", "login ok 404 ok 404 404 404 404 404 404 404 404"),
    ("POST", "/applications/{application_id:uuid}/questions/{key}", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("POST", "/applications/{application_id:uuid}/submit", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("POST", "/applications/{application_id:uuid}/evidence", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("POST", "/applications/{application_id:uuid}/withdraw", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("GET", "/authority/short-breaks/questions", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    ("POST", "/authority/short-breaks/questions/{slug}", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/authority/short-breaks/questions/q/{question_id:uuid}", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/authority/short-breaks/questions/q/{question_id:uuid}", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/authority/short-breaks/questions/q/{question_id:uuid}/move", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/authority/short-breaks/questions/q/{question_id:uuid}/archive", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/api/v1/applications", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("POST", "/api/v1/applications", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("GET", "/api/v1/applications/{application_id:uuid}", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("GET", "/api/v1/applications/{application_id:uuid}/evidence/{evidence_id:uuid}", "login ok 404 ok 404 404 404 404 404 404 404 404"),
    ("PUT", "/api/v1/applications/{application_id:uuid}/answers/{key}", "login ok 403 403 403 403 403 ok 403 403 403 403"),
    ("POST", "/api/v1/applications/{application_id:uuid}/submit", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("POST", "/api/v1/applications/{application_id:uuid}/evidence", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("POST", "/api/v1/applications/{application_id:uuid}/withdraw", "login ok 403 403 403 403 403 404 403 403 403 403"),
    # Deciding applications: officers of our council only (another council's officer finds nothing); the
    # family answers, asks for a review and reads its letter; the letter is the family's and the council's.
    ("GET", "/authority/applications", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    ("GET", "/authority/applications/{application_id:uuid}", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/authority/applications/{application_id:uuid}/assign", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/authority/applications/{application_id:uuid}/more-info", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/authority/applications/{application_id:uuid}/approve", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/authority/applications/{application_id:uuid}/refuse", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/authority/applications/{application_id:uuid}/review/assign", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/authority/applications/{application_id:uuid}/review/decide", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/applications/{application_id:uuid}/more-info", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("POST", "/applications/{application_id:uuid}/more-info", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("GET", "/applications/{application_id:uuid}/review", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("POST", "/applications/{application_id:uuid}/review", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("GET", "/applications/{application_id:uuid}/letter", "login ok 404 ok 404 404 404 404 404 404 404 404"),
    ("GET", "/api/v1/authority/applications", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    ("GET", "/api/v1/authority/applications/{application_id:uuid}", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    # The body is checked before the application is looked up: {} is refused as invalid (422) for every officer.
    ("POST", "/api/v1/authority/applications/{application_id:uuid}/assign", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    ("POST", "/api/v1/authority/applications/{application_id:uuid}/more-info", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    ("POST", "/api/v1/authority/applications/{application_id:uuid}/approve", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/api/v1/authority/applications/{application_id:uuid}/refuse", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    ("POST", "/api/v1/authority/applications/{application_id:uuid}/review/assign", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    ("POST", "/api/v1/authority/applications/{application_id:uuid}/review/decide", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    # Agreed packages (issue #21): officers of the child's council; the family's view of its own child.
    ("GET", "/authority/children/{child_id:uuid}/packages", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/authority/children/{child_id:uuid}/packages/new", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/authority/children/{child_id:uuid}/packages/new", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/authority/children/{child_id:uuid}/packages/{package_id:uuid}", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/authority/children/{child_id:uuid}/packages/{package_id:uuid}/vary", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/authority/children/{child_id:uuid}/packages/{package_id:uuid}/end", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/children/{child_id:uuid}/short-breaks", "login ok 403 403 403 403 403 404 403 403 403 403"),
    ("GET", "/api/v1/authority/children/{child_id:uuid}/packages", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/api/v1/authority/children/{child_id:uuid}/packages/{package_id:uuid}", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    # The body is checked before the child is looked up: {} is refused as invalid (422) for every officer.
    ("POST", "/api/v1/authority/children/{child_id:uuid}/packages", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    (
        "POST",
        "/api/v1/authority/children/{child_id:uuid}/packages/{package_id:uuid}/variations",
        "login 403 403 ok 403 403 ok 403 403 ok 403 403",
    ),
    ("POST", "/api/v1/authority/children/{child_id:uuid}/packages/{package_id:uuid}/end", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    # Shortfall cases (issue #21): officers of the case's council. Our case has no action recorded,
    # so closing it is refused (422) after the checks; an empty action form is refused too.
    ("GET", "/authority/shortfalls", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    ("GET", "/authority/shortfalls/{case_id:uuid}", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/authority/shortfalls/{case_id:uuid}/actions", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/authority/shortfalls/{case_id:uuid}/close", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/authority/shortfalls/settings/{slug}", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("POST", "/authority/shortfalls/settings/{slug}", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/api/v1/authority/shortfall-cases", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    ("GET", "/api/v1/authority/shortfall-cases/{case_id:uuid}", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    # The body is checked before the case is looked up: {} is refused as invalid (422) for every officer.
    ("POST", "/api/v1/authority/shortfall-cases/{case_id:uuid}/actions", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
    ("POST", "/api/v1/authority/shortfall-cases/{case_id:uuid}/close", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("GET", "/api/v1/councils/{slug}/shortfall-settings", "login 403 403 ok 403 403 404 403 403 404 403 403"),
    ("PUT", "/api/v1/councils/{slug}/shortfall-settings", "login 403 403 ok 403 403 ok 403 403 ok 403 403"),
]

# Run last, in this order: they end sessions, tokens, records (a child) or the provider's listing. Our
# family has bookings, so its erasure is refused (409); the other family has none and is
# erased by the page, so it is signed out ("login") in the rows after.
LAST = [
    ("POST", "/children/{child_id:uuid}/remove"),  # our child's bookings are past on the real clock: it goes
    ("POST", "/calendar/feeds/{feed_id:uuid}/revoke"),
    ("POST", "/api/v1/providers/{provider_id:uuid}/suspend"),
    ("POST", "/provider/{provider_id:uuid}/suspend"),
    ("POST", "/my-data/erase"),
    ("POST", "/api/v1/my-data/erase"),
    ("POST", "/account/tokens/{token_id:uuid}/revoke"),
    ("POST", "/sign-out"),
    ("DELETE", "/api/v1/auth/tokens/current"),
]
# Published services and their sessions are public: anyone may learn that they exist. So are
# councils' web addresses (slug), their published statement versions (number) and its tiers' codes (tier_code).
PUBLIC_RECORDS = {"service_id", "session_id", "slug", "number", "tier_code"}
_dates = itertools.count(0)


async def fresh_record(name: str, world: World) -> str | None:
    """Rows that delete a record get a new one for each caller, so every role meets a live record."""
    if name == "rule_id":
        return str((await make_rule(world.service, valid_from=date(2027, 1, 1), valid_until=date(2027, 3, 31))).id)
    if name == "closure_id":
        start = date(2028, 1, 1) + timedelta(days=7 * next(_dates))
        closure = await provider_services.create_closure(world.service, ClosureIn(starts_on=start, ends_on=start), actor=None, now=TEST_NOW)
        return str(closure.id)
    return None


def outcome(response: httpx.Response) -> str:
    """What access control made of the request: ``login``, ``ok`` or the refusal's status.

    The matrix is about who gets past the route's permission, so ``ok`` is deliberately a class:
    a page's redirect after a form, a 409 or 422 from the domain rule behind it, all say the
    caller was let in. Each endpoint's own answer is pinned by its package's tests.
    """
    location = response.headers.get("location", "")
    if response.status_code == 401 or (response.status_code in (302, 303) and location.startswith("/sign-in")):
        return "login"
    if response.status_code in (200, 201, 204, 302, 303, 409, 422):
        return "ok"
    return str(response.status_code)


def fill(path: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        for convertor in ("", ":uuid", ":int"):
            path = path.replace("{" + name + convertor + "}", value)
    return path


def registered(app: Starlette) -> dict[tuple[str, str], DeclaredRoute]:
    found = {}
    for path, route in walk_routes(app.routes):
        if isinstance(route, PublicMount):
            continue
        assert isinstance(route, DeclaredRoute), path
        for method in route.methods or []:
            if method != "HEAD":
                found[(method, path)] = route
    return found


def test_every_route_has_a_row_and_every_row_a_route(app: Starlette) -> None:
    rows = [(method, path) for method, path, _ in MATRIX]
    assert len(rows) == len(set(rows)), "a route has two rows"
    assert all(len(expected.split()) == len(ROLES) for _, _, expected in MATRIX)
    routes = set(registered(app))
    assert sorted(routes - set(rows)) == [], "routes without a row in MATRIX"
    assert sorted(set(rows) - routes) == [], "rows for routes that no longer exist"


class Caller:
    def __init__(self, role: str, client: httpx.AsyncClient, csrf: str, token: str | None) -> None:
        self.role, self.client, self.csrf, self.token = role, client, csrf, token

    async def call(self, route: DeclaredRoute, method: str, url: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token and route.kind == "api" else {}
        if method == "GET":
            return await self.client.get(url, headers=headers)
        if route.kind == "page":
            return await self.client.request(method, url, data={"csrf_token": self.csrf}, headers=headers)
        return await self.client.request(method, url, json={}, headers=headers)


async def callers(app: Starlette, world: World) -> dict[str, Caller]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    found = {}
    for role in ROLES:
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        if role != "anonymous":
            client.cookies.set(SESSION_COOKIE, await world.cookie(role))
        # The CSRF token comes from a page, as a browser gets it.
        page = await client.get("/sign-in" if role == "anonymous" else "/account")
        found[role] = Caller(role, client, csrf_from(page.text), None if role == "anonymous" else await world.token(role))
    return found


async def test_access_control_matrix(app: Starlette) -> None:
    """Every route as every role, and no record's existence leaks to whoever may not see it."""
    world = await build_world(app.state.settings)
    routes = registered(app)
    people = await callers(app, world)
    reads = [row for row in MATRIX if row[0] == "GET"]
    writes = [row for row in MATRIX if row[0] != "GET" and row[:2] not in LAST]
    last = sorted((row for row in MATRIX if row[:2] in LAST), key=lambda row: LAST.index(row[:2]))
    mismatches = []
    leaks = []
    for method, path, expected in [*reads, *writes, *last]:
        route = routes[(method, path)]
        got = []
        for role in ROLES:
            row_values = world.path_values(path)
            for name in route.param_convertors:
                if (fresh := await fresh_record(name, world)) is not None:
                    row_values[name] = fresh
            response = await people[role].call(route, method, fill(path, row_values))
            got.append(outcome(response))
            if (
                set(route.param_convertors) - PUBLIC_RECORDS
                and (got[-1] == "404" or (role.startswith("other_") and response.status_code >= 400))
                and path != "/account/tokens/{token_id:uuid}/revoke"
            ):
                # The same request about a record that does not exist must look the same.
                unknown = {name: str(uuid.uuid4()) for name in route.param_convertors if name not in ("token",)}
                probe = await people[role].call(route, method, fill(path, {**row_values, **unknown}))
                if probe.status_code != response.status_code:
                    leaks.append(f"{method} {path} as {role}: {response.status_code} for ours, {probe.status_code} for none")
        if " ".join(got) != " ".join(expected.split()):
            mismatches.append(f'    ("{method}", "{path}", "{" ".join(got)}"),  # expected {expected}')
    for caller in people.values():
        await caller.client.aclose()
    assert mismatches == [], "\n" + "\n".join(mismatches)
    assert leaks == []
