"""Wrap report text to a terminal width, Chinese and Japanese text included.

textwrap breaks only at spaces and counts characters, so a CJK sentence stays one line of twice
its length in columns. Here a wide character counts two columns and a line may break between
any two of them (a Markdown renderer joins the lines again).
"""

from __future__ import annotations

import re
import unicodedata

_PIECE = re.compile(r"[^\s]")


def display_width(text: str) -> int:
    """Columns the text takes in a terminal: wide and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pieces(text: str) -> list[tuple[str, bool]]:
    """(piece, preceded by a space): words, with each wide character a piece of its own."""
    out: list[tuple[str, bool]] = []
    for word in text.split():
        spaced = True
        run = ""
        for ch in word:
            if unicodedata.east_asian_width(ch) in "WF":
                if run:
                    out.append((run, spaced))
                    spaced, run = False, ""
                out.append((ch, spaced))
                spaced = False
            else:
                run += ch
        if run:
            out.append((run, spaced))
    return out


def wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """Greedy wrap to `width` columns, the first line prefixed `first`, the others `rest`.

    A word longer than a line is left whole (a URL must not break)."""
    lines: list[str] = []
    prefix, line, used = first, "", 0
    for piece, spaced in _pieces(text):
        sep = " " if spaced and line else ""
        size = display_width(piece)
        if line and display_width(prefix) + used + len(sep) + size > width:
            lines.append(prefix + line)
            prefix, line, used = rest, piece, size
        else:
            line, used = line + sep + piece, used + len(sep) + size
    lines.append((prefix + line).rstrip())
    return lines
