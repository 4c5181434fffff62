"""Interruptions: SIGINT and SIGTERM end a run in seconds with 130/143, its row closed.

``trapped(on_signal)`` turns the first SIGINT or SIGTERM into an ``Interrupted`` exception
in the main thread, so every ``with`` and ``finally`` on the way out runs (an open
warehouse transaction is rolled back, never half-committed); then it calls
``on_signal(signum)`` and exits 128 + signum. A watchdog makes sure the process ends
within ``grace`` seconds even if the main thread is stuck in C or a worker thread will
not finish; a second signal ends it at once.

``guard(settings)`` is what the CLI wraps a writing command in: ``trapped`` with an
``on_signal`` that marks this process's running rows ``interrupted``. ``recover`` (close the
rows of runs whose process is gone — a SIGKILL leaves its row ``running`` — and sweep the
temporaries a killed landing left) runs when a run opens (flows.run.open_run).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newsdesk import landing
from newsdesk.config import Settings
from newsdesk.transform.bookkeeping import own_runs, stale_runs

TRAPPED = (signal.SIGINT, signal.SIGTERM)
GRACE_SECONDS = 5.0
ON_SIGNAL_SECONDS = 2.0  # what the watchdog allows on_signal when the main thread is stuck


class Interrupted(BaseException):
    """A trapped signal, raised in the main thread; a BaseException so ``except Exception``
    blocks on the way out do not swallow it."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"interrupted by {signal.Signals(signum).name}")
        self.signum = signum


def exit_code(signum: int) -> int:
    """The shell's convention: 128 + the signal number (130 for SIGINT, 143 for SIGTERM)."""
    return 128 + signum


@contextlib.contextmanager
def trapped(on_signal: Callable[[int], Any], grace: float = GRACE_SECONDS) -> Iterator[None]:
    """SIGINT/SIGTERM → on_signal(signum), then exit 130/143 within ``grace`` seconds."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread can receive signals
        return
    trap = _Trap(on_signal, grace)
    previous = {signum: signal.signal(signum, trap.handle) for signum in TRAPPED}
    wakeup = trap.listen()
    try:
        yield
    except Interrupted as exc:
        trap.finish(exc.signum)
    except KeyboardInterrupt:  # raised by something else than our handler
        trap.finish(signal.SIGINT)
    except BaseException:
        # A library may turn the signal into its own error on the way out (DuckDB raises
        # "Query interrupted"): once a signal was trapped, the exit still says so.
        if trap.raised and trap.signum is not None:
            trap.finish(trap.signum)
        raise
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        trap.stop_listening(wakeup)


class _Trap:
    def __init__(self, on_signal: Callable[[int], Any], grace: float) -> None:
        self.on_signal = on_signal
        self.grace = grace
        self.signum: int | None = None
        self.raised = False  # the handler has raised Interrupted in the main thread
        self._lock = threading.Lock()
        self._called = threading.Lock()
        self._done = False
        self._said = False
        self._watchdog: threading.Timer | None = None

    def handle(self, signum: int, frame: Any) -> None:
        if self.raised:  # a second signal: the user insists
            _hard_exit(self.signum or signum)
        self.raised = True
        self.arm(signum)
        raise Interrupted(signum)

    def arm(self, signum: int) -> None:
        """Start the watchdog that ends the process ``grace`` seconds after the signal."""
        with self._lock:
            if self.signum is None:
                self.signum = signum
            if self._watchdog is None:
                self._watchdog = threading.Timer(self.grace, self._expire)
                self._watchdog.daemon = True
                self._watchdog.start()

    def finish(self, signum: int) -> None:
        self.arm(signum)
        self.call_once(signum)
        self.say(signum)
        raise SystemExit(exit_code(signum))

    def call_once(self, signum: int) -> None:
        with self._called:
            if self._done:
                return
            self._done = True
        try:
            self.on_signal(signum)
        except Exception as exc:  # the exit code still tells what happened
            print(f"newsdesk: could not record the interruption: {exc}", file=sys.stderr)

    def _expire(self) -> None:
        # The main thread did not get out in time: record from here, briefly, and go.
        signum = self.signum or signal.SIGTERM
        helper = threading.Thread(target=self.call_once, args=(signum,), daemon=True)
        helper.start()
        helper.join(ON_SIGNAL_SECONDS)
        self.say(signum)
        _hard_exit(signum)

    def say(self, signum: int) -> None:
        with self._lock:
            said, self._said = self._said, True
        if not said:
            _say(signum)

    def listen(self) -> tuple[int, int, int] | None:
        """Arm the watchdog as soon as a signal lands, even if the main thread is stuck in C."""
        try:
            read, write = os.pipe()
            os.set_blocking(write, False)
            before = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
        except (OSError, ValueError):
            return None

        def wait() -> None:
            with contextlib.suppress(OSError):
                while got := os.read(read, 1):
                    if got[0] in TRAPPED:
                        self.arm(got[0])

        threading.Thread(target=wait, name="newsdesk-signals", daemon=True).start()
        return read, write, before

    def stop_listening(self, wakeup: tuple[int, int, int] | None) -> None:
        if wakeup is None:
            return
        read, write, before = wakeup
        with contextlib.suppress(ValueError, OSError):
            signal.set_wakeup_fd(before)
        for fd in (write, read):  # closing the write end first wakes the reader with EOF
            with contextlib.suppress(OSError):
                os.close(fd)


def _say(signum: int) -> None:
    with contextlib.suppress(Exception):
        print(f"newsdesk: interrupted by {signal.Signals(signum).name}", file=sys.stderr)
        sys.stderr.flush()
        sys.stdout.flush()


def _hard_exit(signum: int) -> None:
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(exit_code(signum))


# --- the runs table --------------------------------------------------------------------------


def recover(warehouse_path: Path, raw_dir: Path | str | None = None) -> list[str]:
    """Close the `running` rows of runs whose process is gone; sweep killed landings' temporaries.

    Returns the run ids closed as ``interrupted``.
    """
    if raw_dir is not None:  # a local folder only: an object store keeps no temporaries
        landing.sweep_temporaries(raw_dir)
    return _close(warehouse_path, stale_runs)


def mark_interrupted(warehouse_path: Path, signum: int, since: datetime | None = None) -> list[str]:
    """Close this process's runs the signal cut short (started ``since``) as ``interrupted``."""
    name = signal.Signals(signum).name
    return _close(warehouse_path, lambda runs: own_runs(runs, name, since))


def _close(warehouse_path: Path, closing: Callable[[Any], Any]) -> list[str]:
    from newsdesk.warehouse import Warehouse

    path = Path(warehouse_path)
    if not path.exists():
        return []
    warehouse = Warehouse(path, migrate=False)
    running = warehouse.query("select * from runs where status in ('running', 'failed')")
    closed = closing(running)
    if closed.height:
        warehouse.write({"runs": closed})
    return closed["run_id"].to_list()


@contextlib.contextmanager
def guard(settings: Settings, grace: float = GRACE_SECONDS) -> Iterator[None]:
    """Around a writing command: trap SIGINT/SIGTERM (what killed runs left is recovered by
    the run itself, in flows.run.open_run, for CLI and deployment runs alike)."""
    path = settings.warehouse.path
    since = datetime.now(UTC)
    with trapped(lambda signum: mark_interrupted(path, signum, since), grace):
        yield
