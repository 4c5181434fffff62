"""Timing, peak-memory and table helpers shared by the benchmarks.

Each contender runs in its own child process so that its peak resident memory is
its own: the child reports wall seconds and VmHWM as one JSON line on stdout.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OUT_DIR = Path(__file__).resolve().parent / "out"
RESULT_PREFIX = "BENCH-RESULT "
MIB = 1024 * 1024


@dataclass(frozen=True)
class Measured:
    """One contender's figures."""

    name: str
    seconds: float
    rows: int
    peak_bytes: int
    extra: dict[str, Any]

    @property
    def rate(self) -> float:
        """Rows per second (0 when nothing was timed)."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    @property
    def peak_mib(self) -> float:
        """Peak resident memory in MiB."""
        return self.peak_bytes / MIB


def peak_rss_bytes() -> int:
    """This process's peak resident set size (VmHWM), falling back to ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    # ru_maxrss is KiB on Linux, bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def rss_bytes() -> int:
    """This process's resident set size now (VmRSS); 0 where /proc is not there."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cpu_seconds() -> float:
    """User + system CPU time of this process so far, all its threads together."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def stopwatch() -> Any:
    """Yield a dict filled in on exit: wall ``seconds`` and ``cpu`` seconds (all threads).

    CPU time is the steadier figure on shared cores: a neighbour's load stretches wall
    time but not the work done.
    """
    box: dict[str, float] = {}
    start, cpu = time.perf_counter(), cpu_seconds()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - start
        box["cpu"] = cpu_seconds() - cpu


def report_child(seconds: float, rows: int, **extra: Any) -> None:
    """Print the child's result line for `run_child` to pick up."""
    payload = {"seconds": seconds, "rows": rows, "peak_bytes": peak_rss_bytes(), "extra": extra}
    print(RESULT_PREFIX + json.dumps(payload), flush=True)


def run_child(name: str, module: str, args: Sequence[str]) -> Measured:
    """Run ``python -m module args`` in a fresh process and parse its result line."""
    env = {**os.environ, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith(RESULT_PREFIX)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(
            f"{name} failed (exit {done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-4000:]}"
        )
    data = json.loads(lines[-1].removeprefix(RESULT_PREFIX))
    return Measured(name, data["seconds"], data["rows"], data["peak_bytes"], data["extra"])


def time_call(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best wall time of ``repeat`` calls and the last call's result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def table(header: Sequence[str], rows: Sequence[Sequence[str]], first: int = 26) -> str:
    """A plain fixed-width table: first column left-aligned, the others right-aligned."""
    widths = [first] + [
        max(len(h), *(len(r[i]) for r in rows if i < len(r))) + 2
        for i, h in enumerate(header)
        if i > 0
    ]
    lines = []
    for row in [list(header), *rows]:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(widths[i]) for i, cell in enumerate(row) if i > 0]
        lines.append("".join(cells).rstrip())
    return "\n".join(lines)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: how busy the shared cores were meanwhile."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def machine() -> str:
    """A one-line description of the machine the figures come from."""
    cores = os.cpu_count() or 0
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 1024**3:.0f} GiB RAM"
    except (ValueError, OSError):
        memory = ""
    return f"{cores} cores{memory}, Python {sys.version.split()[0]}, {sys.platform}"
