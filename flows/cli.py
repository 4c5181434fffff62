"""The `newsdesk` command line: argument parsing and exit codes only."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date, timedelta

from newsdesk.errors import RunFailed, UsageError

COMMANDS = ("run", "backfill", "demo", "sql", "check", "report", "serve")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own usage errors: exit 2, one line
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, one sub-command per CONTRACT command."""
    parser = _Parser(prog="newsdesk", description="Check the figures the news states.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="the nightly job for one date")
    run.add_argument("--date", help="YYYY-MM-DD (default: yesterday in schedule.timezone)")
    _common(run)

    backfill = sub.add_parser("backfill", help="the nightly job over a date range")
    backfill.add_argument("--start", required=True, help="first date, YYYY-MM-DD")
    backfill.add_argument("--end", required=True, help="last date, YYYY-MM-DD")
    backfill.add_argument("--symbols", help="comma-separated symbols to add to the watchlist")
    _common(backfill)

    demo = sub.add_parser("demo", help="the nightly job over the bundled snapshot, offline")
    demo.add_argument("--config", help="config file (default: $NEWSDESK_CONFIG or ./newsdesk.toml)")

    sql = sub.add_parser("sql", help="ad-hoc read-only SQL; no QUERY opens a shell")
    sql.add_argument("query", nargs="?")
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")
    sql.add_argument("--config", help="config file")

    check = sub.add_parser("check", help="the data-quality suites only")
    check.add_argument("--date", help="YYYY-MM-DD (default: yesterday)")
    check.add_argument("--config", help="config file")

    report = sub.add_parser("report", help="the claims report for a date (Markdown + HTML)")
    report.add_argument("--date", help="YYYY-MM-DD (default: yesterday)")
    report.add_argument("--config", help="config file")

    serve = sub.add_parser("serve", help="register and serve the nightly and backfill deployments")
    serve.add_argument("--config", help="config file")
    return parser


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--offline", action="store_true", help="replay the landing zone only")
    parser.add_argument(
        "--config", help="config file (default: $NEWSDESK_CONFIG or ./newsdesk.toml)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    try:
        args = build_parser().parse_args(argv)
        return _dispatch(args)
    except UsageError as exc:
        print(f"newsdesk: {exc}", file=sys.stderr)
        return 2
    except RunFailed as exc:
        print(f"newsdesk: run failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("newsdesk: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # anything else: one line, the traceback only when asked for
        if os.environ.get("NEWSDESK_DEBUG"):
            raise
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        print(f"newsdesk: run failed: {type(exc).__name__}: {message}", file=sys.stderr)
        print("newsdesk: set NEWSDESK_DEBUG=1 for the traceback", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace) -> int:
    from flows import commands
    from newsdesk.config import load_settings, parse_date

    settings = load_settings(args.config)
    if args.command == "sql":
        return commands.sql(settings, args.query, args.format)
    if args.command == "run":
        day = parse_date(args.date, "--date") if args.date else _yesterday(settings)
        return commands.run(settings, day, offline=args.offline)
    if args.command == "backfill":
        start, end = parse_date(args.start, "--start"), parse_date(args.end, "--end")
        symbols = [s.strip() for s in (args.symbols or "").split(",") if s.strip()]
        return commands.backfill(settings, start, end, offline=args.offline, symbols=symbols)
    if args.command == "demo":
        return commands.demo(settings)
    if args.command == "check":
        day = parse_date(args.date, "--date") if args.date else _yesterday(settings)
        return commands.check(settings, day)
    if args.command == "report":
        day = parse_date(args.date, "--date") if args.date else _yesterday(settings)
        return commands.report(settings, day)
    if args.command == "serve":
        return commands.serve(settings)
    raise UsageError(f"unknown command {args.command}")  # pragma: no cover - argparse guards


def _yesterday(settings) -> date:
    from datetime import datetime

    return datetime.now(settings.tz).date() - timedelta(days=1)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
