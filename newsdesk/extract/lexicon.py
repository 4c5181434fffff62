"""Word lists that give a figure its meaning: qualifiers, directions, negations, contexts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsdesk.extract.numerals import parse_number

QUALIFIERS: dict[str, str] = {
    "约合": "about", "大约": "about", "大概": "about", "约为": "about", "约": "about",
    "左右": "about", "上下": "about", "about": "about", "roughly": "about", "around": "about",
    "approximately": "about", "some": "about", "or so": "about",
    "超过": "over", "超出": "over", "超": "over", "逾": "over", "余": "over", "多": "over",
    "以上": "over", "至少": "over", "more than": "over", "over": "over", "above": "over",
    "at least": "over", "upwards of": "over", "or more": "over",
    "将近": "nearly", "接近": "nearly", "逼近": "nearly", "近": "nearly", "nearly": "nearly",
    "almost": "nearly", "close to": "nearly",
    "不到": "under", "低于": "under", "不足": "under", "少于": "under", "以下": "under",
    "less than": "under", "under": "under", "below": "under", "or less": "under",
    "折合": "exact", "相当于": "exact",
}  # fmt: skip
_ZH_BEFORE = (
    "约合|大约|大概|约为|超过|超出|至少|将近|接近|逼近|不到|低于|不足|少于|折合|相当于|约|超|逾|近"
)
_EN_BEFORE = (
    r"about|roughly|around|approximately|some|more than|over|above|at least|upwards of"
    r"|nearly|almost|close to|less than|under|below"
)
_QUAL_BEFORE = re.compile(rf"(?:(?<![A-Za-z])(?:{_EN_BEFORE})\s+|(?:{_ZH_BEFORE})\s*)$", re.I)
_QUAL_AFTER = re.compile(r"^\s*(左右|上下|以上|以下|or so|or more|or less)(?![A-Za-z])", re.I)

# Chinese movers; text arrives simplified (extract/normalize.py), but the traditional forms of
# the common ones are listed too so that an unnormalised page still reads
_FALL_ZH = (
    "暴跌|大跌|急跌|骤跌|狂跌|下跌|下挫|重挫|大挫|收跌|跌幅|蒸发|缩水|跳水|下滑|下降|骤降|回落|跌去|跌落"
    "|大减|急泻|下泻|重泻|泻|走低|收低|跌|挫|降|蒸發|縮水|驟降|下滑"
)
_RISE_ZH = (
    "暴涨|大涨|急涨|骤涨|狂涨|上涨|飙升|狂飙|收涨|涨幅|上升|上扬|走高|攀升|骤增|激增|大增|增加|增长|增值"
    "|提高|多出|暴增|狂增|回血|反弹|回升|劲扬|走扬|扬升|劲升|急升|大升|拉高|拉升|拉了|走高|收高|涨|升|暴漲|暴增|反彈|大漲|急漲|上漲|收漲|漲幅|飆升|驟增|漲"
)
_FALL_EN = (
    r"fell|fall|falls|falling|dropped|drop|drops|dropping|slid|slide|slides|sliding|plunged"
    r"|plunge|plunges|plunging|plummeted|plummet|plummets|plummeting|tumbled|tumble|tumbles"
    r"|tumbling|sank|sunk|sink|sinks|sinking|dived|dove|dive|dives|diving|lost|lose|loses"
    r"|losing|gave up|give up|gives up|giving up"  # before "up", which alone is a rise
    r"|wiped out|wiping out|wipes out|wipe out|wiped|wiping|erased|erasing|erase|erases"
    r"|knocked|knocking|knocks|knock|shed|sheds|shedding|slashed|slashing|cratered|crashed"
    r"|declined|decline|declines|declining|slumped|slump|slumps|slumping|dipped|dip|dips"
    r"|retreated|skidded|slipped|slip|slips|slipping|eased|eases|easing|shrank|shrunk|shrink"
    r"|shrinks|shrinking|cut|cuts|cutting|cost|costs|costing|fallen|tanked|tank|tanks|tanking"
    r"|nosedived|nosedive|sagged|sag|weakened|skids|skid|shaved|shaving|shaves|shave|trimmed"
    r"|trimming|down|lower"
)
_RISE_EN = (
    r"rose|risen|rise|rises|rising|jumped|jump|jumps|jumping|surged|surge|surges|surging"
    r"|soared|soar|soars|soaring|skyrocketed|skyrocket|skyrockets|skyrocketing|rocketed"
    r"|spiked|gained|gain|gains|gaining|added|add|adds|adding|climbed|climb|climbs|climbing"
    r"|rallied|rally|rallies|rallying|advanced|advance|advances|advancing|increased"
    r"|increasing|increases|boosted|boosting|rebounded|rebound|rebounds|rebounding|recovered"
    r"|lifted|lifting|lifts|lift|bounced|bounces|bouncing|bounce|leapt|leaped|leap|leaps|popped|zoomed|grew|grown|firmed"
    r"|strengthened|up|higher"
)
_DIRECTION = re.compile(
    rf"(?P<fall>{_FALL_ZH}|(?<![A-Za-z])(?:{_FALL_EN})(?![A-Za-z]))"
    rf"|(?P<rise>{_RISE_ZH}|(?<![A-Za-z])(?:{_RISE_EN})(?![A-Za-z]))",
    re.I,
)
# "a 17% plunge", "a $279 billion market-cap loss", "a $277 billion surge in market value":
# a move noun right after the figure, perhaps behind what moved
_AFTER_MODIFIER = (
    r"(?:(?:one-day|single-day|daily|stock|share|share-price|market[- ]value|market[- ]cap"
    r"|market[- ]capitali[sz]ation|value)\s+)?"
)
_DIRECTION_AFTER = re.compile(
    rf"^\s*{_AFTER_MODIFIER}(?:(?P<fall>drop|fall|decline|slide|plunge|slump|loss|losses|lower"
    r"|tumble|dive|sell-?off|rout|wipeout|wipe-out|retreat|decrease|collapse|crash|selloff"
    # "with nearly $600 billion erased from its market cap": a participle after the amount
    r"|erased|wiped out|wiped off|wiped|lost|shed|gone|evaporated|vanished|knocked off"
    r"|lopped off|shaved off)"
    r"|(?P<rise>gain|gains|rise|jump|surge|rally|increase|higher|climb|advance|spike|soar"
    r"|leap|boost|rebound|added|addition|additions))(?![A-Za-z])"
    # "录得7.5%的单日跌幅": a Chinese move noun after the figure
    r"|^\s*的?(?:单日|单周|單日)?(?:(?P<zh_fall>跌幅|跌势|跌勢)|(?P<zh_rise>涨幅|漲幅|升幅))",
    re.I,
)
# "$589 billion of Nvidia's market value evaporated": a verb later in the clause moves it
_VERB_AFTER = re.compile(
    r"(?P<fall>蒸发|蒸發|缩水|縮水|(?<![A-Za-z])(?:evaporated|vanished|was wiped out|were wiped out"
    r"|was erased|were erased|went up in smoke|disappeared)(?![A-Za-z]))"
    r"|(?P<rise>(?<![A-Za-z])(?:was added|were added)(?![A-Za-z]))",
    re.I,
)
_NEGATION = re.compile(
    r"(?:并未|并没有|没有|尚未|未曾|未|没|并不|不(?!断|停|到|足))[^，,。；;]{0,3}$"
    r"|(?:\bnot|n't|\bnever|\bno)\s+(?:\w+\s+){0,2}$",
    re.I,
)
# "跌至120美元", "fell to $120": the figure is the level reached, not the size of the move
_LEVEL = re.compile(r"至|到|破|(?<![A-Za-z])(?:to|below|above)(?![A-Za-z])", re.I)

# a share price or a holding ("a stake worth $13 billion"), not what a company is worth
NOT_A_VALUATION = re.compile(
    r"每股|持股|(?<![A-Za-z])(?:per share|a share|each|apiece|stakes?|holdings?|shares worth)"
    r"(?![A-Za-z])",
    re.I,
)
# What may stand between a clause's start and its move word when the subject is carried over
# from an earlier clause ("…，盘中一度下跌10%"); anything else may name another company.
_FILLER = re.compile(
    r"股价|股票|该股|其股价|该公司|公司|市值|总市值|盘中|一度|日内|收盘|盘后|盘前|尾盘|早盘|午盘|开盘"
    r"|最终|全天|随后|同时|此后|之后|一天内|就|亦|也|则|并|而|又|还|再|继续|进一步|合计|共|都|均"
    r"|反而|小幅|大幅|略|微|逆势|仍然|仍|依然|再度|再次|持续|连续|接连|当日|当天|次日|昨日|今日"
    r"|(?<![A-Za-z])(?:and|its|shares?|stock|the|then|later|also|further|closing|intraday|at one"
    r"|point|while|after|before|in|on|of|value|market|but|instead|slightly|sharply|modestly"
    r"|rather|then|by|as|it|closed|ended|finished|settled|had|has|been|was|were|is)(?![A-Za-z])"
    r"|[\s\W\d]",
    re.I,
)
# not a close-to-close move: during the session, or before/after it
INTRADAY = re.compile(
    r"盘中|一度|日内|最多|最深|最高曾|最低曾|曾经?(?:一度)?(?:大?跌|大?涨|急跌|急升|下跌|上涨)"
    r"|盘前|盘后|开盘|早盘|午盘|盤中|盤前|盤後|(?<![A-Za-z])(?:intraday|at one point"
    r"|as much as|pre-?market|after-?hours|at the open|(?:in|during) (?:early|morning|midday"
    r"|afternoon|late|extended|premarket|pre-market|after-hours) trad(?:ing|e)"
    r"|early trading|during the (?:session|day)|at (?:its|the) (?:session )?(?:low|high|lows|highs)"
    r"|at session (?:lows|highs)|last (?:higher|lower|up|down|trading|traded)|was still (?:up|down)"
    r"|as of \d{1,2}(?::\d\d)? ?(?:a\.?m|p\.?m))(?![A-Za-z])",
    re.I,
)
# before or after the session: the day's low/high range does not hold such a move
OFF_SESSION = re.compile(
    r"盘前|盘后|盤前|盤後|(?<![A-Za-z])(?:pre-?market|after-?hours|extended trading"
    r"|after the (?:bell|close))(?![A-Za-z])",
    re.I,
)
# "…一度跌超15%，收盘跌12%", "fell as much as 18% before closing down 17%": the close
CLOSE = re.compile(
    r"收盘|收市|收跌|收涨|收報|收报|尾盘收|(?<![A-Za-z])(?:closed|closing|close|ended|ending|finished"
    r"|settled|at the bell)(?![A-Za-z])",
    re.I,
)
# after an intraday word, what ends its reach: a close word, or 的 closing a phrase about
# something else ("在周四盘后发布财报的亚马逊周五大涨")
INTRADAY_ENDS = re.compile(r"的|" + CLOSE.pattern, re.I)
# Not one day's move: a figure over several sessions ("soaring 239% in 2023", 今年以来)
MULTI_PERIOD = re.compile(
    r"过去(?:[\d一二两三四五六七八九十几数]+个?)?(?:年|个月|月|周|星期|天|日|交易日|季度)|今年以来|年初以来"
    r"|年初至今|今年迄今|全年|上半年|下半年|(?:19|20)\d\d年(?!\s*[\d一二三四五六七八九十]+月)|今年(?![\d一二三四五六七八九十]+月)|年内|本周|本月|上周以来|累计|累積|自.{1,12}以来|以来|近(?:一|两|三|\d+)(?:年|个月|周)"
    r"|同比|环比|较上年|較上年|较去年|較去年|[两二三四五六七八九十\d]+个交易日|上周累计"
    r"|(?<![A-Za-z])(?:(?:ended|finished|closed|ending|finishing|ends|finishes) the (?:week|month"
    r"|year|quarter|(?:\w+ )?sessions)|the (?:two|three|four|five|six|seven|eight|nine|ten|\d+)"
    r" (?:trading )?(?:sessions|days))(?![A-Za-z])"
    r"|(?<![A-Za-z])(?:year[- ]to[- ]date|YTD|this year|so far this year|year[- ]on[- ]year"
    r"|year[- ]over[- ]year|(?:from|on|over|than) a year (?:earlier|ago|before)|from (?:19|20)\d\d"
    r"|over (?:19|20)\d\d"
    r"|(?:from|than) (?:the )?(?:same|previous|prior|year-ago|last) (?:quarter|period|year)"
    r"|last year|since (?:the start of"
    r"|the beginning of|January|February|March|April|May|June|July|August|September|October"
    r"|November|December|last|its|the|early|mid|late|\d)|over the (?:past|last) \w+"
    r"|(?:in|over|during) the (?:past|last)(?: \w+)? (?:days?|weeks?|months?|years?|sessions?"
    r"|quarters?)|in (?:19|20)\d\d(?! \d)|for the (?:year|week|month)|this (?:week|month|quarter)"
    r"|last (?:year|month|quarter)|in (?:\w+ )?(?:days|weeks|months|years|sessions)"
    r"|over the (?:week|month|year))(?![A-Za-z])",
    re.I,
)
# Crossing a level is not a valuation at the date ("市值首次突破1万亿美元", "topped $2 trillion")
THRESHOLD = re.compile(
    r"突破|站上|站稳|跌破|升破|冲破|攻破|失守|超越|越过|首家|(?<![A-Za-z])(?:topped|tops"
    r"|topping|to top|crossed|crosses|crossing|cross|surpassed|surpassing|surpasses|surpass"
    r"|eclipsed|eclipsing|breached|breaching|broke (?:above|through|below)|passed|passing"
    r"|above|below|near|past|beyond|toward|towards)(?![A-Za-z])",
    re.I,
)
THRESHOLD_AFTER = re.compile(
    r"^\s*(?:大关|关口|整数关口|關口|大關|(?:\w+\s+)?(?:mark|milestone|threshold|level|club|barrier)(?![A-Za-z]))",
    re.I,
)
# What the figure is a change of: a price noun closer to the move word than a metric wins
PRICE_NOUN = re.compile(
    r"股价|股票|该股|股份|个股|市值|(?<![A-Za-z])(?:shares|stock|stocks|share price|market value"
    r"|market cap)(?![A-Za-z])",
    re.I,
)
# the figure's clause ends where a side phrase begins: "… 12% after it warned that sales …"
SIDE_PHRASE = re.compile(
    r"后|之后|以后|此前|因为|由于|(?<![A-Za-z])(?:after|as|when|while|because|since|following"
    r"|ahead of|even though|though|although"
    r"|amid|on (?:news|fears|concerns|worries|reports)|despite|before|that)(?![A-Za-z])",
    re.I,
)
# "为上市以来最大跌幅", "the most in a year": a superlative right after the period ranks one day
RANKED_AFTER = re.compile(
    r"^[^,，;；。]{0,6}(?:最|(?<![A-Za-z])(?:worst|biggest|best|largest|most|steepest|sharpest"
    r"|record|deepest|heaviest)(?![A-Za-z]))",
    re.I,
)
# "its worst day this year", "创今年以来最大": one day ranked within a longer period
SUPERLATIVE = re.compile(
    r"(?:最大|最多|最差|最佳|最|创|(?<![A-Za-z])(?:worst|biggest|best|largest|most|steepest|sharpest"
    r"|record|deepest|heaviest)(?![A-Za-z]))[^,，;；]{0,40}$",
    re.I,
)
# "lifted the Nasdaq Composite by 3%": nothing but "by" between the moved name and the figure
BY_FIGURE = re.compile(
    r"^(?:['’]s)?\s*(?:(?:stock\s+)?(?:market[- ]value|market[- ]cap(?:itali[sz]ation)?|value"
    r"|shares|stock|share price)\s+)?(?:down\s+|up\s+)?by\s*$",
    re.I,
)
# a market-value clause with no name of its own refers back to the sentence's company:
# "…, wiping out $589 billion", "…, pulling its market cap down by $200 billion"
REFERS_BACK = re.compile(
    r"^[\s,，、]*(?:(?:and|while|with|in|the)\s+)?(?:[A-Za-z]+ing\b|its\b|their\b|the company's"
    r"|the firm's|the group's|the chipmaker's|其|该公司|公司|该股|市值|股价|总市值)",
    re.I,
)
# a percentage of one of these is not a share-price move
_METRIC_WORDS = (
    r"营收|收入|利润|净利|销量|销售额|出货|用户|份额|同比|环比|利率|收益率|通胀|GDP|CPI|财报|业绩"
    r"|季度|Q[1-4]|预售"
    r"|(?<![A-Za-z])(?:revenue|revenues|sales|profit|profits|earnings|income|margin|margins"
    r"|shipments|deliveries|users|market share|year-on-year|year over year|inflation|yield"
    r"|interest rate|GDP|quarter|quarterly|results|growth|guidance|forecast)(?![A-Za-z])"
)
METRIC = re.compile(_METRIC_WORDS, re.I)
# "a 12% rise in revenue", "12% of sales", "12% year-on-year": the figure is of a metric
METRIC_AFTER = re.compile(
    rf"^\s*(?:(?:[\w-]+\s+){{0,2}}(?:in|of)\s+(?:its\s+|the\s+)?(?:[\w-]+\s+)?)?(?:{_METRIC_WORDS})",
    re.I,
)
MARKET_CAP = re.compile(
    r"市值|(?<![A-Za-z])(?:market[- ]value|market[- ]cap|m-?cap|off the value of"
    r"|market[- ]capitali[sz]ation|market[- ]caps"
    r"|蒸发|蒸發|in value|of value|shareholder value|wipeout|wipe-out|(?:its|their|the company's"
    r"|the company’s|the firm's|the group's) value)(?![A-Za-z])",
    re.I,
)
VALUATION = re.compile(
    r"估值|(?<![A-Za-z])(?:valuation|valued|valuing|worth"
    r"|values?\s+(?!of\s|in\s|at\s)(?:[A-Za-z'’.-]+\s+){1,3}?at)(?![A-Za-z])",  # value it at
    re.I,
)
# an undated earlier time: the figure it governs is not as of publication
EARLIER_TIME = re.compile(
    r"(?:年|月|周|天)前|此前|之前|以前|当时|去年|前年"
    r"|(?<![A-Za-z])(?:ago|earlier|previously|last year|at the time)(?![A-Za-z])",
    re.I,
)
# "value the company at …", "使其估值": a company named before, perhaps in the previous sentence
PRONOUN = re.compile(
    r"该公司|这家公司|该股|其|(?<![A-Za-z])(?:the company|the firm|the startup|the group|the stock"
    r"|the shares|it|its|^\s*shares|^\s*stock)"
    r"(?![A-Za-z])",
    re.I,
)
RESPECTIVELY = re.compile(r"分别|各自|(?<![A-Za-z])respectively(?![A-Za-z])", re.I)
# "分别下跌7%和5%": the second figure shares the first one's move word
LIST_GAP = re.compile(r"^\s*(?:和|与|及|以及|、|,|，|and|,\s*and)\s*$", re.I)
PERCENT_POINTS = re.compile(r"百分点|percentage point", re.I)
FROM_MARKER = re.compile(r"(?:从|由|(?<![A-Za-z])from\s+)$", re.I)
TO_MARKER = re.compile(r"(?:到|至|(?<![A-Za-z])to\s+)$", re.I)
CONVERSION_GAP = re.compile(
    r"^[\s(（,，\-–—]*(?:(?:or|i\.e\.|equivalent to|即|或)\s*)?(?:约合|折合|合|相当于)?\s*$", re.I
)
# words that only a change of value takes: a clause with one states no worth at the date
VALUE_CHANGE = re.compile(
    r"蒸发|蒸發|缩水|縮水|抹去|抹掉|增加|暴增|骤增|驟增|(?<![A-Za-z])(?:erased?|erasing|wiped?"
    r"|wiping|wipes|wipeout|evaporat\w*|shed|sheds|shedding|lost|loss|loses|losing|added|adding"
    r"|knock\w*|shav\w*|lopp\w*|slash\w*|disappear\w*|vanish\w*|put on|puts on)(?![A-Za-z])",
    re.I,
)
JAPAN = re.compile(
    r"日元|日本|日股|东京|日经|(?<![A-Za-z])(?:yen|Japan|Japanese|Tokyo|Nikkei)", re.I
)

_EN_COUNT = {"two": 2, "both": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_COLLECTIVE = re.compile(
    r"(?P<zh>[两二三四五六七八九十\d]+)家(?:公司|企业|巨头|科技公司|科技巨头)?"
    r"|(?:这|上述|以上)(?:些|几家)?(?:公司|企业|巨头)|合计|共计|总计|一共|总共"
    r"|(?<![A-Za-z])(?:(?:the|these|those|all)\s+(?P<en>two|three|four|five|six|seven|\d+)\s+"
    r"|(?P<both>both)\s+)(?:companies|firms|stocks|groups|giants|tech giants)(?![A-Za-z])"
    r"|(?<![A-Za-z])(?:together|combined|collectively|between them)(?![A-Za-z])",
    re.I,
)


@dataclass(frozen=True)
class Direction:
    """A move word found before or after a figure."""

    sign: int  # -1 fall, +1 rise
    start: int
    end: int
    word: str
    negated: bool


def qualifier_before(text: str) -> tuple[str, int] | None:
    """The qualifier ending `text` (the words just before a figure) and where it starts."""
    m = _QUAL_BEFORE.search(text)
    if m is None:
        return None
    word = m.group().strip().lower()
    return QUALIFIERS[word], m.start()


def qualifier_after(text: str) -> tuple[str, int] | None:
    """The qualifier opening `text` (the words just after a figure) and its length."""
    m = _QUAL_AFTER.search(text)
    return (QUALIFIERS[m.group(1).lower()], m.end()) if m else None


def direction_before(text: str) -> Direction | None:
    """The last move word in `text`, with whether a negation precedes it."""
    last = None
    for m in _DIRECTION.finditer(text):
        last = m
    if last is None:
        return None
    sign = -1 if last.group("fall") else 1
    negated = _NEGATION.search(text[: last.start()]) is not None
    return Direction(sign, last.start(), last.end(), last.group(), negated)


def direction_after(text: str) -> int | None:
    """The sign of a move noun right after a figure ("a 7% drop"), else None."""
    m = _DIRECTION_AFTER.search(text)
    if m is None:
        return None
    return -1 if m.group("fall") or m.group("zh_fall") else 1


def verb_after(text: str) -> int | None:
    """The sign of a verb later in the clause that moves the figure ("…of market value
    evaporated", "市值…蒸发"), else None."""
    m = _VERB_AFTER.search(text)
    if m is None or _NEGATION.search(text[: m.start()]):
        return None
    return -1 if m.group("fall") else 1


def only_filler(text: str) -> bool:
    """Whether `text` holds nothing that could name another company (see _FILLER)."""
    return _FILLER.sub("", text) == ""


def is_level(between: str) -> bool:
    """Whether the words between a move verb and its figure make the figure a level (跌至, to)."""
    return _LEVEL.search(between) is not None


def collective(text: str) -> tuple[bool, int | None]:
    """Whether `text` refers to several companies at once, and how many when it says."""
    found, count = False, None
    for m in _COLLECTIVE.finditer(text):
        found = True
        if m.group("zh"):
            count = int(parse_number(m.group("zh")))
        elif m.group("en"):
            word = m.group("en").lower()
            count = int(word) if word.isdigit() else _EN_COUNT[word]
        elif m.group("both"):
            count = 2
    return found, count
