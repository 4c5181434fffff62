"""AliasIndex: longest match wins, word boundaries, case rules."""

from pathlib import Path

import pytest

from newsdesk.extract.entities import AliasIndex, read_alias_rows

INDEX = AliasIndex.from_rows(
    [
        ("GOOGL", ["Alphabet", "谷歌", "谷歌母公司", "Google"]),
        ("NVDA", ["英伟达", "Nvidia", "NVIDIA"]),
        ("FAKE", ["伟达"]),
        ("META", ["Meta", "脸书母公司", "Facebook"]),
        ("ADBE", ["Adobe", "奥多比"]),
        ("OpenAI", ["开放人工智能"]),
    ]
)


@pytest.mark.parametrize(
    ("text", "symbols"),
    [
        ("谷歌母公司股价下挫", ["GOOGL"]),
        ("谷歌股价", ["GOOGL"]),
        ("英伟达股价", ["NVDA"]),  # 伟达 must not match inside 英伟达
        ("伟达集团", ["FAKE"]),
        ("Alphabet shares", ["GOOGL"]),
        ("the alphabet of tickers", []),  # a common word, not the company
        ("NVIDIA and Nvidia", ["NVDA", "NVDA"]),
        ("Metaverse plans", []),  # word boundary
        ("脸书母公司Meta的总裁", ["META", "META"]),
        ("Adobe股价暴跌", ["ADBE"]),
        ("GOOGL and googl", ["GOOGL"]),  # short all-caps tickers keep their case
        ("OpenAI发布", ["OpenAI"]),
    ],
)
def test_find(text: str, symbols: list[str]) -> None:
    assert [symbol for _, _, symbol in INDEX.find(text)] == symbols


def test_find_gives_offsets() -> None:
    text = "美国电脑软件公司Adobe股价"
    [(start, end, symbol)] = INDEX.find(text)
    assert text[start:end] == "Adobe" and symbol == "ADBE"


def test_first_row_keeps_a_shared_alias() -> None:
    index = AliasIndex.from_rows([("A", ["Same"]), ("B", ["Same"])])
    assert index.find("Same") == [(0, 4, "A")]


def test_entities_seed_lists_private_companies() -> None:
    rows = dict(read_alias_rows(Path(__file__).resolve().parents[1] / "sql" / "entities.csv"))
    for entity in ["OpenAI", "字节跳动", "SpaceX", "Anthropic", "DeepSeek", "xAI", "Mistral AI"]:
        assert entity in rows
    assert "ByteDance" in rows["字节跳动"] and "深度求索" in rows["DeepSeek"]


@pytest.mark.parametrize(
    ("text", "symbols"),
    [
        ("AI spending and C3.ai shares", ["AI"]),  # the word is not the ticker; the name is
        ("Its Class C shares fell 4%", []),  # not Citigroup
        ("Citigroup and AT&T", ["C", "T"]),
        ("NVDA and MSFT", ["NVDA", "MSFT"]),  # other symbols stay aliases of themselves
    ],
)
def test_symbols_that_are_words_are_found_by_their_names_only(
    text: str, symbols: list[str]
) -> None:
    index = AliasIndex.from_rows(
        [("AI", ["C3.ai"]), ("C", ["Citigroup"]), ("T", ["AT&T"]), ("NVDA", []), ("MSFT", [])]
    )
    assert [symbol for _, _, symbol in index.find(text)] == symbols
