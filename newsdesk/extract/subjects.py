"""Pick the companies a figure is about: the nearest name, or a group named just before."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from newsdesk.extract import lexicon
from newsdesk.extract.reading import Sentence

Mention = tuple[int, int, str]  # (start, end, symbol) from AliasIndex.find


def name_at(
    names: Sequence[Mention], pos: int, clause: tuple[int, int], carry: bool
) -> Mention | None:
    """The last name before `pos` (any earlier clause if `carry`), else the first after it."""
    floor = 0 if carry else clause[0]
    before = [n for n in names if floor <= n[0] and n[1] <= pos]
    if before:
        return before[-1]
    after = [n for n in names if pos <= n[0] < clause[1]]
    return after[0] if after else None


def subject_at(
    names: Sequence[Mention], pos: int, clause: tuple[int, int], carry: bool
) -> list[str]:
    """The symbol of `name_at`, as a subject list."""
    name = name_at(names, pos, clause, carry)
    return [name[2]] if name else []


# "led a 3.1% slide in the tech-heavy Nasdaq": the move noun after the figure is the named one's
_MOVE_NOUN_IN = re.compile(
    r"^\s*(?:slide|drop|fall|decline|plunge|slump|loss|gain|rise|jump|surge|rally|sell-?off"
    r"|tumble|retreat|advance|increase|decrease|dive|rout|climb|slip|dip)s?\s+"
    r"(?:in|for|of|on|across)\s+(?:the\s+)?(?:[\w'’-]+\s+){0,2}?$",
    re.I,
)


def named_after(names: Sequence[Mention], masked: str, end: int, clause: tuple[int, int]) -> str:
    """The name a move noun right after a figure ending at `end` is "in", else ""."""
    after = [n for n in names if end <= n[0] < clause[1]]
    if after and _MOVE_NOUN_IN.match(masked[end : after[0][0]]):
        return after[0][2]
    return ""


# an aside between a name and its verb, set off by commas: "Broadcom, too, fell", "Nvidia, led
# by Jensen Huang, fell", "Nvidia, whose chips power OpenAI's ChatGPT, fell". English only: a
# Chinese comma ends a clause of its own (除了英伟达和博通外，美满电子跌19.1%).
_ASIDE = re.compile(r"^\s*[A-Za-z]")
_MAX_ASIDES = 2
# the market as a whole, not the company named before: "…, and the stock market lost 2%"
_MARKET_WIDE = re.compile(
    r"(?<![A-Za-z])(?:stock )?markets?(?! value| cap)(?![A-Za-z])|大盘|股市|美股|三大股指", re.I
)
_RELATIVE = re.compile(r"^\s*(?:which|who|that)(?![A-Za-z])", re.I)


def appositive_head(
    names: Sequence[Mention], text: str, clauses: Sequence[tuple[int, int]], ci: int
) -> Mention | None:
    """The name ending a clause that only asides separate from clause `ci`, the farthest first
    ("Micron, like Broadcom, slid" is Micron's); with no aside, clause `ci` must be a relative
    clause ("Nvidia, which fell 17%, …")."""
    for k in range(max(ci - 1 - _MAX_ASIDES, 0), ci):
        asides = clauses[k + 1 : ci]
        if not all(_ASIDE.match(text[a:b]) for a, b in asides):
            continue
        starts = {a + len(text[a:b]) - len(text[a:b].lstrip()) for a, b in asides}
        if any(n[0] in starts for n in names):
            continue  # "Nvidia, Broadcom and Marvell, fell": a list, not an aside
        if not asides and not _RELATIVE.match(text[clauses[ci][0] : clauses[ci][1]]):
            continue
        start, end = clauses[k]
        ending = [n for n in names if start <= n[0] and n[1] <= end]
        if ending and text[ending[-1][1] : end].strip(" ,，、") == "":
            return ending[-1]
    return None


def blank_names(text: str, names: Sequence[Mention], offset: int = 0) -> str:
    """`text` (starting at `offset` of the sentence) with every name in it blanked out."""
    chars = list(text)
    for start, end, _ in names:
        for k in range(max(start - offset, 0), min(end - offset, len(chars))):
            chars[k] = " "
    return "".join(chars)


def figure_subject(s: Sentence, i: int, move_start: int, kinds: Mapping[str, str]) -> list[str]:
    """The subject of figure i: what a move noun after it is "in" ("a 3.1% slide in the Nasdaq"),
    else the nearest listed name, carried from an earlier clause only over filler words or asides
    ("Broadcom, too, fell 17%"), and never over a name the index lacks: "亚马逊创新高，京东收跌近6%"
    and "Nvidia fell 17% and Marvell Technology slid 19%" must not give the first their fall."""
    fig = s.figures[i]
    clause = s.clause_of(fig.start)
    if after := named_after(s.names, s.masked, fig.end, clause):
        return [after]
    # a price or a market value is a listed company's: "…as DeepSeek rattled investors, wiping…"
    names = [n for n in s.names if not kinds or n[2] in kinds]
    name = name_at(names, fig.start, clause, carry=True)
    if name is None or name[0] >= fig.start:
        return [name[2]] if name else []
    stop, searched_from = min(move_start, fig.start), name[1]
    if name[1] <= clause[0]:  # carried from an earlier clause
        head = appositive_head(names, s.text, s.clauses, s.clauses.index(clause))
        if head is not None:  # names inside the asides are not the subject, nor unknown names
            name, searched_from = head, clause[0]
        prefix = _RELATIVE.sub("", s.masked[clause[0] : stop])
        if not lexicon.only_filler(prefix) or _MARKET_WIDE.search(prefix):
            return []
    if unknown_name_in(blank_names(s.masked[searched_from:stop], s.names, searched_from)):
        return []
    return [name[2]]


def pronoun_subject(before: str, previous: Sequence[str]) -> list[str]:
    """The company "the company" / "it" / 该公司 in `before` means: the previous sentence's last."""
    # a name in the same sentence is found by subject_at first; this is only the fallback
    if previous and lexicon.PRONOUN.search(before):
        return [previous[-1]]
    return []


def _distinct(symbols: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(symbols))


def resolve_group(
    count: int | None,
    moved_here: Sequence[str],
    named_here: Sequence[str],
    moved_before: Sequence[str],
    named_before: Sequence[str],
) -> tuple[list[str], bool]:
    """Members of "三家公司" / "both companies" / "together", in order, and whether they come
    from the previous sentence. Companies with a stated move are preferred over mere mentions."""
    need = count or 2
    pools = [
        (moved_here, moved_here),
        (named_here, named_here),
        ([*moved_before, *moved_here], moved_here),
        ([*named_before, *named_here], named_here),
    ]
    for pool, here in pools:
        members = _distinct(pool)
        if len(members) >= need:
            chosen = members[-count:] if count else members
            return chosen, any(m not in here for m in chosen)
    members = _distinct([*named_before, *named_here])
    return members, any(m not in named_here for m in members)


# "the chipmaker", 这家芯片巨头, "its market value": words that point back to the last company
# named of a kind. A kind is a sector of sql/tickers.csv, or COMPANY (anything named that is not
# an index or a fund) or LISTED (a company in the ticker universe: it has a market value). The
# sectors come first: 该芯片巨头 is a chipmaker before it is any 巨头.
COMPANY, LISTED = "company", "listed"
_EN_DESCRIPTORS: dict[str, tuple[str, ...]] = {
    "semiconductors": (
        "chipmaker", "chip maker", "chip-maker", "chip designer", "chip giant", "chip company",
        "chip firm", "semiconductor company", "semiconductor giant", "semiconductor maker",
        "semiconductor firm",
    ),
    "autos": (
        "EV maker", "electric-vehicle maker", "electric vehicle maker", "electric-car maker",
        "electric car maker", "carmaker", "car maker", "automaker", "EV giant", "EV company",
    ),
    "software": ("software maker", "software company", "software giant", "software firm"),
    "e-commerce": ("e-commerce giant", "e-commerce company", "online retailer"),
    "internet": ("social media giant", "social-media giant", "internet giant", "streaming giant"),
    "banks": ("lender",),
    # not "the group" ("the group of chip stocks") or "the bank" ("the central bank"): they name
    # other things as often as a company
    COMPANY: ("company", "firm", "tech giant", "technology giant", "startup"),
    LISTED: ("stock", "shares"),
}  # fmt: skip
_ZH_DESCRIPTORS: dict[str, tuple[str, ...]] = {
    "semiconductors": (
        "芯片巨头", "芯片公司", "芯片制造商", "芯片商", "芯片厂商", "芯片龙头", "芯片大厂",
        "芯片企业", "芯片股", "半导体巨头", "半导体公司", "半导体龙头", "半导体企业", "半导体大厂",
    ),
    "autos": (
        "电动车制造商", "电动车巨头", "电动车厂商", "电动车龙头", "电动车大厂", "电动车企业",
        "电动汽车制造商", "电动汽车巨头", "车企", "汽车制造商", "汽车巨头", "汽车公司",
    ),
    "software": ("软件公司", "软件巨头", "软件商", "软件制造商", "软件企业"),
    "e-commerce": ("电商巨头", "电商公司", "电商企业"),
    "internet": ("社交媒体巨头", "互联网巨头"),
    "banks": ("银行",),
    COMPANY: ("公司", "企业", "集团", "科技巨头", "科技公司", "巨头"),
    LISTED: ("股", "只股票", "个股"),
}  # fmt: skip
# "its market value", 其市值: a listed company, the one named last
_POSSESSIVE = (
    r"(?<![A-Za-z])[Ii]ts(?=\s+(?:market (?:value|cap)|shares?\b|stock\b|share price))"
    r"|其(?=总?市值|股价)"
)


def _words(words: Sequence[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# adjectives may stand between the article and the noun: "the AI chipmaker", 这家美国芯片巨头
_EN_ARTICLE = r"(?<![A-Za-z])[Tt]he\s+(?:(?!of\s|and\s|in\s)[\w'’-]+\s+){0,3}?"
_ZH_ARTICLE = r"(?:该|这家|这个|那家|这间)[\u4e00-\u9fff]{0,4}?"
# "the stock market", "the chip index": not a company
_NOT_THE_MARKET = r"(?!\s+(?:markets?|exchanges?|ind(?:ex|exes|ices)|futures|prices?)(?![A-Za-z]))"
_KIND_OF_GROUP = {
    **{f"en{n}": kind for n, kind in enumerate(_EN_DESCRIPTORS)},
    **{f"zh{n}": kind for n, kind in enumerate(_ZH_DESCRIPTORS)},
}


def _descriptor_pattern() -> re.Pattern[str]:
    """One alternation; the named group that matched says the kind (see _KIND_OF_GROUP)."""
    parts = [
        rf"{_EN_ARTICLE}(?P<en{n}>{_words(words)})(?![A-Za-z]){_NOT_THE_MARKET}"
        for n, words in enumerate(_EN_DESCRIPTORS.values())
    ] + [
        rf"{_ZH_ARTICLE}(?P<zh{n}>{_words(words)})"
        for n, words in enumerate(_ZH_DESCRIPTORS.values())
    ]
    return re.compile("|".join([*parts, _POSSESSIVE]))


_DESCRIPTOR = _descriptor_pattern()
_FUNDS = frozenset({"index", "etf"})


def describes(text: str) -> bool:
    """Whether `text` points at a company by kind ("the chipmaker", 该公司), resolved or not."""
    return _DESCRIPTOR.search(text) is not None


def _is_kind(symbol: str, kind: str, kinds: Mapping[str, str]) -> bool:
    if kind == COMPANY:
        return kinds.get(symbol) not in _FUNDS
    if kind == LISTED:
        return symbol in kinds and kinds[symbol] not in _FUNDS
    return kinds.get(symbol) == kind


def with_descriptors(
    text: str, names: Sequence[Mention], earlier: Sequence[str], kinds: Mapping[str, str]
) -> list[Mention]:
    """`names` with each "the chipmaker" / 该公司 / "its market value" in `text` added as a
    mention of the last company of that kind named before it (here, else `earlier`)."""
    found = list(names)
    for m in _DESCRIPTOR.finditer(text):
        start, end = m.span()
        if any(n[0] < end and start < n[1] for n in found):
            continue  # part of a name ("iPhone maker", 谷歌母公司)
        if any(end <= n[0] <= end + 1 for n in names):
            continue  # a label before the name itself: "the chipmaker Nvidia"
        kind = next((_KIND_OF_GROUP[g] for g, v in m.groupdict().items() if v), LISTED)
        before = [n[2] for n in sorted(found) if n[1] <= start]
        candidates = reversed([*earlier, *before])
        symbol = next((s for s in candidates if _is_kind(s, kind, kinds)), None)
        if symbol is not None:
            found.append((start, end, symbol))
    return sorted(found)


# capitalised words that name no company ("Nvidia, Wall Street's darling, fell 17%")
_NOT_NAMES = frozenset(
    re.findall(
        r"\S+",
        """A An And As At After Before But By During For From In It Its Of On Or So The Then This
        While With Meanwhile Also However Shares Stock Stocks Wall Street U.S U.K US USA American
        Chinese China Hong Kong Taiwan Asian Europe European Japan Japanese AI CEO CFO ETF ETFs
        EV GPU GPUs IPO ADR ADRs NYSE Fed Treasury Inc Corp Co Ltd LLC Magnificent Seven
        Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April
        May June July August September October November December Jan Feb Mar Apr Jun Jul Aug
        Sep Sept Oct Nov Dec""",
    )
)
_CAPITALISED = re.compile(r"(?<![A-Za-z0-9.])(?:(?:[A-Z]\.)+[A-Z]?|[A-Z][A-Za-z0-9&-]*)")
# a Chinese company name the index lacks: 美满电子, 某某科技, 某某集团
_ZH_COMPANY = re.compile(
    r"(?P<head>[\u4e00-\u9fff]{2,4}?)(?:微电子|电子|科技|集团|控股|半导体|公司|股份)"
)
# words that make a head generic (这家公司, 美国科技公司, 消费电子), not a name
_ZH_GENERIC = re.compile(
    r"该|这家|那家|这个|这间|两家|三家|几家|多家|各|其|美国|中国|台湾|香港|全球|上市|科技|芯片"
    r"|半导体|消费|旗下|母|子|大型|知名|人工智能|除了|包括|以及|和|与|及"
)


def unknown_name_in(text: str) -> bool:
    """Whether `text` (known names blanked out) names a company the index does not know."""
    # "US-listed", "AI-driven": the word before the hyphen is what could be a name
    words = (m.group().split("-")[0].rstrip(".") for m in _CAPITALISED.finditer(text))
    if any(word and word not in _NOT_NAMES for word in words):
        return True
    return any(len(_ZH_GENERIC.sub("", m.group("head"))) >= 2 for m in _ZH_COMPANY.finditer(text))
