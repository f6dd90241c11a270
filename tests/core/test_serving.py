"""Several server processes share the load: each accepts on its own SO_REUSEPORT socket.

With uvicorn's one shared socket, connections opened together mostly land on one process
(``shortbreaks.serving`` has the figures). These tests check the mechanism (two listeners from
pickled ``ReusePortListener``s share connections), the address check, and the real
``shortbreaks serve --workers 2``: both workers take connections, a killed worker's replacement
opens its own socket and takes its share, a second server on the port fails at once, and SIGTERM
stops everything.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

import pytest

from shortbreaks.serving import ReusePortListener, check_address_free, reuse_port_balances

pytestmark = pytest.mark.skipif(not reuse_port_balances(8000), reason="SO_REUSEPORT balances connections on Linux only")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def as_a_spawned_worker_receives(listener: ReusePortListener) -> socket.socket:
    """What a worker process gets: the listener pickled as multiprocessing's spawn does, then unpickled."""
    sock: socket.socket = pickle.loads(ForkingPickler.dumps(listener))  # noqa: S301 - our own bytes, as spawn's
    return sock


def accept_all(listener: socket.socket) -> list[socket.socket]:
    accepted = []
    listener.setblocking(False)
    while select.select([listener], [], [], 0.2)[0]:
        try:
            accepted.append(listener.accept()[0])
        except BlockingIOError:
            break
    return accepted


def test_each_unpickled_listener_is_its_own_socket_and_they_share_connections() -> None:
    port = free_port()
    listener = ReusePortListener("127.0.0.1", port)
    first, second = as_a_spawned_worker_receives(listener), as_a_spawned_worker_receives(listener)
    clients: list[socket.socket] = []
    try:
        assert isinstance(first, socket.socket) and first.fileno() != second.fileno()
        assert first.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
        first.listen(256)
        second.listen(256)
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(200)]
        counts = [len(accept_all(first)), len(accept_all(second))]
        assert sum(counts) == 200
        assert min(counts) >= 40, counts  # a fair split is 100 ± 7; one shared socket gave 100/0
    finally:
        for sock in [*clients, first, second]:
            sock.close()


def test_the_address_check_refuses_a_port_anything_listens_on() -> None:
    port = free_port()
    check_address_free("127.0.0.1", port)
    with socket.socket() as plain:
        plain.bind(("127.0.0.1", port))
        plain.listen()
        with pytest.raises(OSError):
            check_address_free("127.0.0.1", port)
    group = as_a_spawned_worker_receives(ReusePortListener("127.0.0.1", port))
    try:
        group.listen()
        with pytest.raises(OSError):
            check_address_free("127.0.0.1", port)
    finally:
        group.close()


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
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
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
    """The parent's children listening on ``port`` (not multiprocessing's resource tracker), once
    there are ``n`` of them and none is in ``not_in``."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert parent.poll() is None, parent.communicate()[1][-2000:]
        listening = _tcp(port, "0A")
        workers = {pid for pid in _children(parent.pid) if _sockets(pid) & listening}
        if len(workers) == n and not workers & not_in:
            return workers
        time.sleep(0.2)
    raise AssertionError(f"{n} workers did not start listening")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    env |= {"SHORTBREAKS_VAR_DIR": str(tmp_path), "PORT": str(port)}
    args = [sys.executable, "-m", "shortbreaks", "serve", "--workers", "2"]
    parent = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        yield parent, port
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
            for pid in _children(parent.pid):
                os.kill(pid, signal.SIGKILL)


def test_serve_with_two_workers_spreads_connections_and_replaces_a_dead_worker(
    server: tuple[subprocess.Popen[str], int], tmp_path: Path
) -> None:
    parent, port = server
    workers = _wait_for_workers(parent, port, 2)

    conns = _open_connections(port, 40)
    counts = _established_by_process(workers, port)
    assert sum(counts.values()) == 40 and min(counts.values()) >= 5, counts  # fewer by chance: 2 in 10^7
    for conn in conns:
        conn.close()

    killed = min(workers)
    os.kill(killed, signal.SIGKILL)
    replaced = _wait_for_workers(parent, port, 2, not_in=frozenset({killed}))
    assert killed not in replaced
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
    assert parent.wait(timeout=30) == 0
    assert not _children(parent.pid)
