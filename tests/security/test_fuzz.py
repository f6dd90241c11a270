"""Fuzz the JSON API with schemathesis, as each kind of user.

The app runs in this test's event loop behind a real uvicorn server on a loopback port (the
lifespan is the ``app`` fixture's, so the fuzzer and the fixture world share one database and
the frozen clock); the schemathesis command line drives it from a subprocess, once per role,
with that role's bearer token. Every check is on: no 5xx, every response matches its declared
status, content type and schema, and invalid input (negative mode) is rejected.

Bounded for ``make test`` (a fixed seed, few examples per operation); ``make fuzz`` sets
``FUZZ_MAX_EXAMPLES`` (and ``FUZZ_SEED``) for a longer run.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette

from tests.security.conftest import World, build_world
from tests.waiting import wait_until

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "3"))
SEED = os.environ.get("FUZZ_SEED", "20260610")
# ``make fuzz`` fuzzes every operation as every role; ``make test`` each role's own operations.
EVERYTHING = os.environ.get("FUZZ_ALL_OPERATIONS") == "1"
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
# Each role's own part of the API (a regular expression over paths), for the bounded run.
SCOPES = {
    "anonymous": r"^/(healthz|readyz|api/v1/services|api/v1/auth/tokens$|api/v1/funds/.*/360giving|api/v1/councils/)",
    "family": r"^/api/v1/(me|children|bookings|sessions|waiting-list|allocations|my-data|applications)",
    "staff": r"^/api/v1/(providers|services|rules|closures|provider/)",
    "officer": r"^/api/v1/(authority|providers|councils)",
    "grantee": r"^/api/v1/(funds|awards|returns)",
    "funder": r"^/api/v1/(funds|rounds|awards|tranches|returns)",
}
# Operations that would end the run's own credentials or data: tested directly elsewhere.
EXCLUDED_PATHS = [
    "/api/v1/auth/tokens/current",  # revokes the fuzzer's token (tests/core/test_accounts.py)
    "/api/v1/my-data/erase",  # erases the family (tests/bookings/)
]


async def _serve(app: Starlette) -> tuple[uvicorn.Server, asyncio.Task[None], str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    # uvicorn.Server offers only this flag, no event.
    await wait_until(lambda: server.started, timeout=30, what="uvicorn to start serving")
    return server, task, f"http://127.0.0.1:{port}"


async def _fuzz(base_url: str, role: str, token: str | None, world: World, folder: Path) -> tuple[int, str]:
    folder.mkdir()  # noqa: ASYNC240  # a tiny local write before a minutes-long subprocess
    # Path parameters name the world's records, so the fuzzer reaches past the 404s.
    parameters = "\n".join(f'"path.{name}" = "{value}"' for name, value in world.path_values().items())
    (folder / "schemathesis.toml").write_text(f"[parameters]\n{parameters}\n")
    args = [
        str(SCHEMATHESIS),
        "--config-file",
        str(folder / "schemathesis.toml"),
        "run",
        f"{base_url}/api/openapi.json",
        "--checks",
        "all",
        "--exclude-checks",
        # Record-level 404s for ids the fuzzer makes up are the design, not a flaw; the
        # access-control matrix (test_access_matrix.py) covers who sees whose records.
        "use_after_free,ensure_resource_availability,positive_data_acceptance",
        "--mode",
        "all",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        SEED,
        "--workers",
        "1",
        "--no-color",
        "--output-truncate",
        "true",
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "20",
    ]
    for path in EXCLUDED_PATHS:
        args += ["--exclude-path", path]
    if not EVERYTHING:
        args += ["--include-path-regex", SCOPES[role]]
    if token:
        args += ["--header", f"Authorization: Bearer {token}"]
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=folder, env={**os.environ, "NO_COLOR": "1"}
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode(errors="replace")


async def test_api_survives_fuzzing(app: Starlette, tmp_path: Path) -> None:
    """Every role fuzzes at once (separate processes) against one server: no 5xx, no schema breaks, no invalid input accepted."""
    world = await build_world()
    tokens = {role: None if role == "anonymous" else await world.token(role) for role in SCOPES}
    server, task, base_url = await _serve(app)
    try:
        results = await asyncio.gather(*(_fuzz(base_url, role, token, world, tmp_path / role) for role, token in tokens.items()))
    finally:
        server.should_exit = True
        await task
    failed = {role: output for role, (code, output) in zip(tokens, results, strict=True) if code != 0}
    assert not failed, "\n\n".join(f"===== as {role} =====\n{output[-15000:]}" for role, output in failed.items())
