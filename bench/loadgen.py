"""A small, fast HTTP/1.1 load generator: asyncio streams, keep-alive, minimal parsing.

Each virtual client owns one keep-alive connection and sends its next request when the
previous response has been read in full (closed loop). Requests are prepared as bytes up
front, so the hot loop is: write, read the head, find Content-Length (or decode chunks),
read the body, record (status, latency). No header dict, no URL parsing, no JSON unless a
scenario asks for the body.

``python -m bench.loadgen URL`` measures this client against a trivial endpoint, and
``--httpx`` measures httpx on the same endpoint, which is how the choice was made.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Request:
    method: str
    path: str
    body: bytes = b""
    headers: Sequence[tuple[str, str]] = ()
    tag: object = None  # returned with the result (e.g. the family this request is for)

    def encode(self, host: str) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}", "User-Agent: shortbreaks-bench"]
        lines += [f"{k}: {v}" for k, v in self.headers]
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            lines.append("Content-Type: application/json")
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


@dataclass
class Result:
    status: int
    seconds: float
    body: bytes
    tag: Any  # whatever the scenario attached to its request (e.g. ("book", family))
    headers: bytes = b""


@dataclass
class RunStats:
    results: list[Result] = field(default_factory=list)
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0  # this (load) process's own CPU time during the run
    errors: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.results)

    @property
    def rps(self) -> float:
        return self.count / self.wall_seconds if self.wall_seconds else 0.0

    def latencies_ms(self) -> list[float]:
        return sorted(r.seconds * 1000 for r in self.results)

    def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.results:
            counts[str(r.status)] = counts.get(str(r.status), 0) + 1
        return dict(sorted(counts.items()))


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted values (0.0 when there are none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), round(pct / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


class ConnectionClosed(Exception):
    pass


class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=1 << 22)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    async def send(self, raw: bytes, *, keep_body: bool = True) -> tuple[int, bytes, bytes]:
        """Send one request; return (status, head, body). Reconnects once if the server closed an idle connection."""
        for attempt in (1, 2):
            if self.writer is None:
                await self.open()
            assert self.reader is not None and self.writer is not None
            self.writer.write(raw)
            try:
                return await self._read(keep_body)
            except (ConnectionClosed, ConnectionResetError, asyncio.IncompleteReadError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _read(self, keep_body: bool) -> tuple[int, bytes, bytes]:
        reader = self.reader
        assert reader is not None
        head = await reader.readuntil(b"\r\n\r\n")
        if not head:
            raise ConnectionClosed()
        status = int(head[9:12])
        lower = head.lower()
        i = lower.find(b"\r\ncontent-length:")
        if i >= 0:
            j = lower.index(b"\r\n", i + 2)
            length = int(head[i + 17 : j])
            body = await reader.readexactly(length) if length else b""
        elif b"\r\ntransfer-encoding: chunked" in lower:
            chunks = []
            while True:
                size_line = await reader.readuntil(b"\r\n")
                size = int(size_line.split(b";", 1)[0], 16)
                chunk = await reader.readexactly(size + 2)
                if size == 0:
                    break
                chunks.append(chunk[:-2])
            body = b"".join(chunks)
        else:
            body = b""
        if b"\r\nconnection: close" in lower:
            self.close()
        return status, head, body if keep_body else b""


async def run(
    requests: Sequence[Request] | Callable[[int], Request | None],
    *,
    host: str,
    port: int,
    concurrency: int,
    duration: float | None = None,
    keep_body: bool = False,
    on_result: Callable[[Result], Request | None] | None = None,
    warm: bool = True,
) -> RunStats:
    """Send ``requests`` over ``concurrency`` keep-alive connections, all starting at the same moment.

    ``requests`` is a list (each sent once, in order, by whichever connection is free) or a
    factory called with a sequence number until it returns ``None`` or ``duration`` runs out.
    ``on_result`` may return a follow-up request, sent at once on the same connection
    (e.g. "join the waiting list" after a 409); its result is recorded too.
    """
    host_header = f"{host}:{port}"
    stats = RunStats()
    counter = 0
    if callable(requests):
        factory = requests
    else:
        items = list(requests)

        def factory(n: int) -> Request | None:
            return items[n] if n < len(items) else None

    conns = [Connection(host, port) for _ in range(concurrency)]
    if warm:  # connect first, so the measured burst starts with every connection open
        await asyncio.gather(*(c.open() for c in conns))
    start_gate = asyncio.Event()
    deadline = 0.0
    perf = time.perf_counter
    append = stats.results.append

    async def client(conn: Connection) -> None:
        nonlocal counter
        await start_gate.wait()
        while True:
            if duration is not None and perf() >= deadline:
                return
            n = counter
            counter += 1
            req = factory(n)
            if req is None:
                return
            while req is not None:
                raw = req.encode(host_header)
                t0 = perf()
                try:
                    status, head, body = await conn.send(raw, keep_body=keep_body)
                except Exception as exc:  # a broken connection is a failed request, recorded as status 0
                    stats.errors.append(f"{type(exc).__name__}: {exc}")
                    status, head, body = 0, b"", b""
                    conn.close()
                result = Result(status, perf() - t0, body, req.tag, head)
                append(result)
                req = on_result(result) if on_result is not None else None

    tasks = [asyncio.create_task(client(c)) for c in conns]
    await asyncio.sleep(0)
    cpu0, t0 = time.process_time(), perf()
    deadline = t0 + (duration or 0)
    start_gate.set()
    await asyncio.gather(*tasks)
    stats.wall_seconds = perf() - t0
    stats.cpu_seconds = time.process_time() - cpu0
    for c in conns:
        c.close()
    return stats


def _wrk(url: str, seconds: float, concurrency: int) -> None:
    """The same load from wrk (a maintained C load generator, Debian's ``wrk``), for a same-run comparison."""
    import resource
    import shutil
    import subprocess

    if shutil.which("wrk") is None:
        print("wrk:                not installed (apt-get install wrk)")
        return
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--latency", url], capture_output=True, text=True, check=True
    ).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    rps = next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec:"))
    p50 = next(line.split()[1] for line in out.splitlines() if line.strip().startswith("50%"))
    p99 = next(line.split()[1] for line in out.splitlines() if line.strip().startswith("99%"))
    print(f"wrk (1 thread):     {float(rps):8.0f} req/s, client CPU {cpu / seconds:5.0%} of a core, p50 {p50}, p99 {p99}")


async def _compare(url: str, seconds: float, concurrency: int, use_httpx: bool) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path or "/"
    if not use_httpx:
        stats = await run(lambda n: Request("GET", path), host=host, port=port, concurrency=concurrency, duration=seconds)
        latencies = sorted(r.seconds * 1000 for r in stats.results)
        p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]
        print(
            f"raw asyncio client: {stats.rps:8.0f} req/s, client CPU {stats.cpu_seconds / stats.wall_seconds:5.0%} of a core,"
            f" p50 {p50:.2f}ms, p99 {p99:.2f}ms"
        )
        return
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=f"http://{host}:{port}", limits=limits) as client:
        count = 0
        end = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal count
            while time.perf_counter() < end:
                (await client.get(path)).raise_for_status()
                count += 1

        cpu0, t0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
        print(f"httpx client:       {count / wall:8.0f} req/s, client CPU {(time.process_time() - cpu0) / wall:5.0%} of a core")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="measure this load generator (or httpx, or wrk) against one URL")
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--httpx", action="store_true")
    parser.add_argument("--wrk", action="store_true", help="run wrk with the same connections and duration instead")
    args = parser.parse_args()
    if args.wrk:
        _wrk(args.url, args.seconds, args.concurrency)
        raise SystemExit(0)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(_compare(args.url, args.seconds, args.concurrency, args.httpx))
