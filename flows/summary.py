"""What a command tells the terminal when a run ends: a compact summary, or one JSON object.

The human one fits an 100-column terminal: counts by verdict (contradicted first), then each
contradicted claim — subject, stated, observed and the explanation on its own line — then the
report's paths. Text from articles is unescaped (`OpenAI&#x27;s` reads `OpenAI's`).
"""

from __future__ import annotations

import html
import json
import sys
import textwrap
from datetime import date
from pathlib import Path
from typing import IO, Any

WIDTH = 100
VERDICT_ORDER = ("contradicted", "unverifiable", "supported")
LISTED = 20  # contradicted claims listed in full; the rest are counted


def run_summary(
    result: dict[str, Any],
    *,
    command: str,
    start: date,
    end: date,
    warehouse: Path,
) -> dict[str, Any]:
    """The machine summary of a finished run: its stats, verdict counts and contradicted claims."""
    stats = result.get("stats") or {}
    claims = _claims(warehouse, start, end)
    verdicts = {v: sum(1 for c in claims if c.get("verdict") == v) for v in VERDICT_ORDER}
    other = sum(1 for c in claims if c.get("claim_type") == "other")
    markdown = result.get("report")
    return {
        "ok": True,
        "command": command,
        "run_id": result.get("run_id"),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "rows": dict(stats.get("rows") or {}),
        "requests": dict(stats.get("requests") or {}),
        "reused": dict(stats.get("reused") or {}),
        "set_aside": dict(stats.get("set_aside") or {}),
        "failures": list(stats.get("failures") or []),
        "claims_judged": stats.get("claims_judged", sum(verdicts.values())),
        "verdicts": verdicts,
        "other_figures": other,
        "contradicted": [_claim_view(c) for c in claims if c.get("verdict") == "contradicted"],
        "report": _report_paths(markdown),
        "warehouse": str(warehouse),
    }


def check_summary(report: Any, day: date) -> dict[str, Any]:
    """The machine summary of `newsdesk check`: expectations passed and failed."""
    outcomes = list(report.outcomes)

    def named(items: list[Any]) -> list[str]:
        return [f"{o.suite}: {o.expectation}" for o in items]

    return {
        "ok": not report.failed_blocking,
        "command": "check",
        "date": day.isoformat(),
        "expectations": len(outcomes),
        "passed": sum(1 for o in outcomes if o.success),
        "failed_blocking": named(report.failed_blocking),
        "failed_warning": named(report.failed_warning),
        "data_docs": str(report.docs_index) if report.docs_index else None,
    }


def print_json(summary: dict[str, Any], out: IO[str] | None = None) -> None:
    """One JSON object on one line."""
    print(json.dumps(summary, ensure_ascii=False, default=str), file=out or sys.stdout)


def print_run(summary: dict[str, Any], out: IO[str] | None = None) -> None:
    """The compact human summary of a run."""
    out = out or sys.stdout
    span = (
        summary["start"]
        if summary["start"] == summary["end"]
        else (f"{summary['start']}..{summary['end']}")
    )
    lines = [f"{summary['command']} {span}  run {summary.get('run_id') or '?'}"]
    lines += _field("loaded", _pairs(summary["rows"]) or "nothing")
    requests = _pairs(summary["requests"]) or "none"
    if summary["reused"]:
        requests += f"  (reused: {_pairs(summary['reused'])})"
    lines += _field("requests", requests)
    if summary["set_aside"]:
        lines += _field("set aside", _pairs(summary["set_aside"]))
    for failure in summary["failures"]:
        lines += _field("failed", _clean(failure))
    lines += _field("claims", _verdict_line(summary))
    contradicted = summary["contradicted"]
    if contradicted:
        lines += ["", "contradicted"]
        for claim in contradicted[:LISTED]:
            lines += _claim_lines(claim)
        if len(contradicted) > LISTED:
            lines.append(f"  … and {len(contradicted) - LISTED} more (see the report)")
    lines.append("")
    report = summary.get("report") or {}
    paths = [p for p in (report.get("markdown"), report.get("html")) if p]
    lines += _field("report", paths[0] if paths else "none written")
    lines += [f"{'':<11}{p}" for p in paths[1:]]
    print("\n".join(lines), file=out)


def print_check(summary: dict[str, Any], out: IO[str] | None = None) -> None:
    """The compact human summary of `newsdesk check`."""
    out = out or sys.stdout
    failed = len(summary["failed_blocking"]) + len(summary["failed_warning"])
    print(
        f"check {summary['date']}: {summary['expectations']} expectations, "
        f"{summary['passed']} passed, {failed} failed "
        f"({len(summary['failed_blocking'])} blocking)",
        file=out,
    )
    for name in summary["failed_blocking"] + summary["failed_warning"]:
        print(f"  failed  {_clean(name)}", file=out)
    if summary["data_docs"]:
        print(f"Data Docs: {summary['data_docs']}", file=out)


def _claims(warehouse: Path, start: date, end: date) -> list[dict[str, Any]]:
    from newsdesk.warehouse import Warehouse, WarehouseError

    if not warehouse.exists():
        return []
    try:
        return (
            Warehouse(warehouse, migrate=False).read("run_claims", start=start, end=end).to_dicts()
        )
    except (WarehouseError, OSError):  # the summary never fails a run that completed
        return []


def _claim_view(claim: dict[str, Any]) -> dict[str, Any]:
    from newsdesk.report.figures import observed_figure, stated_figure

    return {
        "claim_id": claim.get("claim_id"),
        "claim_type": claim.get("claim_type"),
        "subjects": list(claim.get("subjects") or []),
        "stated": _clean(stated_figure(claim)),
        "observed": _clean(observed_figure(claim)),
        "explanation": _clean(claim.get("explanation") or ""),
        "sentence": _clean(claim.get("sentence") or ""),
        "article": _clean(claim.get("title") or ""),
    }


def _claim_lines(claim: dict[str, Any]) -> list[str]:
    subject = ", ".join(claim["subjects"]) or "—"
    head = (
        f"  {_cut(subject, 12):<12} {_cut(claim['claim_type'] or '', 18):<18} "
        f"stated {_cut(claim['stated'], 22):<22} observed {_cut(claim['observed'], 22)}"
    )
    text = claim["explanation"] or claim["sentence"]
    wrapped = textwrap.wrap(text, WIDTH - 4, max_lines=3, placeholder=" …")
    return [head.rstrip(), *(f"    {line}" for line in wrapped)]


def _verdict_line(summary: dict[str, Any]) -> str:
    verdicts = summary["verdicts"]
    total = sum(verdicts.values())
    counts = ", ".join(f"{verdicts[v]} {v}" for v in VERDICT_ORDER)
    line = f"{total} judged: {counts}" if total else "none judged"
    other = summary.get("other_figures") or 0
    return f"{line}; {other} other figure{'s' if other != 1 else ''} not checked" if other else line


def _field(label: str, value: str) -> list[str]:
    wrapped = textwrap.wrap(value, WIDTH - 11) or [""]
    return [f"{label:<11}{wrapped[0]}", *(f"{'':<11}{line}" for line in wrapped[1:])]


def _pairs(counts: dict[str, Any]) -> str:
    """'prices 188, fx_rates 196' — zeros left out: the summary says what happened."""
    return ", ".join(f"{name} {value}" for name, value in sorted(counts.items()) if value)


def _clean(text: str) -> str:
    """One line of plain text: entities unescaped, whitespace runs folded."""
    return " ".join(html.unescape(str(text)).split())


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _report_paths(markdown: str | None) -> dict[str, str] | None:
    if not markdown:
        return None
    html_path = Path(markdown).with_suffix(".html")
    return {"markdown": str(markdown), "html": str(html_path) if html_path.exists() else None}
