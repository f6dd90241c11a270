"""Start and stop the service as production runs it; read each process's CPU time and memory from /proc."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return sorted(found)


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (0.0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / CLK_TCK, total / CLK_TCK


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    log: Path


@dataclass
class Stack:
    """The server (``shortbreaks serve --workers N``) and one ``shortbreaks worker``, in their own process groups."""

    root: Path
    env: dict[str, str]
    port: int
    workdir: Path
    workers: int = 2
    services: list[Service] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _start(self, name: str, args: list[str]) -> Service:
        log = self.workdir / f"{name}.log"
        out = log.open("wb")
        proc = subprocess.Popen(args, cwd=self.root, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        service = Service(name, proc, log)
        self.services.append(service)
        return service

    def start(self, timeout: float = 90) -> None:
        exe = str(Path(self.env["BENCH_BIN"]) / "shortbreaks")
        self._start("worker", [exe, "worker"])
        self._start("server", [exe, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for s in self.services:
                if s.process.poll() is not None:
                    raise RuntimeError(f"{s.name} exited with {s.process.returncode} during start-up:\n{self.tail(s)}")
            try:
                with urllib.request.urlopen(self.base_url + "/readyz", timeout=2) as r:
                    if r.status == 200 and len(self.server_pids()) >= self.workers:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the server was not ready within {timeout:.0f} s:\n{self.tail(self.services[-1])}")

    def tail(self, service: Service, lines: int = 30) -> str:
        try:
            return "\n".join(service.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def server(self) -> Service:
        return next(s for s in self.services if s.name == "server")

    def worker(self) -> Service:
        return next(s for s in self.services if s.name == "worker")

    def server_pids(self) -> list[int]:
        """The server processes: gunicorn's uvicorn workers, the children of its master (``shortbreaks
        serve`` becomes the master, same pid)."""
        return children(self.server().process.pid)

    def pids(self) -> dict[str, int]:
        found = {"server master (gunicorn)": self.server().process.pid, "worker": self.worker().process.pid}
        for i, pid in enumerate(self.server_pids()):
            found[f"server process {i + 1}"] = pid
        return found

    def stop(self) -> None:
        for s in reversed(self.services):
            if s.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(s.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for s in self.services:
            while s.process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            if s.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(s.process.pid, signal.SIGKILL)
                s.process.wait(5)
        self.services.clear()


class RssSampler:
    """Samples VmRSS of some processes every ``interval`` seconds in a thread; keeps the peak per process."""

    def __init__(self, pids: dict[str, int], interval: float = 0.05) -> None:
        self.pids = pids
        self.interval = interval
        self.peak_kb: dict[str, int] = {name: 0 for name in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                kb = status_kb(pid, "VmRSS")
                if kb > self.peak_kb[name]:
                    self.peak_kb[name] = kb
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class CpuMeter:
    """CPU seconds used by some processes, and by the whole machine, between enter and exit."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.used: dict[str, float] = {}
        self.machine_busy = 0.0
        self.machine_total = 0.0

    def __enter__(self) -> CpuMeter:
        self._start = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        self._machine = machine_busy()
        return self

    def __exit__(self, *exc: object) -> None:
        self.used = {name: cpu_seconds(pid) - self._start[name] for name, pid in self.pids.items()}
        busy, total = machine_busy()
        self.machine_busy, self.machine_total = busy - self._machine[0], total - self._machine[1]
