"""Read one numeral, Arabic ("3,500.5") or Chinese ("三千五百亿", "七点五"), as a float."""

from __future__ import annotations

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}  # fmt: skip
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
CHINESE_NUMERAL_CHARS = "".join(_DIGITS) + "十百千万亿"
MAGNITUDES: dict[str, float] = {
    "万亿": 1e12, "千亿": 1e11, "百亿": 1e10, "十亿": 1e9, "亿": 1e8, "千万": 1e7, "百万": 1e6,
    "十万": 1e5, "万": 1e4, "千": 1e3,
    "thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "mln": 1e6, "m": 1e6,
    "billion": 1e9, "bn": 1e9, "bln": 1e9,
    "b": 1e9, "trillion": 1e12, "tn": 1e12, "trn": 1e12,
}  # fmt: skip


def _chinese_integer(text: str) -> int:
    """Chinese integer numeral: sections below 万, then 万, then 亿 (三万亿 = 3e12)."""
    total = 0  # the part already multiplied by 亿
    wan = 0  # the part already multiplied by 万
    section = 0
    number = 0
    for ch in text:
        if ch in _DIGITS:
            number = _DIGITS[ch]
        elif ch in _SMALL_UNITS:
            # 十五 = 15: a bare 十 counts one ten
            section += (number or 1) * _SMALL_UNITS[ch]
            number = 0
        elif ch == "万":
            wan += (section + number or 1) * 10_000
            section = number = 0
        elif ch == "亿":
            total = (total + wan + section + number or 1) * 100_000_000
            wan = section = number = 0
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + wan + section + number


def parse_number(text: str) -> float:
    """The value of one numeral; Chinese 点 is the decimal point, commas group thousands."""
    text = text.strip().replace(",", "")
    if not text:
        raise ValueError("empty numeral")
    if text[0].isdigit():
        return float(text)
    whole, _, frac = text.partition("点")
    value = float(_chinese_integer(whole)) if whole else 0.0
    if frac:
        value += float("0." + "".join(str(_DIGITS[c]) for c in frac))
    return value
