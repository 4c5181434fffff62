"""The `newsdesk` command line: argument parsing, checks at the door and exit codes only."""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from newsdesk.errors import RunFailed, UsageError

COMMANDS = ("run", "backfill", "demo", "sql", "check", "report", "status", "serve", "deploy")

MAX_SYMBOLS = 500

EPILOG = """\
examples:
  newsdesk demo                                  the bundled Sora-day snapshot, offline
  newsdesk run --date 2024-02-20                 the nightly job for one closed day
  newsdesk backfill --start 2024-02-12 --end 2024-02-20 --symbols ADBE,SSTK
  newsdesk backfill --missing --start 2024-02-01 --end 2024-02-29
  newsdesk status --start 2024-02-12 --end 2024-02-20
  newsdesk sql "select symbol, date, close from prices limit 5"
  newsdesk sql -f sql/queries/contradicted.sql --format csv
  newsdesk --config my.toml run --json           --config goes before or after the command

exit codes:
  0    done
  1    the run failed (the reason is the last line on stderr)
  2    bad usage: a bad argument, config value or SQL statement; nothing was written
  130  interrupted (Ctrl-C); 143 terminated (SIGTERM)
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own usage errors: exit 2, one line
        raise UsageError(message)


class _Version(argparse.Action):
    """--version, the installed package's metadata read only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.pop("default", None)
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        print(f"newsdesk {_version()}")
        parser.exit(0)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, one sub-command per CONTRACT command."""
    parser = _Parser(
        prog="newsdesk",
        description="Check the figures the news states against market data.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    parser.add_argument(
        "--config", help="config file (default: $NEWSDESK_CONFIG or ./newsdesk.toml)"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        child = sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
            allow_abbrev=False,
        )
        # SUPPRESS: an absent --config after the command keeps the one given before it.
        child.add_argument("--config", default=argparse.SUPPRESS, help="config file")
        return child

    run = command("run", "the nightly job for one date")
    run.add_argument("--date", help="YYYY-MM-DD (default: yesterday in schedule.timezone)")
    _run_flags(run)

    backfill = command("backfill", "the nightly job over a date range")
    backfill.add_argument("--start", required=True, help="first date, YYYY-MM-DD")
    backfill.add_argument("--end", required=True, help="last date, YYYY-MM-DD")
    backfill.add_argument("--symbols", help="comma-separated symbols to add to the watchlist")
    backfill.add_argument(
        "--missing", action="store_true", help="re-run only the dates missing or failed"
    )
    _run_flags(backfill)

    demo = command("demo", "the nightly job over the bundled snapshot, offline")
    demo.add_argument("--json", action="store_true", help="print one JSON object")

    sql = command("sql", "read-only SQL on the warehouse; no QUERY and no -f opens a shell")
    sql.add_argument("query", nargs="?", help="statements to run (all results are printed)")
    sql.add_argument("-f", "--file", help="run the statements of a .sql file")
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")
    sql.add_argument(
        "--allow-files",
        action="store_true",
        help="let SQL read local files (read_csv, glob…); off by default",
    )

    check = command("check", "the data-quality suites only")
    check.add_argument("--date", help="YYYY-MM-DD (default: yesterday)")
    check.add_argument("--json", action="store_true", help="print one JSON object")

    report = command("report", "the claims report for a date (Markdown + HTML)")
    report.add_argument("--date", help="YYYY-MM-DD (default: yesterday)")

    status = command("status", "what the warehouse holds per date: gaps and failures")
    status.add_argument("--start", help="first date, YYYY-MM-DD")
    status.add_argument("--end", help="last date, YYYY-MM-DD")
    status.add_argument("--json", action="store_true", help="print one JSON object")

    command("serve", "register and serve the nightly and backfill deployments")

    deploy = command("deploy", "register nightly, backfill and chunk on a Prefect work pool")
    deploy.add_argument(
        "--pool", help="work pool name (default: compute.work_pool, else 'newsdesk')"
    )
    return parser


@functools.cache
def _parser() -> argparse.ArgumentParser:
    """One parser per process: parsing never changes it (and building one costs ~10 ms)."""
    return build_parser()


def _run_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--offline", action="store_true", help="replay the landing zone only")
    parser.add_argument("--json", action="store_true", help="print one JSON summary object")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    as_json = False
    try:
        try:
            args = _parser().parse_args(argv)
        except SystemExit as exc:  # --help and --version print, then exit 0
            return exc.code if isinstance(exc.code, int) else 0
        as_json = bool(getattr(args, "json", False))
        return _dispatch(args)
    except SystemExit as exc:  # a trapped SIGINT/SIGTERM: 130/143, already said on stderr
        return exc.code if isinstance(exc.code, int) else 1
    except UsageError as exc:
        return _fail(2, str(exc), as_json)
    except RunFailed as exc:
        return _fail(1, f"run failed: {exc}", as_json)
    except KeyboardInterrupt:
        return _fail(130, "interrupted", as_json)
    except BrokenPipeError:  # `newsdesk sql … | head`: the reader stopped, nothing went wrong
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error
        return 0
    except Exception as exc:  # anything else: one line, the traceback only when asked for
        if os.environ.get("NEWSDESK_DEBUG"):
            raise
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        code = _fail(1, f"run failed: {type(exc).__name__}: {message}", as_json)
        _say("newsdesk: set NEWSDESK_DEBUG=1 for the traceback")
        return code


def _fail(code: int, message: str, as_json: bool) -> int:
    line = _one_line(message)
    _say(f"newsdesk: {line}")
    if as_json:  # a machine reading stdout still gets one object
        print(json.dumps({"ok": False, "exit_code": code, "error": line}))
    return code


def _say(text: str) -> None:
    """One line on stderr, whatever bytes the user's arguments held."""
    encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
    safe = text.encode(encoding, "backslashreplace").decode(encoding, "replace")
    print(safe, file=sys.stderr)


def _one_line(text: str) -> str:
    """Control characters from an argument never break the one-line error."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text.strip())


# Commands that write (the warehouse, reports, Data Docs) run under flows.interrupts.guard.
WRITING = ("run", "backfill", "demo", "check", "report")


def _dispatch(args: argparse.Namespace) -> int:
    from flows import commands

    checked = _checked_arguments(args)  # every argument first: nothing opened on a bad one
    settings = _load_settings(args.config)
    if args.command == "sql":
        return commands.sql(
            settings,
            args.query,
            args.format,
            file=checked.get("file"),
            allow_files=args.allow_files,
        )
    if args.command == "status":
        from flows.status import status_command

        return status_command(settings, checked["start"], checked["end"], args.json)
    if args.command == "serve":
        return commands.serve(settings)
    if args.command == "deploy":
        return commands.deploy(settings, args.pool)
    day = checked.get("date") or _yesterday(settings)
    if args.command == "run" and day >= datetime.now(settings.tz).date():
        raise UsageError(f"--date {day} is not in the past: the nightly job checks closed days")
    if args.command == "backfill":
        from flows.backfill import validate_range

        validate_range(checked["start"], checked["end"], settings)
    with _guard(settings):  # after every check: a refused command writes nothing
        if args.command == "run":
            return commands.run(settings, day, offline=args.offline, as_json=args.json)
        if args.command == "backfill":
            return commands.backfill(
                settings, checked["start"], checked["end"], offline=args.offline,
                symbols=checked["symbols"], missing=args.missing, as_json=args.json,
            )  # fmt: skip
        if args.command == "demo":
            return commands.demo(settings, as_json=args.json)
        if args.command == "check":
            return commands.check(settings, day, as_json=args.json)
        if args.command == "report":
            return commands.report(settings, day)
    raise UsageError(f"unknown command {args.command}")  # pragma: no cover - argparse guards


def _guard(settings: Any) -> contextlib.AbstractContextManager[Any]:
    """SIGINT/SIGTERM end a writing command with 130/143 and its run row closed.

    flows.interrupts.guard also closes the rows of runs a SIGKILL left `running` first.
    """
    from flows.interrupts import guard

    return guard(settings)


def _checked_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """Every argument of the command, parsed and bounded; a UsageError names a bad one."""
    out: dict[str, Any] = {}
    for name in ("date", "start", "end"):
        value = getattr(args, name, None)
        out[name] = None if value is None else checked_date(value, f"--{name}")
    if out["start"] and out["end"] and out["end"] < out["start"]:
        raise UsageError(f"--end {out['end']} is before --start {out['start']}")
    if args.command == "backfill":
        out["symbols"] = [] if args.symbols is None else checked_symbols(args.symbols)
    if args.command == "sql":
        if args.file is not None and args.query is not None:
            raise UsageError("sql: give a QUERY or -f FILE, not both")
        if args.file is not None:
            out["file"] = _existing_file(args.file, "-f")
    return out


def checked_date(text: str, what: str) -> date:
    """A YYYY-MM-DD date between 1970-01-01 and today."""
    from newsdesk.config import parse_date

    # Today somewhere on earth: the run itself refuses a day that has not closed where it runs.
    return parse_date(text, what, latest=(datetime.now(UTC) + timedelta(hours=14)).date())


def checked_symbols(text: str) -> list[str]:
    """Comma-separated exchange symbols, upper-cased, each matching the symbol grammar."""
    from newsdesk.config import normalise_symbol

    symbols: list[str] = []
    for part in text.split(","):
        if not part.strip():
            continue
        symbol = normalise_symbol(part, "--symbols")
        if symbol not in symbols:
            symbols.append(symbol)
    if not symbols:
        raise UsageError(f"--symbols: {_clipped(text)!r} names no symbol")
    if len(symbols) > MAX_SYMBOLS:
        raise UsageError(f"--symbols: {len(symbols)} symbols, at most {MAX_SYMBOLS} per run")
    return symbols


def _clipped(text: str, limit: int = 40) -> str:
    """A long value shown by its start: the error line stays one readable line."""
    return text if len(text) <= limit else text[:limit] + "…"


def _existing_file(text: str, what: str) -> Path:
    """A path naming a readable regular file."""
    if not text:
        raise UsageError(f"{what}: empty file name")
    path = Path(text)
    try:
        if path.is_dir():
            raise UsageError(f"{what}: {_clipped(text, 200)!r} is a directory, not a file")
        if not path.is_file():
            raise UsageError(f"{what}: file not found: {_clipped(text, 200)!r}")
        with path.open("rb"):
            pass
    except (OSError, ValueError) as exc:  # too long a name, a NUL byte, no permission
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"{what}: cannot read {_clipped(text, 80)!r}: {reason}") from None
    return path


def _load_settings(config: str | None) -> Any:
    from newsdesk.config import load_settings

    explicit = config if config is not None else os.environ.get("NEWSDESK_CONFIG") or None
    if explicit is not None:
        what = "--config" if config is not None else "NEWSDESK_CONFIG"
        _existing_file(explicit, what)
    try:
        return load_settings(explicit)
    except (OSError, ValueError) as exc:  # a config file that is not what it claims to be
        raise UsageError(f"config {explicit}: {exc}") from None


def _yesterday(settings: Any) -> date:
    return datetime.now(settings.tz).date() - timedelta(days=1)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newsdesk")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
