"""`make eval`: the nightly pipeline over the labelled corpus, scored against its labels.

Serves every eval/corpus page and the market data its figures need from stand-in servers on
127.0.0.1, runs flows.nightly.run_pipeline once over a temporary warehouse, then prints
extraction recall, verdict accuracy, date accuracy and false "contradicted", by failure
class, and every miss (docs/evaluation.md).

    .venv/bin/python -m scripts.eval [--corpus DIR] [--only STEM] [--json PATH]

Exit 0 whatever the scores; 2 when the corpus is malformed, 1 when the pipeline failed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a plain script: make newsdesk/ and scripts/ importable
    sys.path.insert(0, str(REPO))

from newsdesk.config import HttpSettings, Settings, WarehouseSettings  # noqa: E402
from scripts.evaluation.corpus import CorpusError, Page, load_corpus  # noqa: E402
from scripts.evaluation.scoring import Score, score  # noqa: E402
from scripts.evaluation.standin import DATA_FILES, StandIn  # noqa: E402
from scripts.evaluation.table import render  # noqa: E402

DEFAULT_CORPUS = REPO / "eval" / "corpus"
SEC_USER_AGENT = "newsdesk eval harness eval@example.com"
# A run date when no page states when it was published (any past day does).
FALLBACK_DAY = date(2025, 2, 14)


class PipelineFailed(Exception):
    """The run stopped before its claims were judged and published."""


@dataclass(frozen=True)
class Evaluation:
    """One evaluation: the pages, the score, and what the harness has to say about the run."""

    pages: list[Page]
    score: Score
    seconds: float
    notes: list[str]

    def summary(self) -> dict:
        """JSON-ready metrics (what --json writes)."""
        return {**self.score.summary(), "seconds": round(self.seconds, 1), "notes": self.notes}


def evaluate(corpus: Path, *, only: str | None = None) -> Evaluation:
    """Serve the corpus, run the pipeline over it once and score the claims it published.

    Raises CorpusError for a malformed corpus and PipelineFailed when the run failed.
    """
    pages = load_corpus(corpus, only)
    if not pages:
        raise CorpusError(f"{corpus}: no pages (*.toml + *.html)")
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="newsdesk-eval-") as tmp,
        StandIn(pages) as standin,
    ):
        settings = eval_settings(Path(tmp), standin, pages)
        notes = _run(settings, run_day(pages), standin)
        claims, read = published_claims(settings, standin, pages)
    unread = [p.stem for p in pages if p.stem not in read]
    if unread:
        notes.append(f"pages the news step did not store as articles: {', '.join(unread)}")
    return Evaluation(pages, score(pages, claims, read), time.monotonic() - started, notes)


def run_day(pages: Sequence[Page]) -> date:
    """The run's date: the last publication day of the corpus.

    One run covers every page: news.pages are fetched whatever the run date, and the market
    step fetches from the earliest day the claims speak of to this one.
    """
    days = [p.published.date() for p in pages if p.published is not None]
    return max(days, default=FALLBACK_DAY)


def eval_settings(tmp: Path, standin: StandIn, pages: Sequence[Page]) -> Settings:
    """Defaults, but a temporary warehouse and every source pointed at the stand-in."""
    base = Settings()
    return replace(
        base,
        warehouse=WarehouseSettings(
            path=tmp / "eval.duckdb",
            raw_dir=tmp / "raw",
            reports_dir=tmp / "reports",
            dq_dir=tmp / "dq",
        ),
        news=replace(
            base.news, pages=tuple(standin.page_url(p) for p in pages), feeds=(), min_interval=0
        ),
        market=replace(base.market, base_url=f"{standin.base_url}/yahoo", watchlist=()),
        fx=replace(base.fx, base_url=f"{standin.base_url}/frankfurter"),
        sec=replace(base.sec, base_url=f"{standin.base_url}/sec", user_agent=SEC_USER_AGENT),
        # The stand-in answers at once: one quick client retry, no task retries to wait out.
        http=HttpSettings(retries=1, backoff=0.2, task_retries=0, read_timeout=60.0),
    )


def _run(settings: Settings, day: date, standin: StandIn) -> list[str]:
    """Run the pipeline in one flow; the notes to print, or PipelineFailed."""
    from prefect import flow

    from flows import engine
    from flows.nightly import run_pipeline
    from flows.run import open_run

    @flow(name="eval", flow_run_name=f"eval-{day}")
    def eval_flow() -> dict:
        run = open_run(settings, offline=False)
        try:
            run_pipeline(run, day, day, flow_name="eval")
        except Exception as exc:  # judged below: some failures are the corpus's design
            first = (str(exc).splitlines() or [""])[0]
            return {"error": f"{type(exc).__name__}: {first}", "failures": run.stats.failures}
        return {"error": None, "failures": run.stats.failures}

    # On the Prefect server `make serve` started when one answers, else directly (no
    # temporary server: flows/engine.py).
    result = engine.run_flow(eval_flow)
    failures = list(result["failures"])
    # Symbols the truth data does not hold (^NDX, TSM, …) fail the run's market step by
    # design; their claims are unverifiable. Any other failure is the pipeline's.
    unexpected = [f for f in failures if f.split(": ", 1)[0] not in standin.no_data]
    if result["error"] and (unexpected or not failures):
        raise PipelineFailed(result["error"])
    notes = []
    if standin.no_data:
        notes.append(f"no market data for {', '.join(sorted(standin.no_data))} (by design)")
    return notes


def published_claims(
    settings: Settings, standin: StandIn, pages: Sequence[Page]
) -> tuple[list[dict], set[str]]:
    """The run's claims as dicts with their page's stem, and the stems stored as articles."""
    from newsdesk.warehouse import Warehouse

    warehouse = Warehouse(settings.warehouse.path, migrate=False)
    stems = {standin.page_url(p): p.stem for p in pages}
    articles = {
        article_id: stems[url]
        for article_id, url in warehouse.table("articles").select("article_id", "url").iter_rows()
        if url in stems
    }
    claims = [
        {**row, "stem": articles[row["article_id"]]}
        for row in warehouse.table("claims").to_dicts()
        if row["article_id"] in articles
    ]
    return claims, set(articles.values())


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, evaluate, print; the exit code."""
    parser = argparse.ArgumentParser(prog="scripts/eval.py", description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus directory")
    parser.add_argument("--only", metavar="STEM", help="evaluate one page")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the metrics here")
    args = parser.parse_args(argv)
    missing = [path for path in DATA_FILES if not path.is_file()]
    if missing:  # the stand-ins serve real figures from ../shared/data; say so, once
        others = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        print(
            f"eval: missing {missing[0]}{others}: the stand-ins serve ../shared/data",
            file=sys.stderr,
        )
        return 2
    # Concurrent chart fetches overflow requests' pool of 10; harmless, and not the corpus's.
    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)
    try:
        evaluation = evaluate(args.corpus, only=args.only)
    except CorpusError as exc:
        print(f"eval: malformed corpus: {exc}", file=sys.stderr)
        return 2
    except PipelineFailed as exc:
        print(f"eval: the pipeline failed: {exc}", file=sys.stderr)
        return 1
    print(
        render(evaluation.score, evaluation.pages, seconds=evaluation.seconds,
               notes=evaluation.notes)
    )  # fmt: skip
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(evaluation.summary(), indent=2, ensure_ascii=False, default=str) + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    # No network but the stand-ins: keep Prefect's telemetry quiet and its log short. Set here,
    # not in main(): tests call main() in-process, and a changed os.environ would reach every
    # later test and the processes it starts (a newsdesk run that logs nothing, say).
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    sys.exit(main())
