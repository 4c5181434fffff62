"""The benchmarks run end to end at a tiny size, and both market loads agree with the bodies."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from bench import claims, market


def _landed(raw: Path) -> tuple[list[float], int, int]:
    """Non-null closes, splits and dividends in the landed bodies, read with nothing but json."""
    closes, splits, dividends = [], 0, 0
    for body in sorted((raw / "yahoo").rglob("*.body")):
        result = json.loads(body.read_bytes())["chart"]["result"][0]
        closes += [c for c in result["indicators"]["quote"][0]["close"] if c is not None]
        splits += len(result.get("events", {}).get("splits", {}))
        dividends += len(result.get("events", {}).get("dividends", {}))
    return closes, splits, dividends


@pytest.mark.slow
def test_market_bench_prints_ratios_and_both_loads_match_the_bodies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    market.main(["--symbols", "8", "--days", "100", "--repeat", "1", "--out", str(tmp_path)])
    printed = capsys.readouterr().out
    for label in ("ratio ours/duckdb", "no-op re-run", "peak memory ours", "cross-check"):
        assert re.search(rf"^{label}\s+\S", printed, re.M), f"no '{label}' line in:\n{printed}"
    assert re.search(r"ratio ours/duckdb\s+\d+\.\d\d×", printed)

    work = tmp_path / "market" / "8x100d"
    closes, splits, dividends = _landed(work / "raw")
    # XNYS had 70 sessions from 23 September to 31 December 2024 (5 + 1 + 23 + 20 + 21);
    # SYM0000 has one halted (null) bar; SYM0007 splits; SYM0000 and SYM0005 pay dividends.
    assert len(closes) == 8 * 70 - 1
    assert (splits, dividends) == (1, 2)
    ours, native = market.summary(work / "ours.duckdb"), market.summary(work / "native.duckdb")
    for got in (ours, native):
        assert got["rows"] == len(closes)
        assert got["sum_close"] == pytest.approx(sum(closes), rel=1e-12)
        assert (got["symbols"], got["splits"], got["dividends"]) == (8, splits, dividends)
    # Sums of doubles depend on the order they are added in: equal up to rounding.
    assert ours.keys() == native.keys()
    for key, value in ours.items():
        if isinstance(value, float):
            assert value == pytest.approx(native[key], rel=1e-12), key
        else:
            assert value == native[key], key


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_articles_are_deterministic_and_use_ticker_aliases(seed: int) -> None:
    first, again = claims.generate(6, seed), claims.generate(6, seed)
    assert [a.page for a in first] == [a.page for a in again]
    assert [a.lang for a in first] == ["zh", "en"] * 3
    zh_names, en_names = claims.company_names()
    assert "苹果" in zh_names and "Apple" in en_names
    for article in first:
        names = zh_names if article.lang == "zh" else en_names
        assert any(name in article.text for name in names)
        assert all(html.escape(p) in article.page for p in article.paragraphs)


@pytest.mark.slow
def test_claims_bench_prints_rates_and_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    claims.main(["--articles", "50"])
    printed = capsys.readouterr().out
    for label in ("(b) extract_article", "(a) extract_claims", "(a)+(b) pipeline"):
        assert re.search(rf"^ratio {re.escape(label)}.*\d+\.\d\d×$", printed, re.M), printed
    found = re.search(r"extract_claims \(text\)\s+[\d.]+\s+[\d,]+\s+([\d,]+) claims", printed)
    assert found and int(found.group(1).replace(",", "")) > 0
