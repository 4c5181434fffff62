"""The warehouse's claims against the corpus labels: recall, verdicts, dates, false "contradicted".

A claim sits on a label when it belongs to the label's page, its sentence contains the label's
`find` and its figure equals the label's value (relative 1e-6, signed: a fall stated as a rise
is another figure). A conversion's figure is its counter amount, as labels state it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scripts.evaluation.corpus import CLASSES, JUDGED_TYPES, Label, Page, normalise_space

REL_TOL = 1e-6
Claim = Mapping[str, Any]  # one claims-table row joined with its page's stem


def figure_of(claim: Claim) -> float | None:
    """The figure a label states for this claim: the counter amount of a conversion."""
    if claim.get("claim_type") == "currency_conversion":
        return claim.get("counter_value")
    return claim.get("value")


def same_figure(stated: float | None, expected: float, *, signed: bool = True) -> bool:
    """Equal within REL_TOL; unsigned compares magnitudes."""
    if stated is None:
        return False
    if not signed:
        stated, expected = abs(stated), abs(expected)
    return math.isclose(stated, expected, rel_tol=REL_TOL, abs_tol=1e-12)


def _plain(text: str) -> str:
    """Text as a label's `find` quotes it: a table row's cell bars ("| Broadcom | AVGO |") are
    layout, not words, and runs of whitespace are one space."""
    return normalise_space(text.replace("|", " "))


def sits_on(claim: Claim, label: Label, *, signed: bool = True) -> bool:
    """Whether the claim states the label's figure in the label's sentence."""
    sentence = _plain(claim.get("sentence") or "")
    if _plain(label.find) not in sentence:
        return False
    # Conversions: the counter amount is stored unsigned, so compare magnitudes.
    signed = signed and claim.get("claim_type") != "currency_conversion"
    return same_figure(figure_of(claim), label.value, signed=signed)


def judged_as_labelled(claim: Claim, label: Label) -> bool:
    """Sits on the label with the label's claim type and subject.

    A conversion is of an amount, not of a company: its subject is not compared.
    """
    subjects = claim.get("subjects") or []
    any_subject = not label.subject or label.type == "currency_conversion"
    return (
        claim.get("claim_type") == label.type
        and (any_subject or label.subject in subjects)
        and sits_on(claim, label)
    )


@dataclass(frozen=True)
class LabelResult:
    """What the run made of one label."""

    stem: str
    label: Label
    claims: tuple[Claim, ...]  # the claims judged as labelled (judged types) or sitting on it
    near: tuple[Claim, ...]  # every claim in the label's sentence, to say what came instead
    page_read: bool = True

    @property
    def found(self) -> bool:
        """Extracted (judged types): a claim of the label's type and subject on its figure."""
        return self.label.judged and bool(self.claims)

    @property
    def verdict_right(self) -> bool | None:
        if not self.found:
            return None
        return all(c.get("verdict") == self.label.verdict for c in self.claims)

    @property
    def date_right(self) -> bool | None:
        if not self.found or self.label.date is None:
            return None
        return all(c.get("reference_date") == self.label.date for c in self.claims)

    @property
    def other_error(self) -> bool:
        """An `other` figure (never judged) that a judged-type claim sits on."""
        return not self.label.judged and bool(self.claims)

    @property
    def miss(self) -> str | None:
        """What went wrong, or None."""
        if self.label.judged and not self.found:
            return "not extracted"
        if self.verdict_right is False:
            return "wrong verdict"
        if self.date_right is False:
            return "wrong date"
        if self.other_error:
            return "judged an other figure"
        return None


@dataclass
class Score:
    """Every label's result and the false "contradicted" claims of one evaluation."""

    results: list[LabelResult]
    false_contradicted: list[tuple[str, Claim, str]] = field(default_factory=list)

    def metrics(self, results: Sequence[LabelResult] | None = None) -> dict[str, Any]:
        """Counts and ratios over `results` (default: all)."""
        results = self.results if results is None else results
        judged = [r for r in results if r.label.judged]
        found = [r for r in judged if r.found]
        dated = [r for r in found if r.date_right is not None]
        others = [r for r in results if not r.label.judged]
        return {
            "labels": len(judged),
            "extracted": len(found),
            "recall": _ratio(len(found), len(judged)),
            "verdicts_right": sum(1 for r in found if r.verdict_right),
            "verdict_accuracy": _ratio(sum(1 for r in found if r.verdict_right), len(found)),
            "dated": len(dated),
            "dates_right": sum(1 for r in dated if r.date_right),
            "date_accuracy": _ratio(sum(1 for r in dated if r.date_right), len(dated)),
            "other_labels": len(others),
            "other_errors": sum(1 for r in others if r.other_error),
            "missed": sum(1 for r in results if r.miss),
        }

    def by_class(self) -> dict[str, dict[str, Any]]:
        """metrics() per failure class, in the order of the class list."""
        groups: dict[str, list[LabelResult]] = {}
        for result in self.results:
            groups.setdefault(result.label.cls, []).append(result)
        return {cls: self.metrics(groups[cls]) for cls in sorted(groups, key=CLASSES.index)}

    def summary(self) -> dict[str, Any]:
        """The whole evaluation as JSON-ready data (what --json writes)."""
        return {
            **self.metrics(),
            "pages": len({r.stem for r in self.results}),
            "false_contradicted": len(self.false_contradicted),
            "by_class": self.by_class(),
            "misses": [
                {
                    "stem": r.stem,
                    "class": r.label.cls,
                    "find": r.label.find,
                    "problem": r.miss,
                    "expected": describe_label(r.label),
                    "got": describe_got(r),
                }
                for r in self.results
                if r.miss
            ],
            "false_contradicted_claims": [
                {
                    "stem": stem,
                    "sentence": c.get("sentence"),
                    "claim": describe_claim(c),
                    "why": why,
                }
                for stem, c, why in self.false_contradicted
            ],
        }


def score(pages: Iterable[Page], claims: Iterable[Claim], read: set[str] | None = None) -> Score:
    """Score the claims (rows with a `stem`) against the pages' labels.

    ``read`` is the stems whose page the run stored as an article (default: every stem
    with a claim); the labels of an unread page are all missed.
    """
    by_stem: dict[str, list[Claim]] = {}
    for claim in claims:
        by_stem.setdefault(claim["stem"], []).append(claim)
    read = set(by_stem) if read is None else read
    outcome = Score(results=[])
    for page in pages:
        page_claims = by_stem.get(page.stem, [])
        for label in page.labels:
            outcome.results.append(_result(page.stem, label, page_claims, page.stem in read))
        outcome.false_contradicted.extend(
            (page.stem, claim, why) for claim, why in false_contradictions(page, page_claims)
        )
    return outcome


def false_contradictions(page: Page, claims: Iterable[Claim]) -> list[tuple[Claim, str]]:
    """Contradicted claims on a true figure or on no labelled figure at all."""
    found = []
    for claim in claims:
        if claim.get("verdict") != "contradicted":
            continue
        # Any labelled figure it sits on, whatever the sign: a flipped sign is the same figure.
        labels = [label for label in page.labels if sits_on(claim, label, signed=False)]
        if not labels:
            found.append((claim, "no label on this figure"))
        elif any(label.true for label in labels):
            found.append((claim, "the figure is true"))
    return found


def _result(stem: str, label: Label, claims: list[Claim], read: bool) -> LabelResult:
    find = _plain(label.find)
    near = tuple(c for c in claims if find in _plain(c.get("sentence") or ""))
    if label.judged:
        hits = tuple(c for c in near if judged_as_labelled(c, label))
    else:
        hits = tuple(
            c
            for c in near
            if c.get("claim_type") in JUDGED_TYPES and sits_on(c, label, signed=False)
        )
    return LabelResult(stem, label, hits, near, read)


def describe_label(label: Label) -> str:
    """The label as one short phrase: type subject value verdict date."""
    parts = [label.type, label.subject or "-", f"{label.value:g}", label.verdict or "not judged"]
    return " ".join([*parts, str(label.date)] if label.date else parts)


def describe_claim(claim: Claim) -> str:
    """A claim as one short phrase, in describe_label's order."""
    figure = figure_of(claim)
    parts = [
        claim.get("claim_type") or "?",
        ",".join(claim.get("subjects") or []) or "-",
        "?" if figure is None else f"{figure:g}",
        claim.get("verdict") or "not judged",
        str(claim.get("reference_date") or "no date"),
    ]
    return " ".join(parts)


def describe_got(result: LabelResult) -> str:
    """What the run made of a label, for a miss line."""
    if not result.page_read:
        return "page not read"
    shown = result.claims or result.near
    if not shown:
        return "no claim in that sentence"
    return " | ".join(describe_claim(c) for c in shown[:3]) + (" …" if len(shown) > 3 else "")


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None
