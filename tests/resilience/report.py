"""The resilience tier's report: one block per scenario printed as it ends, and a summary
table rewritten into `test-artifacts/resilience.md` after each scenario (so a run that stops
half way still leaves the table of what ran).

Per scenario: requests sent, errors by status (0 = no HTTP answer: refused, reset, timed
out), p50/p99 latency before/during/after the fault, writes acknowledged (2xx) vs writes
found stored afterwards, and the time until the faulty part answered again.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from load import PHASES, Sample

KIT = Path(__file__).resolve().parents[2]
REPORT = KIT / "test-artifacts" / "resilience.md"


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) by nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def errors_by_status(samples: list[Sample]) -> dict[str, int]:
    """Answers that are not 2xx/3xx, by status (`0:<exception>` for no answer)."""
    counts: Counter[str] = Counter()
    for s in samples:
        if s.status == 0:
            counts[f"0:{s.error}"] += 1
        elif s.status >= 400:
            counts[str(s.status)] += 1
    return dict(sorted(counts.items()))


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f}"


@dataclass
class Scenario:
    name: str
    fault: str
    samples: list[Sample] = field(default_factory=list)
    acked: int | None = None  # writes answered 2xx
    stored: int | None = None  # of those, found stored afterwards
    recovery: dict[str, float] = field(default_factory=dict)  # part -> seconds
    notes: list[str] = field(default_factory=list)

    def latencies(self, phase: str, target: str | None = None) -> list[float]:
        return [
            s.latency
            for s in self.samples
            if s.phase == phase and (target is None or s.target == target)
        ]

    def p(self, q: float, phase: str, target: str | None = None) -> float | None:
        return percentile(self.latencies(phase, target), q)

    def pcells(self, q: float) -> str:
        return "/".join(_ms(self.p(q, phase)) for phase in PHASES)

    def block(self) -> str:
        lines = [f"== {self.name}: {self.fault}", f"requests sent: {len(self.samples)}"]
        for target in sorted({s.target for s in self.samples}):
            mine = [s for s in self.samples if s.target == target]
            lat = "  ".join(
                f"{ph} p50 {_ms(self.p(50, ph, target))} p99 {_ms(self.p(99, ph, target))} ms"
                for ph in PHASES
            )
            retried = sum(s.retried for s in mine)
            lines.append(
                f"  {target}: {len(mine)} sent, errors {errors_by_status(mine) or 0}"
                + (f", {retried} retried once on a new connection" if retried else "")
            )
            lines.append(f"    {lat}")
        if self.acked is not None:
            lines.append(f"writes acknowledged {self.acked}, stored {self.stored}")
        for part, seconds in self.recovery.items():
            lines.append(f"recovered: {part} in {seconds:.1f} s")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def row(self) -> str:
        errors = ", ".join(f"{k}: {v}" for k, v in errors_by_status(self.samples).items())
        writes = "-" if self.acked is None else f"{self.acked} / {self.stored}"
        recovery = ", ".join(f"{k} {v:.1f} s" for k, v in self.recovery.items()) or "-"
        cells = [self.name, str(len(self.samples)), errors or "none", self.pcells(50),
                 self.pcells(99), writes, recovery]  # fmt: skip
        return "| " + " | ".join(cells) + " |"


HEADER = (
    "| scenario | requests | errors by status | p50 ms before/during/after "
    "| p99 ms before/during/after | writes acked / stored | time to recover |\n"
    "| --- | --- | --- | --- | --- | --- | --- |"
)


@dataclass
class Report:
    path: Path = REPORT
    scenarios: list[Scenario] = field(default_factory=list)

    def add(self, scenario: Scenario) -> None:
        """Print the scenario's block and rewrite the summary with it."""
        self.scenarios.append(scenario)
        print("\n" + scenario.block(), flush=True)
        self.write()

    def markdown(self) -> str:
        parts = [
            "# Resilience tier",
            "",
            f"Run {time.strftime('%Y-%m-%d %H:%M:%S %Z')} (tests/resilience; how to read this: "
            'tests/README.md, "The resilience tier").',
            "",
            HEADER,
            *(s.row() for s in self.scenarios),
            "",
        ]
        for s in self.scenarios:
            parts += ["```", s.block(), "```", ""]
        return "\n".join(parts)

    def write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(self.markdown())
