"""A progress bar for the terminal, moved by the steps the pipeline reports.

`run_pipeline` reports each finished step (``progress(step)``); it also tells `step_done`,
which forwards to the bar the CLI opened with `terminal_bar` — process-wide, because a flow
called through Prefect may run its body in another thread or context than the CLI's.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

STEPS = ("news", "market", "verify", "checks", "report")

_lock = threading.Lock()
_listener: Callable[[str], None] | None = None


def step_done(step: str) -> None:
    """Tell the terminal's bar, if one is open, that a step finished."""
    with _lock:
        listener = _listener
    if listener is not None:
        listener(step)


def chained(progress: Callable[[str], None]) -> Callable[[str], None]:
    """A step callback that also moves the terminal's bar."""

    def both(step: str) -> None:
        progress(step)
        step_done(step)

    return both


@contextmanager
def listening(callback: Callable[[str], None]) -> Iterator[None]:
    """Send every finished step to callback while the block runs."""
    global _listener
    with _lock:
        previous, _listener = _listener, callback
    try:
        yield
    finally:
        with _lock:
            _listener = previous


@contextmanager
def terminal_bar(title: str, *, enabled: bool | None = None) -> Iterator[None]:
    """A rich progress bar on stderr while the block runs, when stderr is a terminal."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} steps"),
        TimeElapsedColumn(),
        console=Console(file=sys.stderr, force_terminal=True),  # enabled: a terminal, or a test
        transient=True,
    )
    task = bar.add_task(f"{title}: {STEPS[0]}", total=len(STEPS))

    def advance(step: str) -> None:
        done = STEPS.index(step) + 1 if step in STEPS else None
        following = STEPS[done] if done is not None and done < len(STEPS) else "done"
        bar.update(task, completed=done, description=f"{title}: {following}")

    with bar, listening(advance):
        yield
