"""Hard faults: SIGKILL at random moments, then two runs at once, SIGINT/SIGTERM, a full disk, a
truncated warehouse — the warehouse stays whole, `runs` says what happened, the next run
reaches the same checksums as an uninterrupted one.

The process tests share one workspace over the demo snapshot (articles record the path of
their landed body, so checksums compare within one workspace) and run `newsdesk backfill
--offline` as a subprocess with NEWSDESK_PREFECT=direct: no Prefect server anywhere.
Set NEWSDESK_FAULT_SEED to replay a kill schedule.
"""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from flows import interrupts
from newsdesk import landing
from newsdesk.transform import bookkeeping
from tests.builders import DATA_TABLES, make_workspace

NEWSDESK = str(Path(sys.executable).with_name("newsdesk"))
REPO = Path(__file__).resolve().parents[1]
START, END = date(2024, 2, 20), date(2024, 2, 21)
KILLS = 10
RUN_TIMEOUT = 240.0
EMPTY = "0:"  # Warehouse.checksums of an empty table
# Tables one transaction writes together (flows/market.py, flows/verify.py publish_step).
MARKET_BATCH = ("prices", "fx_rates", "shares_outstanding", "splits", "dividends")
PUBLISH_BATCH = ("articles", "claims", "events")


# --- the landing zone and the runs rows (no process) -------------------------------------


@dataclass
class Fake:
    url: str = "https://query1.finance.yahoo.com/v8/finance/chart/ADBE"
    status: int = 200
    headers: dict = None  # type: ignore[assignment]
    body: bytes = b'{"chart": {}}'
    fetched_at: datetime = datetime(2024, 2, 21, 6, 0, tzinfo=UTC)

    def __post_init__(self) -> None:
        self.headers = self.headers or {}


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("failing", ["body", "meta"])
def test_a_landing_that_fails_on_a_full_disk_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    real = Path.write_bytes

    def write_bytes(self: Path, data: bytes) -> int:
        if f".{failing}" in self.name or (failing == "meta" and "meta.json" in self.name):
            real(self, data[: len(data) // 2])  # half written, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    with pytest.raises(OSError, match="No space left on device"):
        landing.land(tmp_path, "yahoo", "ADBE/2024-02-20_2024-02-21", Fake())
    assert leftovers(tmp_path) == []  # neither a .tmp nor a body without its meta


def test_a_landing_on_a_full_tmpfs_leaves_no_temporary(tmp_path: Path) -> None:
    mount = tmp_path / "full"
    with tmpfs(mount, 64 * 1024):
        with pytest.raises(OSError) as info:
            landing.land(mount, "news", "host/abc", Fake(body=b"x" * 200_000))
        assert info.value.errno == errno.ENOSPC
        assert leftovers(mount) == []


def test_sweep_removes_temporaries_of_dead_writers_only(tmp_path: Path) -> None:
    folder = tmp_path / "yahoo" / "ADBE"
    folder.mkdir(parents=True)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    (folder / f".x.body.tmp{dead}").write_bytes(b"half")
    (folder / f".y.body.tmp{os.getpid()}").write_bytes(b"being written")
    (folder / "z.body").write_bytes(b"kept")
    removed = landing.sweep_temporaries(tmp_path)
    assert [p.name for p in removed] == [f".x.body.tmp{dead}"]
    assert leftovers(tmp_path) == sorted([f".y.body.tmp{os.getpid()}", "z.body"])


def runs_frame(*rows: tuple[str, str, dict]) -> pl.DataFrame:
    from newsdesk.tables import RUNS_SCHEMA

    return pl.DataFrame(
        [
            {"run_id": run_id, "flow": "backfill", "run_date": END,
             "started_at": datetime(2024, 2, 22), "finished_at": None, "status": status,
             "stats": json.dumps({"failures": [], "process": owner} if owner else {})}
            for run_id, status, owner in rows
        ],
        schema=RUNS_SCHEMA,
    )  # fmt: skip


def test_runs_rows_name_their_process() -> None:
    row = bookkeeping.run_row("r1", "backfill", END, datetime.now(UTC), "running", {"rows": {}})
    owner = json.loads(row["stats"][0])["process"]
    assert owner["pid"] == os.getpid()
    assert owner["host"] == socket.gethostname()
    assert bookkeeping.process_alive(owner)
    assert not bookkeeping.process_alive({**owner, "started": "1"})  # a reused pid


def test_stale_runs_closes_only_rows_whose_process_is_gone() -> None:
    here = socket.gethostname()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    me = bookkeeping.this_process()
    runs = runs_frame(
        ("killed", "running", {"host": here, "pid": gone.pid, "started": "1"}),
        ("alive", "running", me),
        ("elsewhere", "running", {"host": here + "-other", "pid": gone.pid}),
        ("legacy", "running", {}),
        ("done", "completed", {"host": here, "pid": gone.pid}),
    )
    closed = bookkeeping.stale_runs(runs)
    assert closed["run_id"].to_list() == ["killed"]
    assert closed["status"].to_list() == ["interrupted"]
    assert closed["finished_at"][0] is not None
    assert "killed?" in json.loads(closed["stats"][0])["failures"][-1]
    own = bookkeeping.own_runs(runs, "SIGTERM")
    assert own["run_id"].to_list() == ["alive"]
    assert json.loads(own["stats"][0])["failures"] == ["interrupted by SIGTERM"]


def test_a_run_the_signal_failed_on_its_way_out_is_still_interrupted() -> None:
    me = bookkeeping.this_process()
    runs = runs_frame(("cut", "failed", me), ("earlier", "failed", me))
    runs = runs.with_columns(
        started_at=pl.Series([datetime(2024, 2, 22, 6), datetime(2024, 2, 21, 6)])
    )
    since = datetime(2024, 2, 22, 5, tzinfo=UTC)
    assert bookkeeping.own_runs(runs, "SIGINT", since)["run_id"].to_list() == ["cut"]
    assert bookkeeping.own_runs(runs, "SIGINT")["run_id"].to_list() == []


# --- trapped(): SIGINT/SIGTERM → on_signal, then 130/143 within seconds -------------------

DRIVER = """
import sys, threading, time
from pathlib import Path
from flows.interrupts import trapped
mark, stuck = Path(sys.argv[1]), sys.argv[2] == "stuck"
if stuck:  # a worker that will not finish: the exit must not wait for it
    threading.Thread(target=time.sleep, args=(120,)).start()
with trapped(lambda signum: mark.write_text(str(signum)), grace=2.0):
    print("ready", flush=True)
    while True:
        try:
            time.sleep(0.05)
        except Exception:  # an `except Exception` on the way must not swallow the signal
            pass
"""


@pytest.mark.parametrize("stuck", ["plain", "stuck"])
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_trapped_signal_calls_on_signal_and_exits_with_its_code(
    tmp_path: Path, signum: int, code: int, stuck: str
) -> None:
    mark = tmp_path / "mark"
    process = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(mark), stuck], cwd=REPO,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout.readline().strip() == "ready"
        sent = time.monotonic()
        process.send_signal(signum)
        process.wait(timeout=15)
        took = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == code
    assert took < 5.0
    assert mark.read_text() == str(int(signum))
    name = signal.Signals(signum).name
    assert process.stderr.read().strip().splitlines() == [f"newsdesk: interrupted by {name}"]


def test_trapped_outside_the_main_thread_traps_nothing() -> None:
    import threading

    seen: list[bool] = []

    def body() -> None:
        with interrupts.trapped(lambda signum: None):
            seen.append(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)

    worker = threading.Thread(target=body)
    worker.start()
    worker.join()
    assert seen == [signal.getsignal(signal.SIGTERM) is signal.SIG_DFL]


# --- the workspace that the process tests share -------------------------------------------


@dataclass
class Site:
    root: Path
    config: Path
    warehouse: Path
    reference: dict[str, str]
    seconds: float  # how long one uninterrupted run took
    finished: Path  # a copy of the warehouse one uninterrupted run left
    base: dict[str, str]  # the checksums of a migrated warehouse no run wrote to yet

    def reset(self) -> None:
        for name in ("wh", "dq", "reports"):
            shutil.rmtree(self.root / name, ignore_errors=True)

    def command(self, config: Path | None = None) -> list[str]:
        return [NEWSDESK, "backfill", "--start", str(START), "--end", str(END), "--offline",
                "--config", str(config or self.config)]  # fmt: skip

    def start(self, config: Path | None = None) -> subprocess.Popen:
        return subprocess.Popen(
            self.command(config), cwd=self.root, env=cli_env(self.root),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip

    def run(self, config: Path | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.command(config), cwd=self.root, env=cli_env(self.root),
            capture_output=True, text=True, timeout=RUN_TIMEOUT,
        )  # fmt: skip


def cli_env(root: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "NEWSDESK_PREFECT": "direct",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_HOME": str(root / "prefect"),
    }
    for name in ("NEWSDESK_CONFIG", "PREFECT_API_URL", "NEWSDESK_DEBUG"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    root = tmp_path_factory.mktemp("faults")
    workspace = make_workspace(root)
    began = time.monotonic()
    done = subprocess.run(
        [NEWSDESK, "backfill", "--start", str(START), "--end", str(END), "--offline",
         "--config", str(workspace.config)],
        cwd=root, env=cli_env(root), capture_output=True, text=True, timeout=RUN_TIMEOUT,
    )  # fmt: skip
    seconds = time.monotonic() - began
    assert done.returncode == 0, done.stderr[-3000:]
    reference = checksums(workspace.warehouse)
    assert reference["prices"] != EMPTY and reference["claims"] != EMPTY
    finished = root / "finished.duckdb"
    shutil.copy2(workspace.warehouse, finished)
    from newsdesk.warehouse import Warehouse

    migrated = root / "migrated" / "newsdesk.duckdb"
    Warehouse(migrated)
    base = checksums(migrated)
    found = Site(root, workspace.config, workspace.warehouse, reference, seconds, finished, base)
    found.reset()
    return found


def checksums(warehouse: Path) -> dict[str, str]:
    from newsdesk.warehouse import Warehouse

    return Warehouse(warehouse, migrate=False).checksums(DATA_TABLES)


def runs_rows(warehouse: Path) -> list[tuple[str, str]]:
    from newsdesk.warehouse import Warehouse

    if not warehouse.exists():
        return []
    frame = Warehouse(warehouse, migrate=False).query(
        "select run_id, status from runs order by started_at"
    )
    return list(frame.iter_rows())


def assert_whole(site: Site, note: str = "") -> dict[str, str]:
    """The warehouse opens and every batch is there whole or not at all."""
    if not site.warehouse.exists():
        return {}
    got = checksums(site.warehouse)  # opening and reading every table is the first check
    base, done = site.base, site.reference
    for batch in (MARKET_BATCH, PUBLISH_BATCH):
        loaded = {got[t] == done[t] for t in batch if done[t] != base[t]}
        before = {got[t] == base[t] for t in batch}
        assert loaded == {True} or before == {True}, f"partial batch {batch}: {got} {note}"
    if got["prices"] == base["prices"]:
        assert got["valuations"] == base["valuations"], f"valuations without prices {note}"
    if got["claims"] != base["claims"]:  # the publish batch comes after both valuation writes
        assert got["valuations"] == done["valuations"], note
    rest = set(DATA_TABLES) - {*MARKET_BATCH, *PUBLISH_BATCH, "valuations"}
    for table in rest:  # seeds: whole from the migration on
        assert got[table] in (EMPTY, base[table], done[table]), f"{table} {note}"
    return got


def assert_no_process_left(process: subprocess.Popen) -> None:
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # its whole session is gone: nothing left behind


# --- SIGKILL at ten random moments --------------------------------------------------------


@pytest.mark.slow
def test_sigkill_at_ten_random_moments_then_two_runs_at_once_complete_the_same(
    site: Site,
) -> None:
    """Ten runs, each killed at a random moment of its own tenth of a run's length (shuffled):
    each killed run is the next one's predecessor. Then two runs start at once on what the
    kills left: one waits for the other or refuses clearly, and the warehouse ends exactly as
    one uninterrupted run leaves it."""
    seed = int(os.environ.get("NEWSDESK_FAULT_SEED") or time.time_ns() % 1_000_000)
    rng = random.Random(seed)
    fractions = [rng.uniform(0.9 * i / KILLS, 0.9 * (i + 1) / KILLS) for i in range(KILLS)]
    rng.shuffle(fractions)
    note = f"(NEWSDESK_FAULT_SEED={seed})"
    site.reset()
    span = site.seconds  # a run's length, re-measured whenever a run outruns its kill
    killed: list[str] = []
    for _ in range(KILLS + 4):  # a run that ends before its moment is retried, a few times
        if len(killed) == KILLS:
            break
        at = fractions[len(killed)] * span
        before = {run_id for run_id, _ in runs_rows(site.warehouse)}
        began = time.monotonic()
        process = site.start()
        try:
            process.wait(timeout=at)
            finished = True
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            finished = False
        process.stdout.close()
        process.stderr.close()
        assert_no_process_left(process)
        assert_whole(site, f"after a kill at {at:.1f} s {note}")
        rows = runs_rows(site.warehouse)
        new = [(run_id, status) for run_id, status in rows if run_id not in before]
        if finished:
            assert process.returncode == 0, note
            span = time.monotonic() - began
            continue
        killed.append(f"{at:.1f}s")
        # `runs` says what happened: the killed run is on record as running (it never ended)
        # or completed (it was killed on its way out), and a run that got as far as its own
        # row first closed the rows of the killed ones.
        assert all(status in ("running", "completed") for _, status in new), (new, note)
        if new:
            assert all(status != "running" for run_id, status in rows if run_id in before), note
    assert len(killed) == KILLS, f"only {len(killed)} runs could be killed: {killed} {note}"

    first, second = site.start(), site.start()
    outs = [p.communicate(timeout=2 * RUN_TIMEOUT) for p in (first, second)]
    codes = [first.returncode, second.returncode]
    for code, (_, stderr) in zip(codes, outs, strict=True):
        # one waits for the other's writes, or refuses in one clear line
        assert code == 0 or (code == 1 and "lock" in stderr.lower()), stderr[-2000:] + note
    assert 0 in codes, note
    assert_whole(site, note)
    assert checksums(site.warehouse) == site.reference, note
    statuses = [status for _, status in runs_rows(site.warehouse)]
    assert statuses.count("completed") >= codes.count(0)
    assert set(statuses) <= {"interrupted", "completed", "failed"}, (statuses, note)
    assert statuses.count("failed") <= codes.count(1), (statuses, note)
    print(f"{len(killed)} SIGKILLs at {killed}, warehouse whole after each, then {codes=} {note}")


# --- SIGINT / SIGTERM through the command line --------------------------------------------


def wait_for_running_row(site: Site, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if any(status == "running" for _, status in runs_rows(site.warehouse)):
                return
        except Exception:  # the writer holds the file for a moment: look again
            pass
        time.sleep(0.2)
    pytest.fail("the run never recorded itself as running")


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_sigint_and_sigterm_end_a_run_in_seconds_marked_interrupted(
    site: Site, signum: int, code: int
) -> None:
    site.reset()
    process = site.start()
    try:
        wait_for_running_row(site, process)
        sent = time.monotonic()
        if signum == signal.SIGINT:
            os.killpg(process.pid, signum)  # Ctrl-C reaches the terminal's whole process group
        else:
            process.send_signal(signum)
        _, stderr = process.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == code, stderr[-2000:]
    assert took < interrupts.GRACE_SECONDS + 3
    assert stderr.strip().splitlines()[-1] == f"newsdesk: interrupted by {signum.name}"
    assert_no_process_left(process)
    assert_whole(site)
    assert [status for _, status in runs_rows(site.warehouse)] == ["interrupted"]


# --- a full disk, a truncated file ---------------------------------------------------------


class tmpfs:
    """Mount a small tmpfs (root only; the test is skipped otherwise)."""

    def __init__(self, where: Path, size: int) -> None:
        self.where, self.size = where, size

    def __enter__(self) -> Path:
        if os.geteuid() != 0:
            pytest.skip("a full disk needs a tmpfs mount: run as root")
        self.where.mkdir(parents=True, exist_ok=True)
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={self.size}", "tmpfs", str(self.where)],
            capture_output=True, text=True,
        )  # fmt: skip
        if mounted.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
        return self.where

    def __exit__(self, *exc: object) -> None:
        subprocess.run(["umount", "-l", str(self.where)], check=False)


@pytest.fixture
def full_disk_site(site: Site) -> Iterator[tuple[Path, Path]]:
    """A migrated warehouse copied onto a tmpfs with little room to spare, and its config."""
    from newsdesk.warehouse import Warehouse

    site.reset()
    Warehouse(site.warehouse)  # migrations and seeds, on the roomy disk
    size = site.warehouse.stat().st_size
    mount = site.root / "small"
    with tmpfs(mount, size + 512 * 1024):
        shutil.copy2(site.warehouse, mount / site.warehouse.name)
        config = site.root / "small.toml"
        text = site.config.read_text(encoding="utf-8")
        config.write_text(text.replace(str(site.warehouse), str(mount / site.warehouse.name)))
        yield mount / site.warehouse.name, config


@pytest.mark.slow
def test_a_full_disk_under_the_warehouse_is_a_clear_error_and_the_file_stays_whole(
    site: Site, full_disk_site: tuple[Path, Path]
) -> None:
    warehouse, config = full_disk_site
    before = checksums(warehouse)
    done = site.run(config)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert any("No space left on device" in line for line in lines), done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    after = checksums(warehouse)  # it opens, and holds no part of the batch that failed
    assert all(after[t] == before[t] for t in MARKET_BATCH + PUBLISH_BATCH), (before, after)


@pytest.mark.slow
def test_a_truncated_warehouse_is_an_error_naming_the_file(site: Site) -> None:
    copy = site.root / "truncated" / "newsdesk.duckdb"
    copy.parent.mkdir(exist_ok=True)
    shutil.copy2(site.finished, copy)
    with copy.open("r+b") as handle:
        handle.truncate(copy.stat().st_size // 2)
    config = site.root / "truncated.toml"
    config.write_text(site.config.read_text().replace(str(site.warehouse), str(copy)))
    failed = site.run(config)
    assert failed.returncode == 1
    assert str(copy) in failed.stderr, failed.stderr[-2000:]
    assert "Traceback" not in failed.stderr
    assert checksums(site.finished) == site.reference  # the original is untouched


# --- §7: a CLI run while the machine is loaded never waits on a temporary Prefect server ----

AUTO_FLOW = """
import time
from prefect import flow
from flows import engine

@flow(name="probe")
def probe() -> int:
    return 41 + 1

began = time.monotonic()
print(engine.where(), engine.run_flow(probe), round(time.monotonic() - began, 1), flush=True)
"""


@pytest.mark.slow
def test_a_run_on_a_loaded_machine_starts_no_temporary_server(tmp_path: Path) -> None:
    burners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(os.cpu_count() or 2)  # every core busy
    ]
    try:
        env = cli_env(tmp_path)
        env["NEWSDESK_PREFECT"] = "auto"  # what the CLI does by default
        # A temporary server would have one second to come up on a saturated machine: it
        # would fail, as it did under `make test`. The engine must not try.
        env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "1"
        done = subprocess.run(
            [sys.executable, "-c", AUTO_FLOW], cwd=REPO, env=env,
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    assert done.returncode == 0, done.stderr[-2000:]
    where, answer = done.stdout.rsplit(" ", 2)[:2]
    assert answer == "42"
    assert "ephemeral" not in done.stderr.lower()
    # directly, or on a server `make serve` started: never on a temporary one
    assert where.startswith("in this process") or "127.0.0.1:4200" in where, where
