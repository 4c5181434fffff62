"""Where a flow runs: on a Prefect server when one answers, else directly in this process.

A Prefect flow called without ``PREFECT_API_URL`` starts a temporary server first (~15 s on
two cores, and it can time out when the machine is busy). The CLI never needs one: a
command runs its flow on the server ``make serve`` started when that answers (the run shows
in the UI), and otherwise calls the same flow function directly — subflows and tasks run as
plain calls, submitted tasks on a thread pool, and no artifacts are published.

``NEWSDESK_PREFECT`` picks the mode: ``auto`` (default: the server when one answers, else
direct), ``direct`` (never Prefect), or ``prefect`` (always through Prefect; with no server
configured that means Prefect's temporary one).
"""

from __future__ import annotations

import contextvars
import logging
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from newsdesk.errors import UsageError

MODES = ("auto", "direct", "prefect")
# Direct mode's pool for submitted tasks: I/O-bound fetches, like Prefect's thread runner.
DIRECT_WORKERS = 8
PROBE_SECONDS = 0.5
# A direct run's log lines, shaped like Prefect's console lines.
LOG_FORMAT = "%(asctime)s.%(msecs)03d | %(levelname)-7s | %(message)s"
# Where `make serve` starts its server.
HOST, PORT = "127.0.0.1", 4200
LOCAL_API_URL = f"http://{HOST}:{PORT}/api"

_direct: contextvars.ContextVar[bool] = contextvars.ContextVar("newsdesk_direct", default=False)
_pool: ThreadPoolExecutor | None = None


def mode() -> str:
    """The configured mode (``NEWSDESK_PREFECT``), checked."""
    value = os.environ.get("NEWSDESK_PREFECT", "auto").strip().lower() or "auto"
    if value not in MODES:
        raise UsageError(f"NEWSDESK_PREFECT={value!r}: expected one of {', '.join(MODES)}")
    return value


def prefect_api() -> str | None:
    """The Prefect API a CLI run should use: PREFECT_API_URL, else a local server that answers."""
    from prefect.settings import PREFECT_API_URL

    configured = PREFECT_API_URL.value()
    if configured:
        return str(configured)
    return LOCAL_API_URL if server_healthy(LOCAL_API_URL, timeout=PROBE_SECONDS) else None


def where() -> str:
    """Where the next ``run_flow`` will run, in words."""
    chosen = mode()
    return _where(chosen, prefect_api() if chosen != "direct" else None)


def _where(chosen: str, api: str | None) -> str:
    if chosen == "direct":
        return "in this process (NEWSDESK_PREFECT=direct)"
    if api:
        return f"on the Prefect server at {api}"
    if chosen == "prefect":
        return "on a temporary Prefect server (NEWSDESK_PREFECT=prefect)"
    return "in this process (no Prefect server answers; `make serve` starts one)"


def run_flow(flow_obj: Any, /, **params: Any) -> Any:
    """Call a flow as the CLI does: on a server when one answers, else directly.

    The first log line says which (the server is probed once).
    """
    chosen = mode()
    api = prefect_api() if chosen != "direct" else None
    if api is None and chosen != "prefect":
        with direct(), console_log():
            logging.getLogger("newsdesk").info("running %s", _where(chosen, api))
            return flow_obj.fn(**params)
    if api is None:
        return flow_obj(**params)
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api}):
        return flow_obj(**params)


@contextmanager
def direct() -> Iterator[None]:
    """Run what follows without Prefect: subflows and tasks become plain calls."""
    token = _direct.set(True)
    try:
        yield
    finally:
        _direct.reset(token)


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (a progress bar redirects it)."""

    @property
    def stream(self) -> Any:  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


@contextmanager
def console_log() -> Iterator[None]:
    """The run's INFO lines on stderr while a direct run lasts, as a Prefect run shows them.

    Prefect's console handler on the root logger prints them when it is installed (it is
    once prefect is imported); otherwise a plain stderr handler does.
    """
    logger = logging.getLogger("newsdesk")
    handler = None
    if not logger.handlers and not logging.getLogger().handlers:
        handler = _Stderr()
        handler.setFormatter(logging.Formatter(LOG_FORMAT, datefmt="%H:%M:%S"))
        logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.setLevel(previous)
        if handler is not None:
            logger.removeHandler(handler)


def is_direct() -> bool:
    """Whether the current call runs without Prefect."""
    return _direct.get()


def in_flow_run() -> bool:
    """Whether a Prefect flow run is current (artifacts and limits need one)."""
    if is_direct():
        return False
    from prefect.context import FlowRunContext

    return FlowRunContext.get() is not None


def call(obj: Any, /, *args: Any, **kwargs: Any) -> Any:
    """Call a subflow or task: through Prefect in a flow run, as a plain function when direct."""
    if is_direct():
        return _with_retries(obj, args, kwargs)
    return obj(*args, **kwargs)


def submit(task_obj: Any, /, *args: Any, **kwargs: Any) -> Future | Any:
    """Submit a task: Prefect's task runner in a flow run, a thread pool when direct.

    Both futures answer ``.result()``, which raises what the task raised.
    """
    if not is_direct():
        return task_obj.submit(*args, **kwargs)
    context = contextvars.copy_context()  # the worker thread stays direct
    return _executor().submit(context.run, _with_retries, task_obj, args, kwargs)


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=DIRECT_WORKERS, thread_name_prefix="newsdesk")
    return _pool


def _with_retries(obj: Any, args: tuple, kwargs: dict) -> Any:
    """The function behind a task, retried as its options say (a flow is called once)."""
    retries = int(getattr(obj, "retries", 0) or 0)
    delays = getattr(obj, "retry_delay_seconds", 0) or 0
    return retry_call(obj.fn, retries, delays, *args, **kwargs)


def retry_call(fn: Callable[..., Any], retries: int, delays: Any, *args: Any, **kwargs: Any) -> Any:
    """``fn`` tried again up to ``retries`` times, ``delays`` seconds apart (one number or a
    list, as Prefect's ``retry_delay_seconds``); an error marked ``no_retry`` is not retried."""
    for attempt in range(retries + 1):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if attempt == retries or getattr(exc, "no_retry", False):
                raise
            delay = delays[min(attempt, len(delays) - 1)] if isinstance(delays, list) else delays
            time.sleep(float(delay or 0))
    raise AssertionError("unreachable: the loop returns or raises")


def server_healthy(api_url: str = LOCAL_API_URL, timeout: float = 2.0) -> bool:
    """Whether a Prefect API answers its health check at api_url."""
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False
