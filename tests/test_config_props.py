"""Property tests of every config key (issue 12 §2): random values in, a valid Settings or one
line of UsageError out, never another exception, never a file written.

The checks on an accepted Settings are written here from the documented bounds, not taken
from newsdesk.config, so a rule that lets a bad value through fails them. The cron rule is
held against Prefect's own Cron schedule, the thing that will receive the expression.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from newsdesk.config import CLAIM_TYPES, ENV_OVERRIDES, Settings, load_settings
from newsdesk.errors import UsageError

PROPERTY = settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# ---- TOML text from Python values (tomllib reads, nothing in the stdlib writes) ------------


def toml_string(text: str) -> str:
    escaped = {'"': '\\"', "\\": "\\\\"}
    out = "".join(
        escaped.get(c) or (f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c)
        for c in text
    )
    return f'"{out}"'


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)  # repr(inf) is TOML's inf
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + ", ".join(pairs) + " }"
    return value.isoformat()  # date, datetime, time


def toml_document(doc: dict[str, Any]) -> str:
    scalars = [
        f"{toml_string(k)} = {toml_value(v)}" for k, v in doc.items() if not isinstance(v, dict)
    ]
    tables = [
        f"[{toml_string(name)}]\n"
        + "".join(f"{toml_string(k)} = {toml_value(v)}\n" for k, v in table.items())
        for name, table in doc.items()
        if isinstance(table, dict)
    ]
    return "\n".join([*scalars, *tables]) + "\n"


# ---- values: anything TOML can hold, and values near each key's bounds ----------------------

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=24)
SCALAR = st.one_of(
    st.booleans(),
    st.integers(),
    st.floats(),
    TEXT,
    st.dates(),
    st.datetimes(),
    st.times(),
)
ANYTHING = st.one_of(
    SCALAR,
    st.lists(SCALAR, max_size=3),
    st.dictionaries(TEXT, SCALAR, max_size=3),
)
NUMBER = st.one_of(
    st.integers(-5, 5000),
    st.integers(),
    st.floats(-10, 1e5),
    st.floats(),
    st.sampled_from([0, 0.0, -0.0, 1e-9, 0.5, 1, 60, 60.5, 600, 601, 3600, 3601, 86400, 1e6]),
)
WHOLE = st.one_of(
    st.integers(-3, 400),
    st.integers(),
    st.sampled_from([0, 1, 10, 11, 366, 367, 1023, 1024, 2**31, 2**31 + 1, 3.0, 3.7, 1e6]),
)
PATH = st.one_of(
    TEXT,
    st.sampled_from(["warehouse/x.duckdb", "", " ", "/", ".", "a/../b", "x" * 300, "a\x00b"]),
)
HOSTS = ["news.example", "127.0.0.1", "[::1]", "", "a b", "u:p@h.example", "[::1", "h.example:"]
URL = st.one_of(
    st.builds(
        "{}{}{}{}".format,
        st.sampled_from(["http://", "https://", "ftp://", "file://", "javascript:", "", "HTTP://"]),
        st.sampled_from(HOSTS),
        st.sampled_from(["", ":80", ":8080", ":99999", ":x", ":-1"]),
        st.sampled_from(["", "/", "/a?b=1", "/a#f", "/a b", "/\n", "/ü"]),
    ),
    TEXT,
)
SYMBOLS = st.lists(
    st.one_of(
        st.text("ABCXYZabcxyz0123456789.^=-_ /\\\n", max_size=18),
        st.sampled_from(["ADBE", "^GSPC", "brk.b", "", "../x", "A" * 16]),
    ),
    max_size=5,
)
QUOTES = st.lists(
    st.one_of(st.sampled_from(["CNY", "EUR", "JPY", "USD", "cny", "EU", "EURO", ""]), TEXT),
    max_size=5,
)
FIELD = st.one_of(
    st.sampled_from(["*", "0", "6", "59", "60", "99", "1-5", "5-1", "*/15", "*/0", "1,2"]),
    st.sampled_from(["MON", "mon-fri", "JAN", "L", "5#3", "?", "H", "R", "h", "H(0-5)", "@daily"]),
    st.integers(-2, 100).map(str),
    st.text("0123456789*/,-#LW?HR", min_size=1, max_size=6),
)
# one field per position, mostly in range, some just out of it
POSITIONS = [
    ["*", "0", "30", "*/15", "0-59/5", "5,35", "59", "60", "-1"],
    ["*", "6", "0-23", "*/2", "23", "24", "9-17"],
    ["*", "1", "15", "L", "29", "30", "31", "32", "?", "1-31/2", "0", "15W"],
    ["*", "1", "2", "JAN", "feb", "12", "13", "*/3", "0"],
    ["*", "1-5", "MON-FRI", "5#3", "7", "8", "sun", "?", "L", "5L", "H"],
    ["0", "30", "59", "60", "*"],  # seconds, Prefect's croniter reads a sixth field so
    ["2030", "2099", "2100", "1969", "*"],  # year, a seventh
]
SHAPED_CRON = st.integers(5, 7).flatmap(
    lambda n: st.tuples(*(st.sampled_from(POSITIONS[i]) for i in range(n))).map(" ".join)
)
CRON = st.one_of(
    SHAPED_CRON,
    st.lists(FIELD, min_size=3, max_size=8).map(" ".join),
    st.sampled_from(["0 6 * * *", "0 6 30 2 *", "@daily", "@reboot", "", "0 6 * * * 0 2020"]),
    TEXT,
)
TIMEZONE = st.one_of(
    st.sampled_from(["UTC", "America/New_York", "Asia/Shanghai", "Etc/GMT+5", "Mars/Olympus"]),
    st.sampled_from(["", "utc", "../etc/passwd", "localtime", "posixrules", "Factory"]),
    TEXT,
)
FLOORS = st.dictionaries(
    st.one_of(st.sampled_from([*CLAIM_TYPES, "other", "price_moves", ""]), TEXT),
    NUMBER,
    max_size=3,
)
SEVERITY = st.dictionaries(
    st.one_of(st.sampled_from(["prices_close_positive", "x y", ""]), TEXT),
    st.one_of(st.sampled_from(["blocking", "warning", "fatal", "Warning"]), SCALAR),
    max_size=3,
)

LOCATION = st.one_of(
    PATH,
    st.sampled_from(["s3://bucket/raw", "s3://b", "s3://", "s3:///x", "gs://b/x", "memory://t"]),
    st.sampled_from(["s3://u:p@bucket/x", "s3://b/a b", "file:///tmp/x", "S3://b", "s3://b/"]),
)
NAMES = st.one_of(
    TEXT,
    st.sampled_from(["newsdesk", "pool-1", "a.b_c", "", " ", "-x", "x" * 64, "tcp://h:8786"]),
    st.sampled_from(["tcp://10.0.0.5:8786", "tls://[::1]:8786", "tcp://", "http://h:1", "eu-1"]),
)

PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "warehouse.path": PATH,
    "warehouse.raw_dir": LOCATION,
    "warehouse.staging_dir": LOCATION,
    "warehouse.reports_dir": PATH,
    "warehouse.dq_dir": PATH,
    "warehouse.read_copy": st.booleans(),
    "news.feeds": st.lists(URL, max_size=3),
    "news.pages": st.lists(URL, max_size=3),
    "news.min_interval": NUMBER,
    "market.base_url": URL,
    "market.watchlist": SYMBOLS,
    "market.revise_days": WHOLE,
    "market.lookback_days": WHOLE,
    "fx.base_url": URL,
    "fx.quotes": QUOTES,
    "sec.base_url": URL,
    "sec.user_agent": st.one_of(TEXT, st.just("Jane Doe jane@example.com")),
    "schedule.cron": CRON,
    "schedule.timezone": TIMEZONE,
    "http.connect_timeout": NUMBER,
    "http.read_timeout": NUMBER,
    "http.retries": WHOLE,
    "http.backoff": NUMBER,
    "http.max_bytes": WHOLE,
    "http.task_retries": WHOLE,
    "http.deadline": NUMBER,
    "http.source_budget": NUMBER,
    "verify.about_margin": NUMBER,
    "verify.nearly_margin": NUMBER,
    "verify.floors": FLOORS,
    "quality.severity": SEVERITY,
    "storage.endpoint_url": st.one_of(URL, st.just("")),
    "storage.region": NAMES,
    "compute.runner": st.one_of(st.sampled_from(["thread", "process", "dask", "ray", ""]), TEXT),
    "compute.max_workers": WHOLE,
    "compute.dask_address": NAMES,
    "compute.chunk_symbols": WHOLE,
    "compute.chunk_pages": WHOLE,
    "compute.work_pool": NAMES,
    "limits.yahoo": NUMBER,
    "limits.sec": NUMBER,
    "limits.news_host": NUMBER,
}


def test_every_key_has_a_strategy() -> None:
    keys = {
        f"{section}.{key}"
        for section, value in vars(Settings()).items()
        if section != "source_file"
        for key in vars(value)
    }
    assert keys == set(PLAUSIBLE)


@st.composite
def configs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, str]]:
    """A TOML document of a few keys (plausible or anything), sometimes a stray, and env vars."""
    doc: dict[str, Any] = {}
    for name in draw(st.lists(st.sampled_from(sorted(PLAUSIBLE)), max_size=4, unique=True)):
        section, key = name.split(".")
        value = draw(
            st.one_of(PLAUSIBLE[name], ANYTHING) if draw(st.booleans()) else PLAUSIBLE[name]
        )
        doc.setdefault(section, {})[key] = value
    stray = draw(st.sampled_from([None, None, None, None, "section", "key", "scalar"]))
    if stray == "section":
        doc[draw(st.sampled_from(["markets", "computing", ""]))] = {"x": 1}
    elif stray == "key":
        doc.setdefault("http", {})[draw(st.sampled_from(["timeout", "fx_carry_days", ""]))] = 1
    elif stray == "scalar":
        doc[draw(st.sampled_from(["http", "market", "x"]))] = draw(SCALAR)
    env_vars = draw(st.lists(st.sampled_from(sorted(ENV_OVERRIDES)), max_size=2, unique=True))
    env = {var: draw(st.one_of(TEXT, URL, PATH)) for var in env_vars}
    return doc, {k: v for k, v in env.items() if "\x00" not in v}


# ---- what an accepted Settings must hold, from the documented bounds ------------------------


def finite(value: Any, low: float, high: float, *, above_low: bool = False) -> bool:
    return (
        type(value) is float
        and math.isfinite(value)
        and (low < value if above_low else low <= value)
        and value <= high
    )


def whole(value: Any, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high


def http_url(url: Any) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in url


def assert_valid(s: Settings) -> None:
    from prefect.schedules import Cron

    for name in ("path", "raw_dir", "staging_dir", "reports_dir", "dq_dir"):
        path = getattr(s.warehouse, name)
        if isinstance(path, str):  # an object-store URL: s3:// (or memory://) with a bucket
            scheme, _, rest = path.partition("://")
            assert name in ("raw_dir", "staging_dir") and scheme in ("s3", "memory"), name
            assert rest.strip("/") and " " not in path and "@" not in rest.split("/")[0], path
            continue
        assert isinstance(path, Path) and str(path).strip() and "\x00" not in str(path), name
    assert type(s.warehouse.read_copy) is bool
    assert all(http_url(u) for u in (*s.news.feeds, *s.news.pages))
    assert all(http_url(u) for u in (s.market.base_url, s.fx.base_url, s.sec.base_url))
    assert finite(s.news.min_interval, 0, 60)
    assert all(re.fullmatch(r"[A-Z0-9.^=-]{1,15}", sym) for sym in s.market.watchlist)
    assert whole(s.market.revise_days, 0, 366) and whole(s.market.lookback_days, 1, 366)
    assert s.fx.quotes and all(re.fullmatch(r"[A-Z]{3}", q) for q in s.fx.quotes)
    assert "USD" not in s.fx.quotes
    assert all(" " <= c <= "~" for c in s.sec.user_agent)
    ZoneInfo(s.schedule.timezone)
    Cron(s.schedule.cron, timezone=s.schedule.timezone)  # what `newsdesk serve` will build
    h = s.http
    assert finite(h.connect_timeout, 0, 3600, above_low=True)
    assert finite(h.read_timeout, 0, 3600, above_low=True)
    assert finite(h.deadline, 0, 3600, above_low=True)
    assert finite(h.source_budget, 0, 86400, above_low=True) and h.deadline <= h.source_budget
    assert finite(h.backoff, 0, 60)
    assert whole(h.retries, 0, 10) and whole(h.task_retries, 0, 10)
    assert whole(h.max_bytes, 1024, 2**31)
    assert finite(s.verify.about_margin, 0, 1) and finite(s.verify.nearly_margin, 0, 1)
    assert set(s.verify.floors) == set(CLAIM_TYPES)
    assert all(finite(f, 0, 1) for f in s.verify.floors.values())
    assert all(v in ("blocking", "warning") for v in s.quality.severity.values())
    assert s.storage.endpoint_url == "" or http_url(s.storage.endpoint_url)
    assert re.fullmatch(r"[a-z0-9-]*", s.storage.region)
    c = s.compute
    assert c.runner in ("thread", "process", "dask")
    assert whole(c.max_workers, 1, 256)
    assert whole(c.chunk_symbols, 1, 100_000) and whole(c.chunk_pages, 1, 100_000)
    assert c.dask_address == "" or re.fullmatch(r"(tcp|tls)://\S+", c.dask_address)
    assert c.work_pool == "" or re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", c.work_pool)
    assert finite(s.limits.yahoo, 0, 100, above_low=True)
    assert finite(s.limits.sec, 0, 10, above_low=True) and s.limits.sec < 10
    assert finite(s.limits.news_host, 0, 100, above_low=True)


def names_in(doc: dict[str, Any], env: dict[str, str]) -> set[str]:
    names = {f"[{section}]" for section in doc} | {"unknown section", "unknown key"}
    for section, table in doc.items():
        if isinstance(table, dict):
            names |= {f"{section}.{key}" for key in table}
    names |= {".".join(ENV_OVERRIDES[var]) for var in env}
    return names


@PROPERTY
@given(configs())
def test_any_value_of_any_key_is_loaded_valid_or_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, drawn: tuple[dict[str, Any], dict[str, str]]
) -> None:
    monkeypatch.chdir(tmp_path)  # relative paths in the config land here if anything is made
    doc, env = drawn
    config = tmp_path / "newsdesk.toml"
    config.write_text(toml_document(doc), encoding="utf-8")
    try:
        loaded = load_settings(config, environ=env)
    except UsageError as exc:
        event("refused")
        message = str(exc)
        assert message.startswith("config") and "\n" not in message and len(message) < 400
        assert "not valid TOML" not in message, f"the test wrote bad TOML: {message}"
        assert any(name in message for name in names_in(doc, env)), message
    else:
        event("accepted")
        assert_valid(loaded)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["newsdesk.toml"]


@PROPERTY
@given(SHAPED_CRON)
def test_schedule_cron_is_refused_whenever_prefects_cron_refuses_it(
    tmp_path: Path, cron: str
) -> None:
    from prefect.schedules import Cron

    config = tmp_path / "newsdesk.toml"
    config.write_text(toml_document({"schedule": {"cron": cron}}), encoding="utf-8")
    try:
        Cron(cron)
    except Exception:  # Prefect's refusal, whatever its type
        prefect_accepts = False
    else:
        prefect_accepts = True
    event(f"prefect accepts: {prefect_accepts}")
    try:
        load_settings(config, environ={})
    except UsageError as exc:
        assert "schedule.cron" in str(exc)
        if prefect_accepts:  # the one stricter rule: an expression that never fires
            assert "never fires" in str(exc)
            event("never fires")
    else:
        assert prefect_accepts, f"newsdesk took {cron!r}, Prefect's Cron refuses it"


# ---- through the command line: exit 2, one line on stderr, nothing written ------------------


def bad_config_files() -> st.SearchStrategy[tuple[dict[str, Any], dict[str, str]]]:
    # the warehouse keys stay fixed (below), so "nothing written" is checked where a run writes
    return configs().map(
        lambda drawn: ({k: v for k, v in drawn[0].items() if k != "warehouse"}, drawn[1])
    )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(bad_config_files())
def test_a_refused_config_stops_the_command_line_with_exit_2_and_writes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    drawn: tuple[dict[str, Any], dict[str, str]],
) -> None:
    from flows.cli import main

    doc, _ = drawn
    root = tmp_path / "case"
    root.mkdir(exist_ok=True)
    for child in root.iterdir():
        child.unlink()
    wh = root / "wh"
    doc = {
        **doc,
        "warehouse": {
            "path": str(wh / "newsdesk.duckdb"),
            "raw_dir": str(wh / "raw"),
            "reports_dir": str(wh / "reports"),
            "dq_dir": str(wh / "dq"),
        },
    }
    config = root / "newsdesk.toml"
    config.write_text(toml_document(doc), encoding="utf-8")
    try:
        load_settings(config, environ={})
    except UsageError:
        pass
    else:
        assume(False)  # a valid config would start a real check; the property is about refusals
    for var in ("NEWSDESK_CONFIG", *ENV_OVERRIDES):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NEWSDESK_PREFECT", "direct")
    monkeypatch.chdir(root)
    capsys.readouterr()
    code = main(["check", "--date", "2024-02-16", "--config", str(config)])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.count("\n") == 1 and "config" in err, err
    assert any(name in err for name in names_in(doc, {})), err
    assert "Traceback" not in out + err
    assert not wh.exists()
    assert sorted(p.name for p in root.iterdir()) == ["newsdesk.toml"]


@pytest.mark.parametrize(
    "text",
    [
        "[http]\nread_timeout = 0\n",
        "[http]\nconnect_timeout = inf\n",
        "[market]\nlookback_days = 1e6\n",
        "[market]\nlookback_days = 3.7\n",
        "[http]\nbackoff = nan\n",
        "[http]\nmax_bytes = 0\n",
        "[fx]\nquotes = []\n",
        "[verify]\nfloors = { stock_split = 0.1 }\n",
        '[schedule]\ncron = "99 99 99 99 99"\n',
        "[news]\nmin_interval = 1e6\n",
    ],
)
def test_the_issues_bad_values_exit_2_from_the_command_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
) -> None:
    from flows.cli import main

    wh = tmp_path / "wh"
    config = tmp_path / "newsdesk.toml"
    config.write_text(f"[warehouse]\npath = {json.dumps(str(wh / 'n.duckdb'))}\n{text}")
    monkeypatch.setenv("NEWSDESK_PREFECT", "direct")
    monkeypatch.chdir(tmp_path)
    code = main(["check", "--date", "2024-02-16", "--config", str(config)])
    err = capsys.readouterr().err
    key = text.split("]\n")[0].lstrip("[") + "." + text.split("\n")[1].split(" =")[0]
    assert code == 2 and err.count("\n") == 1 and f"config: {key}" in err, err
    assert not wh.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["newsdesk.toml"]


def test_a_cron_whose_only_year_is_past_never_fires() -> None:
    # "never fires" is judged from now: an expression whose only year is past is refused
    past = f"0 6 1 1 * 0 {datetime.now().year - 1}"
    with pytest.raises(UsageError, match="never fires"):
        from newsdesk.config import _RULES

        _RULES["schedule.cron"]("schedule.cron", past)
