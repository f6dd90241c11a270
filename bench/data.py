"""The benchmark's data set, written with PostgreSQL COPY (asyncpg ``copy_records_to_table``).

Runs after ``shortbreaks migrate`` on a fresh database, so every CHECK, unique and exclusion
constraint the migrations create is in force while the rows go in: a row that broke one
would stop the build. Rows are generated from a seeded RNG (the same data every run, apart
from the dates, which follow today) in batches, so memory stays flat at full size.

Tables written (full size; ``scale`` multiplies the big counts, quick mode uses 0.01):
core: organisations (local authorities, one per provider, charities, a funder), users,
memberships, API tokens (plaintexts kept in memory for the load generator);
providers: 10,000 providers, 30,000 services, 1,000,000 sessions;
bookings: families with 1-3 children each (53,8xx families, 100,000 children, all in one council,
the nightly council), a 2026 allocation per child with its opening ledger entry (balances equal
the ledger's sums);
entitlements (the nightly council, ``Builder.council``): its profile, published statement and
tiers, 20 officers (one with a bearer token), 100 providers with 400 services around Truro,
an agreed package with its amounts for every child, and a year of places for them (about 3
million bookings with their places, on ~310,000 sessions; attended, no-show, cancelled by the
provider, declined, unrecorded, and booked ahead), about 10 % of the children falling behind,
and waiting-list entries;
grants: a fund, a round, 1,000 awards with budget lines, quarterly spend returns and
1,000,000 expenditure lines.

Plus the rush fixtures: a provider whose sessions the rushes book (a sell-out set with 50
places in all, and an all-succeed set with more places than requests), and 2 x 1,000 rush
families, each with one child, an allocation and a bearer token.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg

LONDON = ZoneInfo("Europe/London")
NEEDS = ["SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD", "ASD", "OTH"]
KINDS = ["day_care_away", "day_care_home", "overnight_away", "overnight_home", "activity", "holiday_scheme", "family_based"]
RATIOS = ["1:1", "1:2", "1:3", "1:4", "group"]
CATEGORIES = ["staffing", "activities", "transport", "equipment", "premises", "training", "evaluation", "management"]
REGIONS = ["North East", "North West", "Yorkshire and The Humber", "East Midlands", "West Midlands", "East of England", "London"]
REGIONS += ["South East", "South West"]
WORDS = [
    "swim",
    "sensory",
    "art",
    "music",
    "drama",
    "football",
    "climbing",
    "sailing",
    "cooking",
    "forest",
    "garden",
    "dance",
    "club",
    "youth",
    "play",
    "holiday",
]
FULL = {
    "providers": 10_000,
    "services_per_provider": 3,
    "sessions": 1_000_000,
    "families": 50_000,
    "awards": 1_000,
    "expenditure_lines": 1_000_000,
    "council_children": 100_000,
    "council_providers": 100,
}
RUSH_FAMILIES = 1_000
SELL_OUT_SESSIONS, SELL_OUT_PLACES = 5, 10  # 50 places in all
ALL_SUCCEED_SESSIONS, ALL_SUCCEED_PLACES = 10, 110  # 1,100 places for 1,000 requests
ALLOCATION_MINUTES = 78 * 60
UNUSABLE_PASSWORD = "!bench-no-password"
# The nightly council: every family of the data set lives there (Bench Council 008, South West; its own
# providers are around Truro, far from the search scenarios' postcodes).
COUNCIL_INDEX = 8
COUNCIL_SLUG = "bench-council"
COUNCIL_OFFICERS = 20
COUNCIL_SERVICES_PER_PROVIDER = 4
COUNCIL_SLOTS = (9, 13)  # 3-hour sessions at 9:00 and 13:00, London time
COUNCIL_PRICE_PENCE = 4_000  # what a place costs a package in pounds
COUNCIL_HISTORY_DAYS = 364  # a year of places before today
BEHIND_SHARE = 0.10
# (per, minutes, pence): one 3-hour place a week for a weekly package, one a fortnight otherwise.
PACKAGE_AMOUNTS = {"week": (180, None), "month": (360, 2 * COUNCIL_PRICE_PENCE), "year": (78 * 60, 26 * COUNCIL_PRICE_PENCE)}
# A place's outcome: booking status, place active, attendance.
OUTCOMES = {
    0: ("attended", False, "attended"),
    1: ("no_show", False, "no_show"),
    2: ("cancelled_by_provider", False, None),
    3: ("declined", False, None),
    4: ("confirmed", True, None),  # in the past: attendance not recorded yet
    5: ("confirmed", True, None),
    6: ("held", True, None),
    7: ("requested", True, None),
}  # not an argon2 hash: no password ever matches it


@dataclass(frozen=True)
class Plan:
    """One council child's agreed package and how their year of places went (see ``Builder.council``)."""

    source: str  # tier_decision (targeted tier) or an EHC plan / child in need (specialist tier)
    per: str  # week, month, year
    pence: bool  # the amount is in pence (pounds), not minutes
    behind: bool  # their places stopped some weeks ago (no-shows, cancellations), nothing booked ahead
    varied: bool  # a second amount, from a later day


@dataclass
class Family:
    user_id: uuid.UUID
    token: str
    child_ids: list[uuid.UUID]


@dataclass
class Built:
    """What the scenarios need to know about the data set."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    sell_out_sessions: list[uuid.UUID] = field(default_factory=list)
    all_succeed_sessions: list[uuid.UUID] = field(default_factory=list)
    ceiling_sessions: list[uuid.UUID] = field(default_factory=list)
    sell_out_families: list[Family] = field(default_factory=list)
    all_succeed_families: list[Family] = field(default_factory=list)
    ceiling_families: list[Family] = field(default_factory=list)
    funder_token: str = ""
    provider_feed_token: str = ""
    family_feed_token: str = ""
    provider_feed_events: int = 0
    family_feed_events: int = 0
    council_id: uuid.UUID | None = None  # the nightly council's CouncilProfile id
    council_slug: str = ""
    council_officer_token: str = ""
    council_children: int = 0
    council_packages: int = 0
    council_places: int = 0
    council_behind: int = 0  # children whose places stopped (no-shows, cancellations) some weeks ago
    fund_id: uuid.UUID | None = None
    round_id: uuid.UUID | None = None
    region: str = ""
    search_postcode: str = "B1"
    tables: set[str] = field(default_factory=set)
    steps: dict[str, float] = field(default_factory=dict)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Builder:
    def __init__(self, conn: asyncpg.Connection, *, scale: float, seed: int = 8, postcodes: Path | None = None) -> None:
        self.conn = conn
        self.scale = scale
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.today = self.now.astimezone(LONDON).date()
        self.built = Built()
        self.columns: dict[str, dict[str, tuple[bool, bool, str]]] = {}
        self.postcodes = self._postcodes(postcodes)

    # --- helpers ------------------------------------------------------------------------------

    def n(self, key: str) -> int:
        return max(1, int(FULL[key] * self.scale))

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _postcodes(self, path: Path | None) -> list[tuple[str, float, float]]:
        if path is None or not path.exists():
            return [("B1", 52.4796, -1.9026), ("M1", 53.4794, -2.2453), ("LS1", 53.7965, -1.5478), ("BS1", 51.4545, -2.5879)]
        with path.open() as f:
            rows = [(r["district"], float(r["latitude"]), float(r["longitude"])) for r in csv.DictReader(f)]
        # England, roughly: the search is for English councils' families.
        return [
            r
            for r in rows
            if 49.9 < r[1] < 55.8 and -5.8 < r[2] < 1.8 and not r[0].startswith(("CF", "SA", "LL", "NP", "LD", "SY", "DG", "TD"))
        ]

    async def _table_columns(self, table: str) -> dict[str, tuple[bool, bool, str]]:
        if table not in self.columns:
            rows = await self.conn.fetch(
                "SELECT column_name, is_nullable = 'NO' AS not_null, column_default IS NOT NULL AS has_default, data_type"
                " FROM information_schema.columns WHERE table_name = $1",
                table,
            )
            self.columns[table] = {r["column_name"]: (r["not_null"], r["has_default"], r["data_type"]) for r in rows}
        return self.columns[table]

    def _filler(self, data_type: str) -> object:
        if data_type in ("integer", "smallint", "bigint", "numeric", "double precision", "real"):
            return 0
        if data_type == "boolean":
            return False
        if data_type.startswith("timestamp"):
            return self.now
        if data_type == "date":
            return self.today
        if data_type in ("json", "jsonb"):
            return "{}"
        return ""

    async def copy(self, table: str, columns: Sequence[str], rows: Iterable[tuple[object, ...]], batch: int = 50_000) -> int:
        """COPY ``rows`` into ``table``; NOT NULL columns the app added that we don't know get a typed blank."""
        known = await self._table_columns(table)
        if not known:
            raise RuntimeError(f"table {table} does not exist: is its package merged and migrated?")
        unknown = [c for c in columns if c not in known]
        if unknown:
            raise RuntimeError(f"{table} has no column(s) {unknown}: the data builder is out of date with the models")
        extra = [c for c, (not_null, has_default, _) in known.items() if not_null and not has_default and c not in columns]
        extra_values = tuple(self._filler(known[c][2]) for c in extra)
        all_columns = [*columns, *extra]
        total = 0
        chunk: list[tuple[object, ...]] = []
        for row in rows:
            chunk.append(row + extra_values if extra_values else row)
            if len(chunk) >= batch:
                await self.conn.copy_records_to_table(table, records=chunk, columns=all_columns)
                total += len(chunk)
                chunk = []
        if chunk:
            await self.conn.copy_records_to_table(table, records=chunk, columns=all_columns)
            total += len(chunk)
        self.built.counts[table] = self.built.counts.get(table, 0) + total
        return total

    def local(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON).astimezone(UTC)

    # --- the build ----------------------------------------------------------------------------

    async def build(self) -> Built:
        t0 = time.perf_counter()
        existing = await self.conn.fetch("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        self.built.tables = {r["table_name"] for r in existing}
        await self.conn.execute("SET synchronous_commit = off")
        async with self.conn.transaction():
            await self.core()
            if "providers_session" in self.built.tables:
                await self.providers()
                if "bookings_child" in self.built.tables:
                    await self.families()
                    await self.rush()
                    if "feeds_feedtoken" in self.built.tables:
                        await self.feeds()
                    if "entitlements_agreedpackage" in self.built.tables:
                        t1 = time.perf_counter()
                        await self.council()
                        self.built.steps["council_s"] = round(time.perf_counter() - t1, 1)
            if "grants_expenditureline" in self.built.tables:
                await self.grants()
        await self.conn.execute("ANALYZE")
        self.built.seconds = time.perf_counter() - t0
        return self.built

    async def core(self) -> None:
        rng, now = self.rng, self.now
        self.las = []
        rows = []
        for i in range(150):
            oid = self.uuid()
            self.las.append((oid, REGIONS[i % len(REGIONS)]))
            rows.append((oid, f"Bench Council {i:03d}", "local_authority", f"GB-LAE-B{i:03d}", REGIONS[i % len(REGIONS)], now, now))
        self.provider_orgs = [self.uuid() for _ in range(self.n("providers") + 1)]
        rows += [
            (oid, f"Bench Provider Ltd {i:05d}", "provider", f"GB-COH-9{i:07d}", "", now, now) for i, oid in enumerate(self.provider_orgs)
        ]
        self.charities = [self.uuid() for _ in range(500)]
        rows += [(oid, f"Bench Charity {i:03d}", "charity", f"GB-CHC-8{i:06d}", "", now, now) for i, oid in enumerate(self.charities)]
        self.funder_org = self.uuid()
        rows.append((self.funder_org, "Bench Short Breaks Fund", "funder", "GB-CHC-7000001", "", now, now))
        await self.copy("core_organisation", ("id", "name", "kind", "identifier", "region", "created_at", "updated_at"), rows)
        del rng

    async def users(self, users: list[tuple[uuid.UUID, str, str]], role: str, orgs: list[uuid.UUID], tokens: dict[uuid.UUID, str]) -> None:
        now = self.now
        await self.copy(
            "core_user",
            ("id", "email", "password_hash", "display_name", "is_active", "is_site_admin", "email_verified_at", "created_at", "updated_at"),
            ((uid, email, UNUSABLE_PASSWORD, name, True, False, now, now, now) for uid, email, name in users),
        )
        await self.copy(
            "core_membership",
            ("id", "user_id", "organisation_id", "role", "is_org_admin", "created_at", "updated_at"),
            ((self.uuid(), uid, org, role, False, now, now) for (uid, _, _), org in zip(users, orgs, strict=True)),
        )
        if tokens:
            await self.copy(
                "core_apitoken",
                ("id", "user_id", "token_hash", "prefix", "name", "created_at"),
                ((self.uuid(), uid, _sha256(tok), tok[:12], "bench", now) for uid, tok in tokens.items()),
            )

    async def providers(self) -> None:
        rng, now = self.rng, self.now
        n_providers = self.n("providers")
        self.services: list[tuple[uuid.UUID, int, int, int]] = []  # id, min_age, max_age, capacity
        providers, services = [], []
        for i in range(n_providers):
            pid = self.uuid()
            district, lat, lon = rng.choice(self.postcodes)
            la = rng.choice(self.las)[0]
            status = "published" if rng.random() < 0.9 else rng.choice(("draft", "suspended"))
            name = f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} Breaks {i}"
            providers.append(
                (pid, self.provider_orgs[i], la, name, f"Short breaks in {district}", f"{district} 1AA", lat + rng.uniform(-0.02, 0.02),
                 lon + rng.uniform(-0.02, 0.02), rng.getrandbits(8), "[]", status, now if status == "published" else None, now, now)
            )  # fmt: skip
            for j in range(FULL["services_per_provider"]):
                sid = self.uuid()
                lo = rng.randint(0, 12)
                hi = rng.randint(lo + 2, min(25, lo + 14))
                ratio = rng.choice(RATIOS)
                capacity = rng.randint(4, 12)
                word = rng.choice(WORDS)
                services.append(
                    (sid, pid, f"{word.title()} {('club', 'session', 'day', 'night')[j % 4]} {i}-{j}", rng.choice(KINDS),
                     f"A {word} short break for disabled children", lo, hi, rng.randint(1, (1 << 12) - 1), ratio,
                     capacity if ratio == "group" else None, rng.choice((0, 0, 1500, 2500, 4000, 6000, 9000)), rng.randint(1, 15),
                     "instant", 48, 56, 24, 0, "", True, now, now)
                )  # fmt: skip
                self.services.append((sid, lo, hi, capacity))
        pcols = ("id", "organisation_id", "local_authority_id", "name", "description", "postcode", "latitude", "longitude")
        pcols += ("accessibility_mask", "languages", "status", "published_at", "created_at", "updated_at")
        await self.copy("providers_provider", pcols, providers)
        scols = ("id", "provider_id", "name", "kind", "description", "min_age", "max_age", "needs_mask", "staff_ratio", "group_size")
        scols += ("price_pence", "funding_mask", "booking_mode", "cancellation_notice_hours", "booking_window_days")
        scols += ("waiting_list_offer_hours", "late_cancellation_refund_percent", "what_to_bring", "closed_on_bank_holidays")
        scols += ("created_at", "updated_at")
        await self.copy("providers_service", scols, services)
        await self.copy("providers_session", SESSION_COLUMNS, self._sessions())

    def _sessions(self) -> Iterator[tuple[object, ...]]:
        rng, now = self.rng, self.now
        total = self.n("sessions")
        per_service, extra = divmod(total, len(self.services))
        starts = [self.local(self.today + timedelta(days=d), h) for d in range(-30, 150) for h in (9, 13, 17)]
        for k, (sid, _lo, _hi, capacity) in enumerate(self.services):
            count = per_service + (1 if k < extra else 0)
            for start in sorted(rng.sample(starts, count)):
                taken = rng.randint(0, capacity) if rng.random() < 0.7 else capacity
                status = "scheduled" if rng.random() < 0.97 else "cancelled"
                yield _session_row(self.uuid(), sid, start, start + timedelta(hours=3), capacity, taken, status, now)

    async def families(self) -> None:
        """Families with 1-3 children each, all in the nightly council (``COUNCIL_INDEX``), until it has 100,000
        children; a 2026/27 allocation per child with its opening ledger entry."""
        rng = self.rng
        la = self.las[COUNCIL_INDEX][0]
        want = self.n("council_children")
        sizes: list[int] = []
        while sum(sizes) < want:
            sizes.append(min(rng.choice((1, 1, 2, 2, 3)), want - sum(sizes)))
        users = [(self.uuid(), f"family{i:06d}@bench.invalid", f"Family {i}") for i in range(len(sizes))]
        await self.users(users, "family", [la] * len(users), {})
        children = []
        for (uid, _, _), size in zip(users, sizes, strict=True):
            for _ in range(size):
                children.append((self.uuid(), uid, la))
        # The package each child will have decides the tier its allocation came from (see council()).
        self.council_plans = [self._plan() for _ in children]
        tiers = ["specialist" if plan.source != "tier_decision" else "targeted" for plan in self.council_plans]
        allocations = await self._children(children, tiers=tiers)
        self.council_children = [(cid, fid, aid) for (cid, fid, _), aid in zip(children, allocations, strict=True)]

    async def _children(
        self, children: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]], tiers: Sequence[str] | None = None
    ) -> list[uuid.UUID]:
        """The children, each with an allocation for this allowance year (``tiers``: its tier code) and its opening
        ledger entry; returns the allocations' ids in the children's order."""
        rng, now = self.rng, self.now
        year = self.today.year if self.today.month >= 4 else self.today.year - 1
        await self.copy(
            "bookings_child",
            ("id", "family_id", "local_authority_id", "first_name", "last_name", "date_of_birth", "needs", "created_at", "updated_at"),
            (
                (cid, fid, la, f"Child{k}", "Bench", date(self.today.year - rng.randint(5, 15), rng.randint(1, 12), rng.randint(1, 28)),
                 json.dumps(rng.sample(NEEDS, rng.randint(1, 2))), now, now)
                for k, (cid, fid, la) in enumerate(children)
            ),
        )  # fmt: skip
        allocations = [(self.uuid(), cid, la) for cid, _, la in children]
        await self.copy(
            "bookings_allocation",
            (
                "id",
                "child_id",
                "local_authority_id",
                "year",
                "starts_on",
                "ends_on",
                "in_minutes",
                "in_pence",
                "balance_minutes",
                "balance_pence",
                "tier_code",
                "created_at",
                "updated_at",
            ),
            (
                (aid, cid, la, year, date(year, 4, 1), date(year + 1, 3, 31), True, False, ALLOCATION_MINUTES, 0,
                 tiers[k] if tiers else "", now, now)
                for k, (aid, cid, la) in enumerate(allocations)
            ),
        )  # fmt: skip
        await self.copy(
            "bookings_allocationentry",
            ("id", "allocation_id", "kind", "minutes", "pence", "booking_id", "reason", "actor_id", "created_at"),
            ((self.uuid(), aid, "grant", ALLOCATION_MINUTES, 0, None, "bench allocation", None, now) for aid, _, _ in allocations),
        )
        return [aid for aid, _, _ in allocations]

    async def rush(self) -> None:
        """The rush provider, its sessions, and 1,000 families (one child, a token) for each rush."""
        now = self.now
        pid, sid = self.uuid(), self.uuid()
        la = self.las[0][0]
        await self.copy(
            "providers_provider",
            (
                "id",
                "organisation_id",
                "local_authority_id",
                "name",
                "postcode",
                "latitude",
                "longitude",
                "status",
                "published_at",
                "created_at",
                "updated_at",
            ),
            [(pid, self.provider_orgs[-1], la, "Rush Provider", "B1 1AA", 52.4796, -1.9026, "published", now, now, now)],
        )
        await self.copy(
            "providers_service",
            (
                "id",
                "provider_id",
                "name",
                "kind",
                "min_age",
                "max_age",
                "staff_ratio",
                "group_size",
                "price_pence",
                "booking_mode",
                "cancellation_notice_hours",
                "booking_window_days",
                "waiting_list_offer_hours",
                "created_at",
                "updated_at",
            ),
            [(sid, pid, "Saturday rush club", "activity", 0, 25, "group", 200, 0, "instant", 48, 56, 24, now, now)],
        )
        sessions = []
        for i in range(SELL_OUT_SESSIONS):
            start = self.local(self.today + timedelta(days=7 + i), 10)
            sessions.append(_session_row(self.uuid(), sid, start, start + timedelta(hours=3), SELL_OUT_PLACES, 0, "scheduled", now))
        for i in range(ALL_SUCCEED_SESSIONS):
            start = self.local(self.today + timedelta(days=14 + i), 10)
            sessions.append(_session_row(self.uuid(), sid, start, start + timedelta(hours=3), ALL_SUCCEED_PLACES, 0, "scheduled", now))
        for i in range(ALL_SUCCEED_SESSIONS):  # the raw-SQL ceiling books these, never full
            start = self.local(self.today + timedelta(days=28 + i), 10)
            sessions.append(_session_row(self.uuid(), sid, start, start + timedelta(hours=3), 10_000, 0, "scheduled", now))
        await self.copy("providers_session", SESSION_COLUMNS, sessions)
        ids = [s[0] for s in sessions]
        self.built.sell_out_sessions = ids[:SELL_OUT_SESSIONS]
        self.built.all_succeed_sessions = ids[SELL_OUT_SESSIONS : SELL_OUT_SESSIONS + ALL_SUCCEED_SESSIONS]
        self.built.ceiling_sessions = ids[SELL_OUT_SESSIONS + ALL_SUCCEED_SESSIONS :]
        groups: list[list[Family]] = []
        for g in range(3):
            fams = [
                Family(self.uuid(), f"sbt_bench{g}_{uuid.UUID(int=self.rng.getrandbits(128)).hex}", [self.uuid()])
                for _ in range(RUSH_FAMILIES)
            ]
            users = [(f.user_id, f"rush{g}-{i:04d}@bench.invalid", f"Rush family {g}-{i}") for i, f in enumerate(fams)]
            await self.users(users, "family", [la] * len(fams), {f.user_id: f.token for f in fams})
            await self._children([(f.child_ids[0], f.user_id, la) for f in fams])
            groups.append(fams)
        self.built.sell_out_families, self.built.all_succeed_families, self.built.ceiling_families = groups

    async def feeds(self) -> None:
        """A provider with 10,000 sessions in its feed's window and a family with 200 bookings, each with a feed token."""
        now = self.now
        la = self.las[1][0]
        org, pid = self.uuid(), self.uuid()
        await self.copy(
            "core_organisation",
            ("id", "name", "kind", "identifier", "region", "created_at", "updated_at"),
            [(org, "Feed Provider Ltd", "provider", "GB-COH-80000001", "", now, now)],
        )
        await self.copy(
            "providers_provider",
            ("id", "organisation_id", "local_authority_id", "name", "postcode", "latitude", "longitude", "status", "published_at",
             "address", "created_at", "updated_at"),
            [(pid, org, la, "Feed Provider", "M1 1AA", 53.4794, -2.2453, "published", now, "1 Feed Street, Manchester", now, now)],
        )  # fmt: skip
        services = [self.uuid() for _ in range(20)]
        await self.copy(
            "providers_service",
            ("id", "provider_id", "name", "kind", "min_age", "max_age", "staff_ratio", "group_size", "price_pence", "booking_mode",
             "cancellation_notice_hours", "booking_window_days", "waiting_list_offer_hours", "created_at", "updated_at"),
            [(sid, pid, f"Feed club {k}", "activity", 0, 25, "group", 8, 0, "instant", 48, 56, 24, now, now)
             for k, sid in enumerate(services)],
        )  # fmt: skip
        family_bookings = 200
        sessions = []
        for k, sid in enumerate(services):
            for d in range(500):  # from 60 days ago, one a day per service, at a different hour per service
                start = self.local(self.today + timedelta(days=d - 60), 7 + k % 12, 30 * (k // 12))
                taken = 1 if k == 0 and d < family_bookings else 0
                sessions.append(_session_row(self.uuid(), sid, start, start + timedelta(minutes=25), 8, taken, "scheduled", now))
        await self.copy("providers_session", SESSION_COLUMNS, sessions)
        family, child = self.uuid(), self.uuid()
        await self.users([(family, "feeds@bench.invalid", "Feed family")], "family", [la], {})
        await self._children([(child, family, la)])
        bookings, places = [], []
        for i in range(family_bookings):
            sess = sessions[i]
            bid = self.uuid()
            bookings.append((bid, f"SB-FD{i // 30:02d}-{i % 30:02d}", family, sess[0], services[0], "confirmed", sess[3], sess[4], 25, 0,
                             False, "", now, now, now))  # fmt: skip
            places.append((self.uuid(), bid, child, sess[0], sess[3], sess[4], True, "family", None, 0, 0, False, now, now))
        await self.copy(
            "bookings_booking",
            ("id", "reference", "family_id", "session_id", "service_id", "status", "starts_at", "ends_at", "minutes", "price_pence",
             "late_cancellation", "reason", "decided_at", "created_at", "updated_at"),
            bookings,
        )  # fmt: skip
        await self.copy(
            "bookings_bookingchild",
            ("id", "booking_id", "child_id", "session_id", "starts_at", "ends_at", "active", "funding_source", "allocation_id",
             "debited_minutes", "debited_pence", "age_override", "created_at", "updated_at"),
            places,
        )  # fmt: skip
        provider_token = f"pf_{uuid.UUID(int=self.rng.getrandbits(128)).hex}"
        family_token = f"ff_{uuid.UUID(int=self.rng.getrandbits(128)).hex}"
        await self.copy(
            "feeds_feedtoken",
            ("id", "kind", "token_hash", "family_id", "child_id", "provider_id", "created_at", "updated_at"),
            [
                (self.uuid(), "provider", _sha256(provider_token), None, None, pid, now, now),
                (self.uuid(), "family", _sha256(family_token), family, None, None, now, now),
            ],
        )
        self.built.provider_feed_token, self.built.family_feed_token = provider_token, family_token
        self.built.provider_feed_events = sum(1 for s in sessions if s[4] >= self.now - timedelta(days=90))
        self.built.family_feed_events = family_bookings

    def _plan(self) -> Plan:
        rng = self.rng
        r = rng.random()
        per = "week" if r < 0.10 else "month" if r < 0.55 else "year"
        return Plan(
            source="tier_decision" if rng.random() < 0.7 else rng.choice(("ehc_plan_h1", "ehc_plan_h2", "child_in_need")),
            per=per,
            pence=per != "week" and rng.random() < 0.12,
            behind=rng.random() < BEHIND_SHARE,
            varied=rng.random() < 0.05,
        )

    async def council(self) -> None:
        """The nightly council: its profile, published statement (universal, targeted and specialist tiers), 20 officers
        (one with a bearer token), its providers, and for each of its 100,000 children an agreed package and a year of
        places.

        Packages: 10 % weekly (3 hours a week), 45 % monthly (6 hours, or £80, a month), 45 % yearly (78 hours, or
        £1,040, a year); 12 % of the monthly and yearly ones in pence; 5 % varied once (a smaller first amount). Tier
        decisions run for the allowance year; EHC plan and child-in-need packages started up to two years ago and run
        for two. Places: one 3-hour place a week (weekly packages) or a fortnight (the rest) from a year ago, two
        booked ahead; past places attended (94 %), no-show (3 %), cancelled by the provider (2 %) or declined (1 %),
        those of the last three days unrecorded four times in ten; future places confirmed, held or requested. About
        10 % of the children fall behind: from 6-16 weeks ago their places were no-shows, cancellations or refusals,
        nothing is booked ahead, and three in ten of them are on a waiting list instead. Places in pounds (this
        allowance year's, for pence packages) are paid from the child's allocation, with the ledger's debits (and
        credits for cancellations), so every balance still equals its ledger.
        """
        from array import array

        rng, now, today = self.rng, self.now, self.today
        org, _region = self.las[COUNCIL_INDEX]
        year = today.year if today.month >= 4 else today.year - 1
        year_start, year_end = date(year, 4, 1), date(year + 1, 3, 31)
        profile, statement = self.uuid(), self.uuid()
        await self.copy(
            "entitlements_councilprofile",
            ("id", "local_authority_id", "slug", "allowance_year_start_month", "allowance_year_start_day", "postcode_districts",
             "decision_target_days", "renewal_target_days", "renewal_invite_weeks", "shortfall_percent", "shortfall_idle_weeks",
             "shortfall_escalate_days", "created_at", "updated_at"),
            [(profile, org, COUNCIL_SLUG, 4, 1, json.dumps([f"TR{n}" for n in range(1, 28)]), 20, 10, 6, 25, 4, 10, now, now)],
        )  # fmt: skip
        await self.copy(
            "entitlements_statement",
            ("id", "council_id", "number", "status", "introduction", "local_needs", "contact_email", "contact_phone", "contact_details",
             "published_at", "created_at", "updated_at"),
            [(statement, profile, 1, "published", "Short breaks for disabled children in the bench council.", "Asked 400 parents.",
              "shortbreaks@bench.invalid", "0100 000 0000", "Short Breaks Team", now, now, now)],
        )  # fmt: skip
        tiers = [
            ("universal", "universal", "Clubs and activities open to all", None, None, ["activity", "holiday_scheme"], ""),
            ("targeted", "targeted", "Short breaks allowance", 78, None, ["activity", "holiday_scheme", "day_care_away"],
             "Apply through this service."),
            ("specialist", "specialist", "Specialist short breaks", None, None, ["overnight_away", "overnight_home", "family_based"],
             "Ask for a children with disabilities assessment."),
        ]  # fmt: skip
        tier_ids = {code: self.uuid() for code, *_ in tiers}
        await self.copy(
            "entitlements_tier",
            ("id", "statement_id", "code", "kind", "name", "position", "criteria", "rules", "hours_per_year", "pence_per_year", "gives",
             "service_kinds", "how_to_apply", "created_at", "updated_at"),
            [(tier_ids[code], statement, code, kind, name, k, "Disabled children in the area.", json.dumps({"min_age": 0, "max_age": 17}),
              hours, pence, "Short breaks.", json.dumps(kinds), how, now, now)
             for k, (code, kind, name, hours, pence, kinds, how) in enumerate(tiers)],
        )  # fmt: skip
        officers = [(self.uuid(), f"officer{i:02d}@bench.invalid", f"Officer {i}") for i in range(COUNCIL_OFFICERS)]
        token = f"sbt_benchofficer_{uuid.UUID(int=rng.getrandbits(128)).hex}"
        await self.users(officers, "la_officer", [org] * len(officers), {officers[0][0]: token})
        self.built.council_id, self.built.council_slug, self.built.council_officer_token = profile, COUNCIL_SLUG, token

        # Providers and services around Truro, priced per place.
        n_providers = self.n("council_providers")
        provider_orgs = [self.uuid() for _ in range(n_providers)]
        await self.copy(
            "core_organisation",
            ("id", "name", "kind", "identifier", "region", "created_at", "updated_at"),
            [(o, f"Bench Council Provider {i:03d}", "provider", f"GB-COH-7{i:07d}", "", now, now) for i, o in enumerate(provider_orgs)],
        )
        providers = [(self.uuid(), o) for o in provider_orgs]
        await self.copy(
            "providers_provider",
            ("id", "organisation_id", "local_authority_id", "name", "postcode", "latitude", "longitude", "status", "published_at",
             "created_at", "updated_at"),
            [(pid, o, org, f"Truro Breaks {i}", f"TR{1 + i % 27} 1AA", 50.26 + rng.uniform(-0.1, 0.1), -5.05 + rng.uniform(-0.1, 0.1),
              "published", now, now, now) for i, (pid, o) in enumerate(providers)],
        )  # fmt: skip
        services = [(self.uuid(), pid) for pid, _ in providers for _ in range(COUNCIL_SERVICES_PER_PROVIDER)]
        await self.copy(
            "providers_service",
            ("id", "provider_id", "name", "kind", "min_age", "max_age", "staff_ratio", "group_size", "price_pence", "booking_mode",
             "cancellation_notice_hours", "booking_window_days", "waiting_list_offer_hours", "created_at", "updated_at"),
            [(sid, pid, f"Truro club {k}", ("activity", "day_care_away", "holiday_scheme", "overnight_away")[k % 4], 0, 25, "group", 20,
              COUNCIL_PRICE_PENCE, "instant", 48, 56, 24, now, now) for k, (sid, pid) in enumerate(services)],
        )  # fmt: skip

        # Tier decisions: the approved application (targeted tier) each records, with the postcode the family gave
        # (the sufficiency report's area).
        children, plans = self.council_children, self.council_plans
        applications: dict[int, uuid.UUID] = {}
        rows = []
        for k, ((cid, fid, aid), plan) in enumerate(zip(children, plans, strict=True)):
            if plan.source != "tier_decision":
                continue
            app = applications[k] = self.uuid()
            decided = self.local(year_start, 10) - timedelta(days=rng.randint(1, 60))
            postcode = f"TR{rng.randint(1, 27)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
            officer = officers[k % COUNCIL_OFFICERS][0]
            answers = json.dumps({"postcode": postcode})
            rows.append((app, f"AB{k:010d}", profile, fid, cid, tier_ids["targeted"], "targeted", "approved", answers,
                         decided - timedelta(days=20), decided, officer, ALLOCATION_MINUTES, aid, decided, decided))  # fmt: skip
        await self.copy(
            "entitlements_application",
            ("id", "reference", "council_id", "family_id", "child_id", "tier_id", "tier_code", "status", "answers", "submitted_at",
             "decided_at", "decided_by_id", "approved_minutes", "allocation_id", "created_at", "updated_at"),
            rows,
        )  # fmt: skip
        del rows

        # Packages and their amounts.
        packages, amounts = [], []
        for k, ((cid, _fid, _aid), plan) in enumerate(zip(children, plans, strict=True)):
            pkg = self.uuid()
            if plan.source == "tier_decision" or plan.pence:
                starts, ends = year_start, year_end
            else:
                starts = today - timedelta(days=rng.randint(30, 700))
                ends = starts + timedelta(days=729)
            officer = officers[k % COUNCIL_OFFICERS][0]
            pattern = {"week": "3 hours every week", "month": "two 3-hour breaks a month", "year": "a 3-hour break a fortnight"}
            packages.append((pkg, profile, cid, plan.source, applications.get(k), "" if k in applications else f"PLAN-{k:06d}", starts,
                             ends, pattern[plan.per], officer, officer, now, now))  # fmt: skip
            minutes, pence = PACKAGE_AMOUNTS[plan.per]
            if plan.pence:
                minutes = None
            else:
                pence = None
            if plan.varied and (today - starts).days > 7:
                amounts.append((self.uuid(), pkg, starts, _two_thirds(minutes), _two_thirds(pence), plan.per, "", officer, now, now))
                varied_on = starts + timedelta(days=rng.randint(1, (today - starts).days))
                amounts.append((self.uuid(), pkg, varied_on, minutes, pence, plan.per, "Changed at the review", officer, now, now))
            else:
                amounts.append((self.uuid(), pkg, starts, minutes, pence, plan.per, "", officer, now, now))
        await self.copy(
            "entitlements_agreedpackage",
            ("id", "council_id", "child_id", "source", "application_id", "source_reference", "starts_on", "ends_on", "pattern",
             "officer_id", "recorded_by_id", "created_at", "updated_at"),
            packages,
        )  # fmt: skip
        await self.copy(
            "entitlements_packageamount",
            ("id", "package_id", "effective_from", "minutes", "pence", "per", "reason", "recorded_by_id", "created_at", "updated_at"),
            amounts,
        )
        self.built.council_children = len(children)
        self.built.council_packages = len(packages)

        # Places: decided child by child into compact arrays (millions of them), sessions made as they are needed.
        first_day = today - timedelta(days=COUNCIL_HISTORY_DAYS)
        session_index: dict[tuple[int, int, int], int] = {}
        session_keys: list[tuple[int, int, int]] = []
        taken = array("i")
        p_child, p_session, p_outcome = array("i"), array("i"), array("b")
        waiting: list[tuple[int, int]] = []  # (child index, session index)

        def session(service: int, slot: int, ordinal: int) -> int:
            key = (service, slot, ordinal)
            idx = session_index.get(key)
            if idx is None:
                idx = session_index[key] = len(session_keys)
                session_keys.append(key)
                taken.append(0)
            return idx

        today_ord, first_ord = today.toordinal(), first_day.toordinal()
        recent = today_ord - 3
        for ci, plan in enumerate(plans):
            service, slot = rng.randrange(len(services)), rng.randrange(len(COUNCIL_SLOTS))
            step = 7 if plan.per == "week" else 14
            horizon = today_ord + 2 * step - 1
            ordinal = first_ord + (rng.randrange(step) - first_ord) % step
            stops = today_ord - 7 * rng.randint(6, 16) if plan.behind else horizon + 1
            waited = False
            while ordinal <= horizon:
                if ordinal >= stops:
                    if ordinal < today_ord:
                        r = rng.random()
                        outcome = 1 if r < 0.5 else 2 if r < 0.85 else 3
                    else:
                        if not waited and rng.random() < 0.3:
                            waiting.append((ci, session(service, slot, ordinal)))
                        waited = True
                        ordinal += step
                        continue
                elif ordinal < today_ord:
                    r = rng.random()
                    if ordinal >= recent and r < 0.4:
                        outcome = 4
                    else:
                        r = rng.random()
                        outcome = 0 if r < 0.94 else 1 if r < 0.97 else 2 if r < 0.99 else 3
                else:
                    r = rng.random()
                    outcome = 5 if r < 0.92 else 6 if r < 0.95 else 7
                idx = session(service, slot, ordinal)
                p_child.append(ci)
                p_session.append(idx)
                p_outcome.append(outcome)
                if outcome not in (2, 3):
                    taken[idx] += 1
                ordinal += step
        self.built.council_places = len(p_child)
        self.built.council_behind = sum(1 for p in plans if p.behind)

        session_ids = [self.uuid() for _ in session_keys]
        starts_of: list[datetime] = []
        for _service, slot, ordinal in session_keys:
            starts_of.append(self.local(date.fromordinal(ordinal), COUNCIL_SLOTS[slot]))

        def session_rows() -> Iterator[tuple[object, ...]]:
            for idx, (service, _slot, _ordinal) in enumerate(session_keys):
                start = starts_of[idx]
                cap, end = max(12, taken[idx]), start + timedelta(hours=3)
                yield _session_row(session_ids[idx], services[service][0], start, end, cap, taken[idx], "scheduled", now)

        await self.copy("providers_session", SESSION_COLUMNS, session_rows())

        booking_base = rng.getrandbits(64) << 64
        place_base = rng.getrandbits(64) << 64
        pence_children = {ci for ci, p in enumerate(plans) if p.pence}
        allocation_year_starts = self.local(year_start, 0)

        def booking_id(k: int) -> uuid.UUID:
            return uuid.UUID(int=booking_base | k, version=4)

        def paid(k: int) -> bool:
            """This place is paid from the child's allocation (pence packages, this allowance year)."""
            return p_child[k] in pence_children and starts_of[p_session[k]] >= allocation_year_starts

        def bookings() -> Iterator[tuple[object, ...]]:
            for k in range(len(p_child)):
                idx = p_session[k]
                start = starts_of[idx]
                status = OUTCOMES[p_outcome[k]][0]
                decided = None if status in ("held", "requested") else min(now, start - timedelta(days=1))
                cancelled = start - timedelta(days=2) if status == "cancelled_by_provider" else None
                price = 0 if paid(k) or p_child[k] not in pence_children else COUNCIL_PRICE_PENCE
                yield (booking_id(k), f"NB{k:010d}", children[p_child[k]][1], session_ids[idx], services[session_keys[idx][0]][0], status,
                       start, start + timedelta(hours=3), 180, price, decided, cancelled, now, now)  # fmt: skip

        await self.copy(
            "bookings_booking",
            ("id", "reference", "family_id", "session_id", "service_id", "status", "starts_at", "ends_at", "minutes", "price_pence",
             "decided_at", "cancelled_at", "created_at", "updated_at"),
            bookings(),
        )  # fmt: skip

        def places() -> Iterator[tuple[object, ...]]:
            for k in range(len(p_child)):
                idx = p_session[k]
                start = starts_of[idx]
                _status, active, attendance = OUTCOMES[p_outcome[k]]
                allocation, debited = (children[p_child[k]][2], COUNCIL_PRICE_PENCE) if paid(k) else (None, 0)
                yield (uuid.UUID(int=place_base | k, version=4), booking_id(k), children[p_child[k]][0], session_ids[idx], start,
                       start + timedelta(hours=3), active, "allocation" if allocation else "family", allocation, 0, debited, False,
                       attendance, now, now)  # fmt: skip

        await self.copy(
            "bookings_bookingchild",
            ("id", "booking_id", "child_id", "session_id", "starts_at", "ends_at", "active", "funding_source", "allocation_id",
             "debited_minutes", "debited_pence", "age_override", "attendance", "created_at", "updated_at"),
            places(),
        )  # fmt: skip

        # The allocations that pay for places in pounds: a grant in pence, a debit per place, a credit per place the
        # provider cancelled or declined; then their balances from the ledger.
        grant = 40 * COUNCIL_PRICE_PENCE

        def ledger() -> Iterator[tuple[object, ...]]:
            for ci in sorted(pence_children):
                yield (self.uuid(), children[ci][2], "grant", 0, grant, None, "bench allocation in pounds", None, now)
            for k in range(len(p_child)):
                if paid(k):
                    aid = children[p_child[k]][2]
                    yield (self.uuid(), aid, "debit", 0, -COUNCIL_PRICE_PENCE, booking_id(k), "", None, now)
                    if p_outcome[k] in (2, 3):
                        yield (self.uuid(), aid, "credit", 0, COUNCIL_PRICE_PENCE, booking_id(k), "refused or cancelled", None, now)

        await self.copy(
            "bookings_allocationentry",
            ("id", "allocation_id", "kind", "minutes", "pence", "booking_id", "reason", "actor_id", "created_at"),
            ledger(),
        )
        await self.conn.execute(
            """UPDATE bookings_allocation a SET in_pence = TRUE, balance_pence = e.pence
               FROM (SELECT allocation_id, sum(pence) AS pence FROM bookings_allocationentry GROUP BY allocation_id
                     HAVING sum(pence) <> 0) e
               WHERE e.allocation_id = a.id AND a.id = ANY($1::uuid[])""",
            [children[ci][2] for ci in pence_children],
        )
        await self.copy(
            "bookings_waitinglistentry",
            ("id", "session_id", "family_id", "child_id", "status", "priority", "joined_at", "created_at", "updated_at"),
            [(self.uuid(), session_ids[idx], children[ci][1], children[ci][0], "waiting", 0, now - timedelta(days=rng.randint(1, 20)), now,
              now) for ci, idx in waiting],
        )  # fmt: skip

    async def grants(self) -> None:
        rng, now = self.rng, self.now
        funder_user = self.uuid()
        token = f"sbt_benchfunder_{uuid.UUID(int=rng.getrandbits(128)).hex}"
        await self.users([(funder_user, "funder@bench.invalid", "Bench funder")], "funder", [self.funder_org], {funder_user: token})
        self.built.funder_token = token
        fund_id, round_id = self.uuid(), self.uuid()
        n_awards = self.n("awards")
        lines_per_award = max(1, self.n("expenditure_lines") // n_awards)
        awards = []
        for i in range(n_awards):
            amount = rng.randint(200, 800) * 10_000
            la, region = rng.choice(self.las)
            awards.append((self.uuid(), rng.choice(self.charities), la, region, amount, i))
        total_awarded = sum(a[4] for a in awards)
        fund_total = max(3_000_000_000, total_awarded * 2)
        await self.copy(
            "grants_fund",
            ("id", "name", "funder_id", "total_pence", "currency", "starts_on", "ends_on",
             "grant_id_prefix", "allocated_pence", "awarded_pence", "line_tolerance_percent", "disclosure_threshold",
             "created_at", "updated_at"),
            [(fund_id, "Bench Short Breaks Fund", self.funder_org, fund_total, "GBP", date(2024, 4, 1), date(2028, 3, 31), "360G-bench",
              fund_total, total_awarded, 10, 5, now, now)],
        )  # fmt: skip
        await self.copy(
            "grants_round",
            ("id", "fund_id", "name", "code", "budget_pence", "awarded_pence", "starts_on", "ends_on", "created_at", "updated_at"),
            [(round_id, fund_id, "Round 1", "R1", fund_total, total_awarded, date(2024, 4, 1), date(2025, 3, 31), now, now)],
        )
        await self.copy(
            "grants_award",
            ("id", "fund_id", "round_id", "recipient_id", "local_authority_id", "reference", "title", "description", "amount_pence",
             "awarded_on", "planned_start", "planned_end", "region", "status", "paid_pence", "approved_pence", "created_at", "updated_at"),
            ((aid, fund_id, round_id, rec, la, f"BENCH-{i:05d}", f"Short breaks award {i}", "Short breaks for disabled children", amount,
              date(2024, 5, 1), date(2024, 6, 1), date(2027, 3, 31), region, "active", amount // 2, amount // 3, now, now)
             for aid, rec, la, region, amount, i in awards),
        )  # fmt: skip
        years = (2024, 2025, 2026)
        await self.copy(
            "grants_budgetline",
            ("id", "award_id", "category", "financial_year", "kind", "amount_pence", "created_at", "updated_at"),
            ((self.uuid(), a[0], c, y, "revenue", a[4] // 24, now, now) for a in awards for c in CATEGORIES for y in years),
        )
        periods = [(y, q) for y in years for q in (1, 2, 3, 4) if (y, q) <= (2026, 2)]
        returns = []
        for a in awards:
            for y, q in periods:
                returns.append((self.uuid(), a[0], y, q, "approved", funder_user, now, funder_user, now, funder_user, "", False, now, now))
        await self.copy(
            "grants_spendreturn",
            (
                "id",
                "award_id",
                "financial_year",
                "quarter",
                "status",
                "created_by_id",
                "submitted_at",
                "submitted_by_id",
                "decided_at",
                "decided_by_id",
                "decision_reason",
                "over_budget_approved",
                "created_at",
                "updated_at",
            ),
            returns,
        )
        per_return = max(1, lines_per_award // len(periods))

        def lines() -> Iterator[tuple[object, ...]]:
            k = 0
            for r in returns:
                y, q = r[2], r[3]
                first_month = 4 + 3 * (q - 1)
                for _ in range(per_return):
                    m = first_month + rng.randint(0, 2)
                    yr = y if m <= 12 else y + 1
                    m = m if m <= 12 else m - 12
                    spent = date(yr, m, rng.randint(1, 28))
                    k += 1
                    yield (
                        k,
                        r[0],
                        spent,
                        rng.randint(500, 250_000),
                        rng.choice(CATEGORIES),
                        "bench spend",
                        f"INV-{k}",
                        y,
                        q,
                        spent.replace(day=1),
                        now,
                    )

        cols = ("id", "spend_return_id", "spent_on", "amount_pence", "category", "description", "evidence_reference")
        await self.copy("grants_expenditureline", (*cols, "financial_year", "quarter", "spent_month", "created_at"), lines())
        if await self.conn.fetchval("SELECT pg_get_serial_sequence('grants_expenditureline', 'id')"):
            await self.conn.execute(
                "SELECT setval(pg_get_serial_sequence('grants_expenditureline', 'id'), (SELECT max(id) FROM grants_expenditureline))"
            )
        self.built.fund_id, self.built.round_id = fund_id, round_id
        self.built.region = awards[0][3]


def _two_thirds(value: int | None) -> int | None:
    return None if value is None else max(1, value * 2 // 3)


SESSION_COLUMNS = ("id", "service_id", "rule_id", "starts_at", "ends_at", "local_date", "local_weekday", "capacity", "places_taken")
SESSION_COLUMNS += ("status", "blocked", "sequence", "created_at", "updated_at")


def _session_row(
    sid: uuid.UUID, service_id: uuid.UUID, start: datetime, end: datetime, capacity: int, taken: int, status: str, now: datetime
) -> tuple[object, ...]:
    local = start.astimezone(LONDON)
    return (sid, service_id, None, start, end, local.date(), local.weekday(), capacity, taken, status, False, 0, now, now)


async def build(dsn: str, *, scale: float, postcodes: Path | None) -> Built:
    conn = await asyncpg.connect(dsn)
    try:
        return await Builder(conn, scale=scale, postcodes=postcodes).build()
    finally:
        await conn.close()
