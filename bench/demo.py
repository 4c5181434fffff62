"""Demo benchmark: how long `newsdesk demo` takes as a user runs it, installed.

Three contenders, each `newsdesk demo` in a fresh process from its own folder:

(a) first run: a folder with no warehouse yet (migrations, seeds, the whole snapshot);
(b) re-run: the same folder again (the warehouse and landing zone exist);
(c) baseline, the way every CLI command ran before issue 10: through a temporary Prefect
    server (``NEWSDESK_PREFECT=prefect`` with no server configured). ``--quick`` skips it.

(a) and (b) run with ``NEWSDESK_PREFECT=auto`` and no server answering, which is the CLI's
direct mode. The target is (a) ≤ 20 s on two cores; the report prints each contender's best
and median wall time and the ratio of (c) to (a).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.common import OUT_DIR, machine, table

TARGET_SECONDS = 20.0
NEWSDESK = Path(sys.executable).with_name("newsdesk")


def _env(mode: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSDESK_"))}
    env.update(
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_HOME=str(home / ".prefect"),
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
        NEWSDESK_PREFECT=mode,
    )
    return env


def _demo(folder: Path, mode: str) -> float:
    """One `newsdesk demo` in folder; its wall seconds (a failed demo stops the bench)."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(NEWSDESK), "demo"],
        cwd=folder,
        env=_env(mode, folder),
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise SystemExit(f"bench.demo: `newsdesk demo` ({mode}) exited {done.returncode}: {tail}")
    return seconds


def _fresh(root: Path, name: str) -> Path:
    folder = root / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def run(repeat: int, quick: bool, out: Path) -> str:
    """Time the contenders `repeat` times each, interleaved; the report as text."""
    times: dict[str, list[float]] = {"first run": [], "re-run": [], "temporary server": []}
    for i in range(repeat):
        folder = _fresh(out, f"demo-{i}")
        times["first run"].append(_demo(folder, "auto"))
        times["re-run"].append(_demo(folder, "auto"))
        if not quick:
            times["temporary server"].append(_demo(_fresh(out, f"server-{i}"), "prefect"))
    rows = []
    for name, found in times.items():
        if found:
            rows.append([name, f"{min(found):.1f}", f"{statistics.median(found):.1f}"])
    lines = [
        f"newsdesk demo, wall seconds over {repeat} run(s); {machine()}",
        f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}",
        table(["contender", "best s", "median s"], rows),
    ]
    first = min(times["first run"])
    verdict = "met" if first <= TARGET_SECONDS else "NOT met"
    lines.append(f"target: first run ≤ {TARGET_SECONDS:.0f} s: {verdict} ({first:.1f} s)")
    if times["temporary server"]:
        ratio = min(times["temporary server"]) / first
        lines.append(f"temporary server ÷ direct first run: {ratio:.2f}×")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m bench.demo [--repeat N] [--quick]`."""
    parser = argparse.ArgumentParser(prog="python -m bench.demo", description=__doc__)
    parser.add_argument("--repeat", type=int, default=2, help="runs per contender (default 2)")
    parser.add_argument("--quick", action="store_true", help="skip the temporary-server baseline")
    parser.add_argument("--out", type=Path, default=OUT_DIR / "demo", help="work folder")
    args = parser.parse_args(argv)
    if not NEWSDESK.exists():
        parser.error(f"{NEWSDESK} is missing: run `make install` first")
    print(run(max(1, args.repeat), args.quick, args.out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
