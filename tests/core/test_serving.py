"""``shortbreaks serve --workers 2``, the real command: gunicorn with uvicorn workers, each
accepting on its own ``SO_REUSEPORT`` socket.

What matters to operators: both workers take connections (counted per process from /proc, as
``ss`` does), a killed worker is replaced and its replacement takes its share, a second server on
the same port fails at once with a clear message instead of silently sharing the traffic, and
SIGTERM stops everything.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="SO_REUSEPORT spreads connections on Linux only; /proc is read")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# --- the real server --------------------------------------------------------------------------


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _established_by_process(pids: set[int], port: int) -> dict[int, int]:
    """How many established connections to ``port`` each process holds (from /proc, as ss does)."""
    established = _tcp(port, "01")
    return {pid: len(_sockets(pid) & established) for pid in pids}


def _open_connections(port: int, n: int) -> list[socket.socket]:
    """``n`` keep-alive connections, each having had one answer to GET /healthz."""
    conns = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(n)]
    for conn in conns:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    for conn in conns:
        assert conn.recv(65536).startswith(b"HTTP/1.1 200")
    return conns


def _sockets(pid: int) -> set[str]:
    """Inodes of the sockets ``pid`` holds; none once it has exited (a killed worker may vanish
    between listing the master's children and reading their descriptors)."""
    inodes = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except (FileNotFoundError, ProcessLookupError):
        return inodes
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _tcp(port: int, state: str) -> set[str]:
    """Inodes of the sockets on local ``port`` in ``state`` (01 established, 0A listening)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                found.add(fields[9])
    return found


def _wait_for_workers(parent: subprocess.Popen[str], port: int, n: int, *, not_in: frozenset[int] = frozenset()) -> set[int]:
    """gunicorn's workers (the master's children listening on ``port``), once there are ``n`` of
    them and none is in ``not_in``."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert parent.poll() is None, "the server stopped"
        listening = _tcp(port, "0A")
        workers = {pid for pid in _children(parent.pid) if _sockets(pid) & listening}
        if len(workers) == n and not workers & not_in:
            return workers
        time.sleep(0.2)
    raise AssertionError(f"{n} workers did not start listening")


def _wait_until_serving(workers: set[int], port: int) -> None:
    """Until each worker has answered a request: a worker listens before its app has started, and
    counting must happen within the keep-alive timeout (gunicorn's 2 s) of the answers."""
    seen: set[int] = set()
    deadline = time.monotonic() + 120
    while seen != workers:
        assert time.monotonic() < deadline, f"workers {workers - seen} never answered"
        [conn] = _open_connections(port, 1)
        seen |= {pid for pid, count in _established_by_process(workers, port).items() if count}
        conn.close()


def _in_group(group: int) -> set[int]:
    """The processes in process group ``group``: the server's master and its workers (gunicorn
    leaves its workers in the master's group; workers orphaned by a dead master stay in it)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == group and fields[0] != "Z":
                found.add(int(entry.name))
    return found


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    env |= {"SHORTBREAKS_VAR_DIR": str(tmp_path), "PORT": str(port)}
    args = [sys.executable, "-m", "shortbreaks", "serve", "--workers", "2"]
    with (tmp_path / "server.log").open("w") as log:  # a file, not a pipe nobody reads while it serves
        parent = subprocess.Popen(args, env=env, stdout=log, stderr=log, text=True, start_new_session=True)
    try:
        yield parent, port
    finally:
        if _in_group(parent.pid):
            os.killpg(parent.pid, signal.SIGKILL)
        parent.wait()


def test_serve_with_two_workers_spreads_connections_and_replaces_a_dead_worker(
    server: tuple[subprocess.Popen[str], int], tmp_path: Path
) -> None:
    parent, port = server
    workers = _wait_for_workers(parent, port, 2)
    _wait_until_serving(workers, port)

    conns = _open_connections(port, 40)
    counts = _established_by_process(workers, port)
    assert sum(counts.values()) == 40 and min(counts.values()) >= 5, counts  # fewer by chance: 2 in 10^7
    for conn in conns:
        conn.close()

    killed = min(workers)
    os.kill(killed, signal.SIGKILL)
    replaced = _wait_for_workers(parent, port, 2, not_in=frozenset({killed}))
    assert killed not in replaced
    _wait_until_serving(replaced, port)
    conns = _open_connections(port, 40)
    counts = _established_by_process(replaced, port)
    assert sum(counts.values()) == 40 and min(counts.values()) >= 5, counts  # the replacement has its own socket
    for conn in conns:
        conn.close()

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    second = subprocess.run(
        [sys.executable, "-m", "shortbreaks", "serve", "--workers", "2", "--port", str(port)],
        env=env | {"SHORTBREAKS_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert second.returncode == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in second.stderr

    parent.send_signal(signal.SIGTERM)
    assert parent.wait(timeout=40) == 0
    deadline = time.monotonic() + 10  # the master has reaped its workers; let the kernel tidy up
    while _in_group(parent.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _in_group(parent.pid) == set()
