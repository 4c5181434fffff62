"""The plan step: what a run will fetch and what it reuses, said before anything is fetched.

A run first counts symbols × sessions (and the sessions the warehouse already holds), the
news pages and feeds, and the FX range; it logs that in one line and publishes it as the
run's first artifact. A plan with nothing to fetch stops the run with a failure that says why,
instead of a green run that loads nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from flows.engine import in_flow_run
from flows.run import Run, get_logger
from newsdesk.errors import RunFailed
from newsdesk.extract.sessions import sessions_between
from newsdesk.sources.clients import LandedSources

PLAN_KEY = "run-plan"


@dataclass(frozen=True)
class Plan:
    """A run's plan: the work over [start, end] and what the warehouse already holds of it."""

    flow: str
    start: date
    end: date
    symbols: tuple[str, ...]  # the watchlist and the symbols given; the news may add more
    sessions: tuple[date, ...]
    held: int  # symbol-sessions in [start, end] the warehouse already has a bar for
    pages: int
    feeds: int
    fx_start: date
    fx_quotes: tuple[str, ...]
    fx_days_held: int  # days of [fx_start, end] with USD rates already held
    offline: bool

    @property
    def span(self) -> str:
        """The range as the CLI and the run names write it."""
        return str(self.start) if self.start == self.end else f"{self.start}..{self.end}"

    @property
    def empty(self) -> bool:
        """Nothing to fetch: no symbol and no news source."""
        return not self.symbols and not self.pages and not self.feeds

    def empty_reason(self) -> str:
        """Why an empty plan is empty, in the operator's words."""
        verb = "backfill" if self.flow == "backfill" else "run"
        why = ["no symbols given"] if self.flow == "backfill" else []
        why += ["the watchlist is empty", "no news is configured"]
        listed = ", ".join(why[:-1]) + " and " + why[-1]
        return f"nothing to {verb} for {self.span}: {listed}"

    def line(self) -> str:
        """The plan in one log line."""
        wanted = len(self.symbols) * len(self.sessions)
        market = (
            f"{len(self.symbols)} symbols × {len(self.sessions)} sessions "
            f"({self.held} of {wanted} held)"
            if self.symbols
            else "no watchlist"
        )
        fx_days = (self.end - self.fx_start).days + 1
        return (
            f"plan {self.flow} {self.span}: {market}, plus the symbols the news mentions; "
            f"news {self.pages} pages, {self.feeds} feeds; "
            f"FX {self.fx_start}..{self.end} {len(self.fx_quotes)} quotes "
            f"({self.fx_days_held} of {fx_days} days held); "
            + ("replaying the landing zone" if self.offline else "fetching live")
        )

    def markdown(self) -> str:
        """The plan as the run's first artifact."""
        wanted = len(self.symbols) * len(self.sessions)
        symbols = ", ".join(self.symbols) or "none"
        rows = [
            ("range", self.span),
            ("symbols", f"{symbols} (and any the news mentions)"),
            ("sessions", f"{len(self.sessions)} ({self.held} of {wanted} symbol-sessions held)"),
            ("news", f"{self.pages} pages, {self.feeds} feeds"),
            ("FX", f"{self.fx_start}..{self.end}, {', '.join(self.fx_quotes)}"),
            ("FX days held", str(self.fx_days_held)),
            ("sources", "landing zone (offline)" if self.offline else "live"),
        ]
        body = "\n".join(f"| {k} | {v} |" for k, v in rows)
        return f"# Plan: {self.flow} {self.span}\n\n| | |\n|---|---|\n{body}\n"


def make_plan(
    run: Run, start: date, end: date, *, symbols: Sequence[str] = (), flow_name: str
) -> Plan:
    """Count the run's work over [start, end] against what the warehouse holds."""
    settings = run.settings
    wanted = tuple(sorted(set(settings.market.watchlist) | set(symbols)))
    fx_start = start - timedelta(days=settings.market.lookback_days)
    held = run.warehouse.read("coverage", start=fx_start, end=end, symbols=list(wanted))
    in_range = held.filter((held["date"] >= start) & (held["date"] <= end))
    return Plan(
        flow=flow_name,
        start=start,
        end=end,
        symbols=wanted,
        sessions=tuple(sessions_between(start, end)),
        held=int(in_range["watchlist_priced"].sum() or 0),
        pages=len(settings.news.pages),
        feeds=len(settings.news.feeds),
        fx_start=fx_start,
        fx_quotes=tuple(settings.fx.quotes),
        fx_days_held=int((held["fx_quotes"] > 0).sum()),
        offline=isinstance(run.sources, LandedSources),
    )


def plan_step(
    run: Run, start: date, end: date, *, symbols: Sequence[str] = (), flow_name: str
) -> Plan:
    """Plan the run, log it in one line, publish it; an empty plan fails the run (RunFailed)."""
    run.stats.span = {"start": start.isoformat(), "end": end.isoformat()}
    plan = make_plan(run, start, end, symbols=symbols, flow_name=flow_name)
    get_logger().info("%s", plan.line())
    if in_flow_run():
        from prefect.artifacts import create_markdown_artifact

        create_markdown_artifact(
            markdown=plan.markdown(), key=PLAN_KEY, description=f"plan {plan.span}"
        )
    if plan.empty:
        raise RunFailed(plan.empty_reason())
    return plan
