"""Several server processes, each accepting connections on its own socket (Linux ``SO_REUSEPORT``).

Why: uvicorn's ``--workers`` binds one socket in the parent and every worker accepts from it.
The kernel wakes the most recent waiter first and a woken worker accepts everything queued, so
one process takes most connections while the other idles. Measured here with two workers and
connections opened at once: 4 connections all went to one process in 7 trials of 12, and 100
connections split anywhere from 52/48 to 100/0. A booking rush then runs on one core of two, and
a benchmark's figures depend on how the kernel happened to deal the connections
(bench/README.md). With a socket per process in one ``SO_REUSEPORT`` group the kernel spreads
connections by a hash of their addresses: 100 split 50/50 to 57/43 in six trials.

How: uvicorn's own supervisor still starts, watches, restarts and stops the workers; it is
handed a :class:`ReusePortListener` in place of a socket. The supervisor pickles what it gives
each worker it spawns (and each replacement of a worker that died), and unpickling this listener
opens the worker's own socket. Before starting, the parent checks the address is free, so a
second server on the same port fails at once instead of silently sharing its traffic.

Elsewhere (not Linux, port 0, one worker) ``serve`` runs uvicorn as usual.
"""

from __future__ import annotations

import logging
import socket
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import uvicorn

log = logging.getLogger("uvicorn.error")


def reuse_port_balances(port: int) -> bool:
    """Whether per-process sockets spread connections here: Linux only (elsewhere ``SO_REUSEPORT``
    lets sockets share a port but does not balance), and a fixed port (with 0 each would get its own)."""
    return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT") and port != 0


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def open_reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` in the address's ``SO_REUSEPORT`` group (not yet listening:
    the server calls ``listen`` with its backlog)."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


@dataclass(frozen=True)
class ReusePortListener:
    """An address each worker process opens for itself: unpickling it (as the supervisor's spawned
    worker does with its arguments) returns :func:`open_reuse_port_socket`'s socket."""

    host: str
    port: int

    def __reduce__(self) -> tuple[Any, tuple[str, int]]:
        return open_reuse_port_socket, (self.host, self.port)


def check_address_free(host: str, port: int) -> None:
    """Raise ``OSError`` if anything listens on ``host:port``, a reuse-port group included: a bind
    without ``SO_REUSEPORT`` fails on an address such a group holds."""
    probe = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn's bind: TIME_WAIT is no conflict
        probe.bind((host, port))
    finally:
        probe.close()


def run_workers(config: uvicorn.Config) -> int:
    """Run ``config.workers`` uvicorn processes under uvicorn's supervisor, each with its own socket
    on ``config``'s TCP host and port. Returns the exit status."""
    from uvicorn.supervisors import Multiprocess

    try:
        check_address_free(config.host, config.port)
    except OSError as exc:
        log.error("Cannot listen on %s:%d: %s", config.host, config.port, exc)
        return 1
    log.info(
        "Uvicorn running on http://%s:%d with %d worker processes, each accepting on its own socket (SO_REUSEPORT)",
        config.host,
        config.port,
        config.workers,
    )
    listener = cast(socket.socket, ReusePortListener(config.host, config.port))
    Multiprocess(config, sockets=[listener]).run()
    return 0
