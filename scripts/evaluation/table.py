"""The evaluation as text: the headline figures, one row per failure class, then every miss."""

from __future__ import annotations

from collections.abc import Sequence

from scripts.evaluation.corpus import Page
from scripts.evaluation.scoring import Score, describe_claim, describe_got, describe_label

FIND_WIDTH = 28


def render(score: Score, pages: Sequence[Page], *, seconds: float, notes: Sequence[str]) -> str:
    """The whole printout of `make eval`."""
    overall = score.metrics()
    langs = ", ".join(
        f"{sum(1 for p in pages if p.script == s)} {s}"
        for s in ("latin", "simplified", "traditional")
        if any(p.script == s for p in pages)
    )
    lines = [
        f"newsdesk evaluation: {len(pages)} pages ({langs}), {overall['labels']} judged labels, "
        f"{overall['other_labels']} other; pipeline run {seconds:.0f} s",
        *notes,
        "",
        _row("extraction recall", overall["recall"], overall["extracted"], overall["labels"]),
        _row(
            "verdict accuracy",
            overall["verdict_accuracy"],
            overall["verdicts_right"],
            overall["extracted"],
        ),
        _row("date accuracy", overall["date_accuracy"], overall["dates_right"], overall["dated"]),
        f"{'false contradicted':<24}{len(score.false_contradicted):>8}",
        f"{'other figures judged':<24}{overall['other_errors']:>8}   of {overall['other_labels']}",
        "",
        f"{'class':<20}{'labels':>7}{'recall':>9}{'verdicts':>10}{'dates':>9}"
        f"{'other err':>11}{'misses':>8}",
    ]
    for cls, m in score.by_class().items():
        lines.append(
            f"{cls:<20}{m['labels']:>7}{_pct(m['recall']):>9}{_pct(m['verdict_accuracy']):>10}"
            f"{_pct(m['date_accuracy']):>9}{_fraction(m['other_errors'], m['other_labels']):>11}"
            f"{m['missed']:>8}"
        )
    misses = [r for r in score.results if r.miss]
    lines += ["", f"misses ({len(misses)}): stem, class, find — problem: expected | got"]
    for r in misses:
        lines.append(
            f"  {r.stem}  {r.label.cls}  {_quote(r.label.find)} — {r.miss}: "
            f"{describe_label(r.label)} | got {describe_got(r)}"
        )
    lines += ["", f"false contradicted ({len(score.false_contradicted)}):"]
    for stem, claim, why in score.false_contradicted:
        lines.append(
            f"  {stem}  {_quote(claim.get('sentence') or '', 60)} — {why}: {describe_claim(claim)}"
        )
    return "\n".join(lines)


def _row(name: str, ratio: float | None, part: int, whole: int) -> str:
    return f"{name:<24}{_pct(ratio):>8}   {part}/{whole}"


def _pct(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.1%}"


def _fraction(part: int, whole: int) -> str:
    return f"{part}/{whole}" if whole else "-"


def _quote(text: str, width: int = FIND_WIDTH) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= width else text[: width - 1] + "…")
