"""Backup and restore, as docs/operations.md describes it: ``pg_dump -Fc``, ``pg_restore`` into a
fresh database, then ``shortbreaks migrate`` applies nothing and every row is there.

Runs on the PostgreSQL run (CI's second pass), against a new database on that server that it drops afterwards.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from starlette.applications import Starlette

from bookings.models import Booking
from shortbreaks.demo import load_demo_data
from shortbreaks.settings import Settings
from tests.conftest import need
from tests.factories import NOW

pytestmark = pytest.mark.postgres


def libpq_url(url: str, database: str | None = None) -> str:
    parts = urlsplit(url)
    path = f"/{database}" if database is not None else parts.path
    return urlunsplit(("postgresql", parts.netloc, path, "", ""))


async def table_contents(url: str) -> tuple[dict[str, int], list[tuple[str, str]]]:
    conn = await asyncpg.connect(url)
    try:
        tables = [
            r["table_name"]
            for r in await conn.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
        ]
        # Table names come from the catalogue just read; a name cannot be a query parameter.
        counts = {t: await conn.fetchval(f'SELECT count(*) FROM "{t}"') for t in sorted(tables)}  # noqa: S608 — catalogue names, quoted
        bookings = [(str(r["id"]), r["status"]) for r in await conn.fetch("SELECT id, status FROM bookings_booking ORDER BY id")]
        return counts, bookings
    finally:
        await conn.close()


async def test_a_pg_dump_restored_into_a_fresh_database_has_every_row_and_needs_no_migration(
    app: Starlette, settings: Settings, tmp_path: Path
) -> None:
    need(shutil.which("pg_dump") is not None and shutil.which("pg_restore") is not None, "pg_dump and pg_restore are installed")
    assert await load_demo_data(settings, now=NOW) is True
    assert await Booking.all().count() > 0, "the demo data has bookings to find again"

    source = libpq_url(settings.database_url)
    restored_name = f"{urlsplit(source).path.lstrip('/')}_restore_{secrets.token_hex(4)}"
    restored = libpq_url(settings.database_url, restored_name)
    dump = tmp_path / "shortbreaks.dump"
    admin = await asyncpg.connect(libpq_url(settings.database_url, "postgres"))
    try:
        await asyncio.to_thread(subprocess.run, ["pg_dump", "-Fc", "--no-owner", "-d", source, "-f", str(dump)], check=True, timeout=300)
        await admin.execute(f'CREATE DATABASE "{restored_name}" TEMPLATE template0')
        await asyncio.to_thread(
            subprocess.run, ["pg_restore", "--no-owner", "--exit-on-error", "-d", restored, str(dump)], check=True, timeout=300
        )

        env = {**os.environ, "DATABASE_URL": restored, "SHORTBREAKS_ENV": "test", "SHORTBREAKS_VAR_DIR": str(tmp_path / "var")}
        env.pop("REDIS_URL", None)
        migrated = await asyncio.to_thread(
            subprocess.run,
            [str(Path(sys.executable).with_name("shortbreaks")), "migrate"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert migrated.returncode == 0, migrated.stderr
        assert "applied " not in migrated.stdout.replace("migrations applied", ""), "migrate after a restore applies nothing"

        before_counts, before_bookings = await table_contents(source)
        after_counts, after_bookings = await table_contents(restored)
        assert after_counts == before_counts
        assert after_bookings == before_bookings
        assert before_counts["bookings_booking"] == len(before_bookings) > 0
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
        await admin.close()
