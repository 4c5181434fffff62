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
    labels = ("ratio ours/duckdb", "no-op re-run", "peak memory ours", "peak ours/duckdb",
              "cross-check")  # fmt: skip
    for label in labels:
        assert re.search(rf"^{label}\s+\S", printed, re.M), f"no '{label}' line in:\n{printed}"
    assert re.search(r"ratio ours/duckdb\s+\d+\.\d\d×", printed)
    assert re.search(r"^cross-check .*: same$", printed, re.M), printed

    work = tmp_path / "market" / "8x100d"
    closes, splits, dividends = _landed(tmp_path / "market" / "landed" / "8x100d" / "raw")
    # XNYS had 70 sessions from 23 September to 31 December 2024 (5 + 1 + 23 + 20 + 21);
    # SYM0000 has one halted (null) bar; SYM0007 splits; SYM0000 and SYM0005 pay dividends.
    assert len(closes) == 8 * 70 - 1
    assert (splits, dividends) == (1, 2)
    ours, native = market.summary(work / "ours.duckdb"), market.summary(work / "native.duckdb")
    in_memory = market.summary(work / "memory.duckdb")
    assert not list(work.glob("*.staging/*")), "the staged files outlived their load"
    for got in (ours, native, in_memory):
        assert got["rows"] == len(closes)
        assert got["sum_close"] == pytest.approx(sum(closes), rel=1e-12)
        assert (got["symbols"], got["splits"], got["dividends"]) == (8, splits, dividends)
    # Sums of doubles depend on the order they are added in: equal up to rounding.
    assert ours.keys() == native.keys() == in_memory.keys()
    for key, value in ours.items():
        for other in (native, in_memory):
            if isinstance(value, float):
                assert value == pytest.approx(other[key], rel=1e-12), key
            else:
                assert value == other[key], key


@pytest.mark.slow
def test_market_scale_run_prints_peak_and_ratio_and_reuses_its_landing_zones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--scale", "4", "8", "--days", "100", "--out", str(tmp_path)]
    market.main(args)
    first = capsys.readouterr().out
    assert re.search(r"^time 4 → 8 symbols\s+\d+\.\d\d× wall, \d+\.\d\d× cpu", first, re.M)
    assert re.search(r"^peak memory 8 symbols\s+[\d,]+ MiB", first, re.M), first
    assert re.search(r"^cross-check .*: yes$", first, re.M), first
    assert f"committing every {market.SCALE_COMMIT_EVERY} files" in first, first
    assert first.count("(generated in") == 2
    landed = tmp_path / "market" / "landed" / "8x100d"
    closes, _, _ = _landed(landed / "raw")
    assert len(closes) == market.expected_rows(8, 8 * 70) == 8 * 70 - 1

    bodies = sorted(p.stat().st_mtime_ns for p in (landed / "raw").rglob("*.body"))
    market.main(args)  # again: the generated bodies are taken from the cache
    again = capsys.readouterr().out
    assert again.count("(cached from an earlier run)") == 2, again
    assert sorted(p.stat().st_mtime_ns for p in (landed / "raw").rglob("*.body")) == bodies


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
    # the process pools of 1 and 2 workers extract the same claims as each other
    assert re.search(r"^speed-up 2 workers / 1\s+\d+\.\d\d×.*same claims: yes$", printed, re.M)
    pooled = re.findall(r"^[12] workers?\s+[\d.]+\s+[\d,]+\s+([\d,]+) claims$", printed, re.M)
    assert len(pooled) == 2 and int(pooled[0].replace(",", "")) > 0, printed
    for label in ("(b) extract_article", "(a) extract_claims", "(a)+(b) pipeline"):
        assert re.search(rf"^ratio {re.escape(label)}.*\d+\.\d\d×$", printed, re.M), printed
    found = re.search(r"extract_claims \(text\)\s+[\d.]+\s+[\d,]+\s+([\d,]+) claims", printed)
    assert found and int(found.group(1).replace(",", "")) > 0
