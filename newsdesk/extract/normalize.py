"""Traditional Chinese read as simplified, character for character, so offsets still hold.

The rules, the lexicon and the aliases are written in simplified Chinese; Hong Kong, Taiwan and
Malaysian outlets write 英偉達, 蒸發, 億, 漲. `to_simplified` gives the text the rules read;
because it has the same length as the page's text, a span found in one is the same span in the
other, and claims keep the page's own characters (traditional stays traditional).
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

# hk2s: Hong Kong variants (衞, 啓) to OpenCC's standard forms, then traditional to simplified,
# characters and phrases alike. It leaves simplified text as it is. tw2sp is not used: it
# rewrites Taiwanese words into mainland ones (輝達 → 英伟达), which changes lengths.
_CONFIG = "hk2s"
# a phrase never spans punctuation, digits or Latin letters: convert runs of Han characters
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]+")
# Hong Kong and Taiwan words the mainland writes otherwise, each replaced by one of the same
# length, and only on traditional pages: there 超微 is AMD, on the mainland Super Micro (and AMD
# is 超威). 美超微 and 超微电脑 are Super Micro everywhere, so they match first and stay.
REGIONAL: dict[str, str] = {"超微": "超威", "晶片": "芯片", "收市": "收盘", "软体": "软件"}
_REGIONAL_WORD = re.compile("|".join(["美超微", "超微电脑", *REGIONAL]))
# a page is traditional when this share of its Han characters changes: a simplified page that
# quotes one traditional name is not
_TRADITIONAL_SHARE = 0.05


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC(_CONFIG)


@lru_cache(maxsize=16384)
def _char(ch: str) -> str:
    """One character converted alone; kept as is if the converter would change the length."""
    out = _converter().convert(ch)
    return out if len(out) == 1 else ch


def _run(run: str) -> str:
    """One run of Han characters, phrases first; character by character if a phrase would
    change the run's length, so offsets map 1:1."""
    out = _converter().convert(run)
    if len(out) == len(run):
        return out
    return "".join(_char(ch) for ch in run)


def to_simplified(text: str) -> str:
    """`text` with traditional characters written simplified, of exactly the same length; on a
    traditional page, Hong Kong and Taiwan words read as the mainland's (晶片 → 芯片)."""
    lookup = _HAN_RUN.sub(lambda m: _run(m.group()), text)
    if _is_traditional(text, lookup):
        lookup = _REGIONAL_WORD.sub(lambda m: REGIONAL.get(m.group(), m.group()), lookup)
    return lookup


def _is_traditional(text: str, lookup: str) -> bool:
    han = sum(len(run) for run in _HAN_RUN.findall(text))
    changed = sum(a != b for a, b in zip(text, lookup, strict=True))
    return han > 0 and changed >= _TRADITIONAL_SHARE * han
