"""The `nightly` and `backfill` deployments, and the local Prefect server `make serve` starts.

`python -m flows.deployments --start-server` (what `make serve` runs) first brings up a local
Prefect server when none answers; `newsdesk serve` serves against the configured API.
`newsdesk deploy` registers the same deployments, and `chunk`, on a work pool instead: runs
then execute on whatever `prefect worker start --pool NAME` processes poll it.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows.engine import HOST, LOCAL_API_URL, PORT, server_healthy
from flows.run import WRITE_LIMIT
from newsdesk.config import Settings
from newsdesk.errors import RunFailed, UsageError

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

SERVER_START_SECONDS = 120.0  # a first start migrates the database: slow on a small machine

NIGHTLY_DESCRIPTION = (
    "The nightly job for one closed day: news, market data, verdicts, data-quality checks "
    "and the claims report. A scheduled run processes the day before its own scheduled "
    "start (in the schedule's timezone), so a late or repeated run still does its own day; "
    "set run_date to redo another day."
)
BACKFILL_DESCRIPTION = (
    "The nightly job over a date range [start, end], both closed days, at most five years. "
    "Each source is fetched once for the whole range and the landing zone is reused; "
    "offline replays the landing zone only. Re-running a range leaves the tables as one "
    "run would. Runs queue one at a time. A run first logs and publishes its plan, and fails "
    "when there is nothing to fetch. With missing, only the dates `newsdesk status` shows as "
    "missing or failed are run, one backfill per contiguous span of them."
)


def build_deployments(settings: Settings, **pool: Any) -> list[RunnerDeployment]:
    """The two deployments, described from settings (not yet registered); ``pool`` holds
    ``work_pool_name`` and ``job_variables`` for a work pool."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.schedules import Cron
    from prefect.types.entrypoint import EntrypointType

    from flows.backfill import backfill
    from flows.nightly import nightly

    # One run per deployment at a time; a second one waits its turn instead of failing.
    one_at_a_time = ConcurrencyLimitConfig(
        limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE
    )
    # Runs execute in fresh processes that may start elsewhere: hand them the config explicitly.
    defaults = {"config": str(settings.source_file.resolve())} if settings.source_file else {}
    common: dict[str, Any] = {
        "concurrency_limit": one_at_a_time,
        "entrypoint_type": EntrypointType.MODULE_PATH,
        "parameters": defaults,
        **pool,
    }
    schedule = Cron(settings.schedule.cron, timezone=settings.schedule.timezone)
    return [
        nightly.to_deployment(
            "nightly",
            schedules=[schedule],
            tags=["newsdesk", "nightly"],
            description=NIGHTLY_DESCRIPTION,
            **common,
        ),
        backfill.to_deployment(
            "backfill",
            tags=["newsdesk", "backfill"],
            description=BACKFILL_DESCRIPTION,
            **common,
        ),
    ]


def ensure_write_limit() -> None:
    """Create (or reset to 1) the global concurrency limit that warehouse writes take."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(WRITE_LIMIT, 1)


def serve_deployments(settings: Settings, *, limit: int | None = None) -> None:
    """Register both deployments with the API at PREFECT_API_URL and execute their runs."""
    from prefect import serve

    from flows.limits import ensure_limits

    _require_api()
    ensure_write_limit()
    ensure_limits(settings)
    # Keep the schedule active while serve is down: missed nights wait as Late runs and each
    # still processes its own date when serve comes back.
    serve(*build_deployments(settings), pause_on_shutdown=False, limit=limit)


def _require_api() -> None:
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        raise UsageError(
            "PREFECT_API_URL is not set: start a server with `make serve` (or "
            f"`prefect server start`) and export PREFECT_API_URL={LOCAL_API_URL}"
        )


# --- work pools: `newsdesk deploy` -----------------------------------------------------------

DEFAULT_POOL = "newsdesk"
POOL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
CHUNK_DESCRIPTION = (
    "One chunk of a run (a slice of its symbols or news pages): fetch, land and transform it, "
    "stage the Parquet and a result JSON for the run's loader. Started by nightly and "
    "backfill runs when compute.work_pool is set; not meant to be run by hand."
)


def pool_name(settings: Settings, given: str | None) -> str:
    """The work pool to deploy to: --pool, else compute.work_pool, else ``newsdesk``."""
    name = given if given is not None else settings.compute.work_pool or DEFAULT_POOL
    if not POOL_NAME.fullmatch(name):  # the rule config.py applies to compute.work_pool
        raise UsageError(f"--pool: {name!r} is not a work pool name such as 'newsdesk'")
    return name


def ensure_work_pool(name: str) -> tuple[str, bool]:
    """The pool's type, creating a process work pool when there is none of that name (and
    whether it was created)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            return client.read_work_pool(name).type, False
        except ObjectNotFound:
            pass
        # The template comes with the installed worker: no registry lookup over the network.
        template = ProcessWorker.get_default_base_job_template()
        pool = WorkPoolCreate(name=name, type="process", base_job_template=template)
        return client.create_work_pool(work_pool=pool).type, True


def chunk_flow() -> Any:
    """The `chunk` flow (flows/chunk_flow.py): one chunk of a run as a deployment run."""
    from flows.chunk_flow import chunk

    return chunk


def build_pool_deployments(
    settings: Settings, pools: dict[str, dict[str, Any]], pool: str, chunk_pool: str
) -> list[RunnerDeployment]:
    """nightly and backfill on ``pool``, chunk on ``chunk_pool``; ``pools``
    holds each pool's job variables."""
    from prefect.types.entrypoint import EntrypointType

    chunk = chunk_flow()
    found = build_deployments(settings, work_pool_name=pool, job_variables=pools[pool])
    defaults = {"config": str(settings.source_file.resolve())} if settings.source_file else {}
    # No one-at-a-time limit: a run starts many chunks at once; the pool's workers and the
    # rate limits bound what they do.
    found.append(
        chunk.to_deployment(
            "chunk",
            tags=["newsdesk", "chunk"],
            description=CHUNK_DESCRIPTION,
            entrypoint_type=EntrypointType.MODULE_PATH,
            parameters=defaults,
            work_pool_name=chunk_pool,
            job_variables=pools[chunk_pool],
        )
    )
    return found


def deploy(settings: Settings, pool: str, *, working_dir: Path | None = None) -> list[str]:
    """Create the work pools if missing, the write and rate limits, and register nightly and
    backfill on ``pool``, chunk on ``compute.work_pool`` (else ``pool`` too); their names."""
    from flows.limits import ensure_limits

    _require_api()
    chunk_pool = settings.compute.work_pool or pool
    pools: dict[str, dict[str, Any]] = {}
    for name in dict.fromkeys((pool, chunk_pool)):
        pool_type, created = ensure_work_pool(name)
        # A process worker runs each flow in a folder of its own: in this one, relative
        # paths of the config (the warehouse, the landing zone) mean what they mean here.
        # A Docker or Kubernetes pool runs in its image's folder.
        where = (working_dir or Path.cwd()).resolve()
        pools[name] = {"working_dir": str(where)} if pool_type == "process" else {}
        what = "created the process work pool" if created else f"using the {pool_type} work pool"
        print(f"newsdesk: {what} {name!r}")
    ensure_write_limit()
    ensure_limits(settings)
    names = []
    for deployment in build_pool_deployments(settings, pools, pool, chunk_pool):
        deployment.apply()
        names.append(f"{deployment.flow_name}/{deployment.name}")
        print(f"newsdesk: deployed {names[-1]} on {deployment.work_pool_name!r}")
    for name in pools:
        print(f"newsdesk: start workers with: prefect worker start --pool {name}")
    return names


def start_server(
    prefect_home: Path,
    *,
    host: str = HOST,
    port: int = PORT,
    wait_seconds: float = SERVER_START_SECONDS,
) -> subprocess.Popen | None:
    """Start `prefect server start` on host:port unless one answers there; wait until healthy."""
    api_url = f"http://{host}:{port}/api"
    if server_healthy(api_url):
        print(f"newsdesk: using the Prefect server already running at {api_url}")
        return None
    prefect_home.mkdir(parents=True, exist_ok=True)
    log_path = prefect_home / "server.log"
    env = {**os.environ, "PREFECT_HOME": str(prefect_home)}
    env.pop("PREFECT_API_URL", None)  # the server must not try to talk to itself
    print(f"newsdesk: starting a Prefect server (state in {prefect_home}, log {log_path})")
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            _server_command(host, port),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    deadline = time.monotonic() + wait_seconds
    while not server_healthy(api_url):
        if process.poll() is not None:
            raise RunFailed(
                f"the Prefect server exited with status {process.returncode} before it was "
                f"healthy; see {log_path} (is port {port} taken?)"
            )
        if time.monotonic() > deadline:
            process.terminate()
            raise RunFailed(
                f"the Prefect server did not answer {api_url}/health within "
                f"{wait_seconds:.0f} s; see {log_path}"
            )
        time.sleep(0.5)
    print(f"newsdesk: Prefect server up; UI at http://{host}:{port}")
    return process


DEPLOYMENT_PARAMS = {
    "backfill": ("start", "end", "offline", "symbols", "missing", "config"),
    "nightly": ("run_date", "offline", "config"),
}
TRUE, FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def deployment_parameters(name: str, pairs: Sequence[str]) -> dict[str, Any]:
    """`KEY=VALUE` pairs checked and typed for a deployment run (`make backfill`, `make
    nightly`): dates parsed, flags as booleans, symbols as a list; empty values dropped."""
    from newsdesk.config import normalise_symbol, parse_date

    allowed = DEPLOYMENT_PARAMS.get(name)
    if allowed is None:
        raise UsageError(f"no deployment {name!r}: expected one of {', '.join(DEPLOYMENT_PARAMS)}")
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or key not in allowed:
            raise UsageError(f"{name}: {pair!r} is not KEY=VALUE with KEY one of {allowed}")
        if key in ("start", "end", "run_date"):
            if value:
                what = key.upper() if key != "run_date" else "DATE"
                params[key] = parse_date(value, what).isoformat()
        elif key in ("offline", "missing"):
            if value.lower() not in TRUE + FALSE:
                raise UsageError(f"{name}: {key}={value!r}: expected 1 or 0")
            params[key] = value.lower() in TRUE
        elif key == "config":
            if value:  # else the deployment's own default
                params[key] = str(Path(value).resolve())
        else:
            symbols = [normalise_symbol(s, "SYMBOLS") for s in value.split(",") if s.strip()]
            if symbols:
                params[key] = symbols
    for key in ("start", "end") if name == "backfill" else ():
        if key not in params:
            raise UsageError(f"backfill: {key.upper()}=YYYY-MM-DD is required")
    return params


def start_deployment_run(name: str, params: dict[str, Any], *, wait: bool = True) -> int:
    """Start a run of deployment `name` on the server at PREFECT_API_URL; with wait, follow it
    to its final state. 0 when it completed (or was started, without wait), 1 otherwise."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL

    api = str(PREFECT_API_URL.value() or LOCAL_API_URL)
    if not server_healthy(api):
        raise RunFailed(f"no Prefect server answers at {api}: start one with `make serve`")
    try:
        with get_client(sync_client=True) as client:
            client.read_deployment_by_name(f"{name}/{name}")
    except ObjectNotFound:
        raise RunFailed(
            f"the server at {api} has no deployment {name}/{name}: is `make serve` running?"
        ) from None
    flow_run = run_deployment(f"{name}/{name}", parameters=params, timeout=0)
    ui = api.removesuffix("/api")
    print(f"newsdesk: started a {name} run: {ui}/runs/flow-run/{flow_run.id}")
    if not wait:
        return 0
    final = _wait_final(flow_run.id)  # the run is named once it starts: backfill-START..END
    state = final.state
    print(f"newsdesk: {final.name} {state.type.value.lower()}: {state.message or ''}".rstrip())
    return 0 if state.is_completed() else 1


def _wait_final(flow_run_id: Any, poll: float = 2.0) -> Any:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        while True:
            flow_run = client.read_flow_run(flow_run_id)
            if flow_run.state is not None and flow_run.state.is_final():
                return flow_run
            time.sleep(poll)


def _server_command(host: str, port: int) -> list[str]:
    prefect = Path(sys.executable).with_name("prefect")
    return [str(prefect), "server", "start", "--host", host, "--port", str(port)]


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m flows.deployments [--start-server] [--config F]`."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    parser = argparse.ArgumentParser(prog="python -m flows.deployments", description=__doc__)
    parser.add_argument(
        "--start-server",
        action="store_true",
        help=f"start a Prefect server on {HOST}:{PORT} first unless one is running",
    )
    parser.add_argument(
        "--config", help="config file (default: $NEWSDESK_CONFIG or ./newsdesk.toml)"
    )
    parser.add_argument(
        "--run",
        choices=sorted(DEPLOYMENT_PARAMS),
        help="start a run of this deployment on the server at PREFECT_API_URL and follow it",
    )
    parser.add_argument("--no-wait", action="store_true", help="with --run: start, do not follow")
    parser.add_argument("params", nargs="*", metavar="KEY=VALUE", help="with --run: parameters")
    args = parser.parse_args(argv)
    server = None
    try:
        if args.run:
            params = deployment_parameters(args.run, args.params)
            return start_deployment_run(args.run, params, wait=not args.no_wait)
        if args.params:
            raise UsageError("KEY=VALUE parameters go with --run NAME")
        from newsdesk.config import load_settings

        settings = load_settings(args.config)
        if args.start_server:
            home = Path(os.environ.get("PREFECT_HOME") or Path.cwd() / ".prefect")
            server = start_server(home)
            # Set before prefect reads its settings, so the runner and its runs use this API.
            os.environ["PREFECT_API_URL"] = LOCAL_API_URL
        serve_deployments(settings)
    except UsageError as exc:
        print(f"newsdesk: {exc}", file=sys.stderr)
        return 2
    except RunFailed as exc:
        print(f"newsdesk: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if args.run:
            print("newsdesk: stopped following; the run goes on on the server", file=sys.stderr)
            return 130
    finally:
        if server is not None:  # stop what we started; its state stays in PREFECT_HOME
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
