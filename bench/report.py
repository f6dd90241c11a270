"""The results table (every figure beside its target, PASS/MISS) and the JSON file under bench/results/."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

OPS = {
    ">=": lambda v, t: v >= t,
    "<=": lambda v, t: v <= t,
    "<": lambda v, t: v < t,
    ">": lambda v, t: v > t,
    "==": lambda v, t: v == t,
}


@dataclass
class Row:
    scenario: str
    metric: str
    value: Any
    target: tuple[str, float] | None

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        if not isinstance(self.value, int | float):
            return "MISS"
        op, threshold = self.target
        return "PASS" if OPS[op](self.value, threshold) else "MISS"

    def as_dict(self) -> dict[str, Any]:
        target = f"{self.target[0]} {self.target[1]}" if self.target else None
        return {"scenario": self.scenario, "metric": self.metric, "value": self.value, "target": target, "verdict": self.verdict or None}


@dataclass
class Report:
    mode: str
    rows: list[Row] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    data_counts: dict[str, int] = field(default_factory=dict)
    scenarios: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def row(self, scenario: str, metric: str, value: Any, target: tuple[str, float] | None) -> None:
        self.rows.append(Row(scenario, metric, value, target))

    def unavailable(self, scenario: str, why: str) -> None:
        self.rows.append(Row(scenario, "not available", why, None))
        self.scenarios[scenario.replace(" ", "_")] = {"available": False, "why": why}

    def table(self) -> str:
        headers = ("scenario", "metric", "value", "target", "")
        body = [
            (r.scenario, r.metric, _fmt(r.value), f"{r.target[0]} {_fmt(r.target[1])}" if r.target else "", r.verdict) for r in self.rows
        ]
        widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(headers)]
        widths[2] = min(widths[2], 60)
        line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
        sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
        out = [line, sep]
        for b in body:
            out.append("| " + " | ".join(c.ljust(w) for c, w in zip(b, widths, strict=True)) + " |")
        return "\n".join(out)

    def print(self) -> None:
        m = self.meta
        print()
        print(f"shortbreaks benchmark, {self.mode} run, {m.get('date', '?')}, commit {m.get('git_commit', '?')}")
        mach = m.get("machine", {})
        print(f"machine: {mach.get('cores')} cores, {mach.get('memory_gib')} GiB, {mach.get('cpu', '')}")
        v = m.get("versions", {})
        if v:
            print("versions: " + ", ".join(f"{k} {val}" for k, val in v.items()))
        if self.timings:
            print("set-up: " + ", ".join(f"{k} {val}" for k, val in self.timings.items()))
        print()
        print(self.table())
        misses = [r for r in self.rows if r.verdict == "MISS"]
        print()
        print(f"{sum(1 for r in self.rows if r.verdict == 'PASS')} targets PASS, {len(misses)} MISS; correctness: "
              + ("OK" if not self.failures else f"{len(self.failures)} FAILURE(S)"))  # fmt: skip

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = folder / f"{stamp}-{self.mode}.json"
        doc = {
            "mode": self.mode,
            **self.meta,
            "timings": self.timings,
            "data_counts": self.data_counts,
            "table": [r.as_dict() for r in self.rows],
            "scenarios": self.scenarios,
            "correctness_failures": self.failures,
        }
        path.write_text(json.dumps(doc, indent=2, default=str) + "\n")
        return path


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 1 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
