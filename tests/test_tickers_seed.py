"""The ticker universe seed (sql/tickers.csv): shape, identifiers and alias resolution."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import pytest

from newsdesk.warehouse import Warehouse
from tests.builders import SHARED_DATA

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "sql" / "schema"
SEED = REPO / "sql" / "tickers.csv"
SEC_SHARES = SHARED_DATA / "sec" / "shares_outstanding.csv"
COLUMNS = [
    "symbol", "name", "exchange", "currency", "cik", "kind", "sector", "benchmark", "aliases"
]  # fmt: skip
# the kinds "the chipmaker", "the EV maker", "the bank" … point back to (newsdesk.extract.subjects)
SECTORS = {
    "semiconductors", "software", "hardware", "internet", "e-commerce", "autos", "games", "media",
    "it services", "banks", "financials", "health care", "consumer", "telecom", "energy",
    "utilities", "industrials", "materials", "real estate",
}  # fmt: skip


def _rows() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _by_symbol() -> dict[str, dict[str, str]]:
    return {row["symbol"]: row for row in _rows()}


def _aliases(row: dict[str, str]) -> list[str]:
    return row["aliases"].split("|") if row["aliases"] else []


def _alias_index() -> dict[str, set[str]]:
    # Case-folded, because the press writes NVIDIA, Nvidia and nvidia alike.
    index: dict[str, set[str]] = {}
    for row in _rows():
        for alias in _aliases(row):
            index.setdefault(alias.casefold(), set()).add(row["symbol"])
    return index


def test_columns_are_exactly_the_seed_layout() -> None:
    with SEED.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert header == COLUMNS


def test_at_least_150_rows() -> None:
    assert len(_rows()) >= 150


def test_duckdb_reads_the_same_rows_as_the_csv_module() -> None:
    # The warehouse seeds through read_csv; a quoting slip would change the count or a cell.
    rel = duckdb.sql(f"select * from read_csv('{SEED}', header = true, all_varchar = true)")
    assert rel.columns == COLUMNS
    got = rel.fetchall()
    assert [tuple(v or "" for v in row) for row in got] == [
        tuple(row[c] for c in COLUMNS) for row in _rows()
    ]


def test_symbols_are_unique_and_non_empty() -> None:
    symbols = [row["symbol"] for row in _rows()]
    assert all(s and s == s.strip() for s in symbols)
    assert len(symbols) == len(set(symbols))


def test_cells_have_allowed_values() -> None:
    for row in _rows():
        assert row["kind"] in {"equity", "index", "etf"}, row
        assert row["exchange"] in {"XNAS", "XNYS"}, row
        assert row["currency"] == "USD", row
        assert row["name"].strip(), row


def test_every_company_has_a_sector_and_no_fund_has_one() -> None:
    for row in _rows():
        if row["kind"] == "equity":
            assert row["sector"] in SECTORS, row
        else:
            assert row["sector"] == "", row


@pytest.mark.parametrize(
    ("symbol", "sector"),
    [("NVDA", "semiconductors"), ("AVGO", "semiconductors"), ("TSM", "semiconductors"),
     ("TSLA", "autos"), ("NIO", "autos"), ("AAPL", "hardware"), ("JPM", "banks")],
)  # fmt: skip
def test_sectors(symbol: str, sector: str) -> None:
    assert _by_symbol()[symbol]["sector"] == sector


def test_ciks_are_ten_digits_or_empty() -> None:
    for row in _rows():
        assert re.fullmatch(r"\d{10}", row["cik"]) or row["cik"] == "", row


def test_indexes_and_etfs_carry_no_cik() -> None:
    for row in _rows():
        if row["kind"] in {"index", "etf"}:
            assert row["cik"] == "", row


@pytest.mark.parametrize("symbol", ["^GSPC", "^IXIC", "^DJI", "^NDX", "^SOX"])
def test_indexes_present_with_kind_index(symbol: str) -> None:
    row = _by_symbol()[symbol]
    assert row["kind"] == "index"
    assert row["exchange"] == "XNYS"


@pytest.mark.parametrize("symbol", ["SPY", "QQQ", "XLK", "SMH", "SOXX"])
def test_etfs_present_with_kind_etf(symbol: str) -> None:
    assert _by_symbol()[symbol]["kind"] == "etf"


@pytest.mark.parametrize(
    ("classes", "cik"),
    [
        (("GOOGL", "GOOG"), "0001652044"),
        (("BRK-B", "BRK-A"), "0001067983"),
    ],
)
def test_share_classes_of_one_issuer_share_a_cik(classes: tuple[str, ...], cik: str) -> None:
    rows = _by_symbol()
    assert {rows[s]["cik"] for s in classes} == {cik}


def test_ciks_agree_with_the_filings_in_shared_data() -> None:
    if not SEC_SHARES.exists():
        pytest.skip(f"shared data absent: {SEC_SHARES}")
    rows = _by_symbol()
    with SEC_SHARES.open(encoding="utf-8", newline="") as fh:
        filings = [f for f in csv.DictReader(fh) if f["ticker"]]
    assert filings, "no ticker rows in the shared filings"
    for filing in filings:
        assert rows[filing["ticker"]]["cik"] == filing["cik"], filing["ticker"]


def test_no_alias_maps_to_two_symbols() -> None:
    clashes = {alias: syms for alias, syms in _alias_index().items() if len(syms) > 1}
    assert clashes == {}


def test_aliases_are_clean() -> None:
    for row in _rows():
        for alias in _aliases(row):
            assert alias and alias == alias.strip(), row["symbol"]


def test_no_alias_is_another_rows_symbol() -> None:
    # An alias "AI" on anything but the AI row would make every "AI" in a headline a ticker.
    symbols = {row["symbol"].casefold(): row["symbol"] for row in _rows()}
    for alias, owners in _alias_index().items():
        if alias in symbols:
            assert owners == {symbols[alias]}, alias


@pytest.mark.parametrize(
    ("alias", "symbol"),
    [
        ("谷歌母公司", "GOOGL"),
        ("Alphabet", "GOOGL"),
        ("Google", "GOOGL"),
        ("谷歌C", "GOOG"),
        ("英伟达", "NVDA"),
        ("NVIDIA", "NVDA"),
        ("博通", "AVGO"),
        ("甲骨文", "ORCL"),
        ("纳指", "^IXIC"),
        ("标普500", "^GSPC"),
        ("道指", "^DJI"),
        ("奥多比", "ADBE"),
        ("Shutterstock", "SSTK"),
        ("台积电", "TSM"),
        ("脸书母公司", "META"),
        ("C3.ai", "AI"),
        # Hong Kong and Taiwan names, as the extractor reads them once simplified
        ("辉达", "NVDA"),
        ("台积电ADR", "TSM"),
        ("艾司摩尔", "ASML"),
        ("阿斯麦", "ASML"),
        ("超微半导体", "AMD"),
        ("美超微", "SMCI"),
        ("标准普尔500指数", "^GSPC"),
        ("道琼斯工业平均指数", "^DJI"),
        ("道琼工业指数", "^DJI"),
        ("那斯达克指数", "^IXIC"),
        ("纳斯达克综合指数", "^IXIC"),
        # the Nasdaq-100 is not the Nasdaq Composite
        ("Nasdaq-100", "^NDX"),
        ("Nasdaq 100", "^NDX"),
        ("纳斯达克100指数", "^NDX"),
        ("纳指100", "^NDX"),
        ("费城半导体指数", "^SOX"),
        ("费半", "^SOX"),
        ("Philadelphia Semiconductor Index", "^SOX"),
        ("iPhone maker", "AAPL"),
    ],
)
def test_press_aliases_resolve(alias: str, symbol: str) -> None:
    assert _alias_index()[alias.casefold()] == {symbol}


def test_ambiguous_chaomei_is_no_alias() -> None:
    # 超微 is AMD in Hong Kong and Taiwan, Super Micro on the mainland: the normaliser reads it as
    # AMD (超威) on traditional pages only, so the seed must not pin it to either
    assert "超微" not in _alias_index()


# --- benchmarks (migration 009): the index or ETF each ticker's move is set beside -----------


def _default_benchmark(row: dict[str, str]) -> str:
    if row["kind"] == "index" or row["symbol"] in {"SPY", "QQQ"}:
        return "none"
    return "QQQ" if row["exchange"] == "XNAS" else "SPY"


def test_every_benchmark_is_none_or_a_fund_or_index_of_the_seed() -> None:
    rows = _by_symbol()
    for row in rows.values():
        bench = row["benchmark"]
        assert bench == "none" or rows[bench]["kind"] in {"etf", "index"}, row["symbol"]
        assert bench != row["symbol"], row["symbol"]


def test_benchmarks_follow_the_default_unless_configured_otherwise() -> None:
    # QQQ for a Nasdaq listing, SPY otherwise; an index and the benchmarks themselves: none.
    # A ticker configured apart from the default would be listed here with its reason.
    overrides: dict[str, str] = {}
    for row in _rows():
        expected = overrides.get(row["symbol"], _default_benchmark(row))
        assert row["benchmark"] == expected, row["symbol"]


@pytest.mark.parametrize(
    ("symbol", "benchmark"),
    [("ADBE", "QQQ"), ("GOOGL", "QQQ"), ("JPM", "SPY"), ("TSM", "SPY"), ("^IXIC", "none"),
     ("SPY", "none"), ("QQQ", "none")],
)  # fmt: skip
def test_benchmarks(symbol: str, benchmark: str) -> None:
    assert _by_symbol()[symbol]["benchmark"] == benchmark


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    return Warehouse(tmp_path_factory.mktemp("seed") / "w.duckdb")


def test_the_warehouse_holds_the_benchmarks_none_as_null(seeded: Warehouse) -> None:
    got = dict(seeded.query("select symbol, benchmark from tickers").iter_rows())
    expected = {r["symbol"]: None if r["benchmark"] == "none" else r["benchmark"] for r in _rows()}
    assert got == expected


def test_benchmarks_for_names_each_benchmark_once(seeded: Warehouse) -> None:
    from newsdesk.report import benchmarks_for

    tickers = seeded.table("tickers")
    assert benchmarks_for(["ADBE", "GOOGL", "JPM", "^GSPC", "SPY", "OpenAI"], tickers) == [
        "QQQ",
        "SPY",
    ]
    assert benchmarks_for(["^IXIC", "QQQ"], tickers) == []
    assert benchmarks_for(["ADBE"], tickers.drop("benchmark")) == []  # before migration 009


def test_a_changed_csv_reapplies_the_benchmarks(seeded: Warehouse) -> None:
    # 009 is a seed of tickers.csv: recorded with the CSV's checksum, re-run when that changes
    with seeded.connect() as con:
        con.execute("update tickers set benchmark = 'SPY' where symbol = 'ADBE'")
        con.execute("update schema_version set checksum = 'stale' where version = 9")
    assert "009_seed_tickers_benchmark.sql" in seeded.migrate()
    assert seeded.query("select benchmark from tickers where symbol = 'ADBE'").item() == "QQQ"


@pytest.mark.parametrize(
    ("cell", "exchange", "kind", "expected"),
    [
        ("", "XNAS", "equity", "QQQ"),
        ("", "XNYS", "equity", "SPY"),
        ("", "XNYS", "index", None),
        ("none", "XNAS", "equity", None),
        ("^SOX", "XNAS", "equity", "^SOX"),
        ("", "XNYS", "etf", None),  # the row is SPY itself: no benchmark of its own
    ],
)
def test_a_blank_cell_takes_the_default(
    tmp_path: Path, cell: str, exchange: str, kind: str, expected: str | None
) -> None:
    symbol = "SPY" if kind == "etf" else "XYZ"
    seed = tmp_path / "tickers.csv"
    seed.write_text(
        ",".join(COLUMNS) + f"\n{symbol},Xyz,{exchange},USD,,{kind},,{cell},\n", encoding="utf-8"
    )
    con = duckdb.connect()
    con.execute("set variable tickers_csv = ?", [str(seed)])
    for script in ("001_core.sql", "002_seed_tickers.sql", "009_seed_tickers_benchmark.sql"):
        con.execute((SCHEMA / script).read_text(encoding="utf-8"))
    assert con.execute("select benchmark from tickers").fetchall() == [(expected,)]


def test_the_benchmarks_reach_a_warehouse_made_before_them(tmp_path: Path) -> None:
    # a warehouse from before 009: tickers without the column, 009 not recorded
    wh = Warehouse(tmp_path / "old.duckdb")
    with wh.connect() as con:
        con.execute("alter table tickers drop column benchmark")
        con.execute("delete from schema_version where version = 9")
    assert wh.migrate() == ["009_seed_tickers_benchmark.sql"]
    got = wh.query("select symbol, benchmark from tickers where symbol in ('ADBE', 'JPM', '^DJI')")
    assert sorted(got.rows()) == [("ADBE", "QQQ"), ("JPM", "SPY"), ("^DJI", None)]
