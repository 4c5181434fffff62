"""Settings: defaults, TOML, environment overrides, and clear refusals."""

from collections.abc import Mapping
from dataclasses import fields
from datetime import date
from pathlib import Path

import pytest

from newsdesk.config import Settings, VerifyPolicy, load_settings, parse_date
from newsdesk.errors import UsageError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "newsdesk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={})
    assert settings.warehouse.path == Path("warehouse/newsdesk.duckdb")
    assert settings.fx.quotes == ("CNY", "EUR", "GBP", "HKD", "JPY", "MYR")
    assert settings.market.base_url == "https://query1.finance.yahoo.com"
    assert settings.schedule.cron == "0 6 * * *"
    assert settings.source_file is None


def test_file_values_and_env_overrides(tmp_path):
    path = write(
        tmp_path,
        '[market]\nwatchlist = ["ADBE", "^GSPC"]\n[fx]\nquotes = ["CNY"]\n'
        '[sec]\nuser_agent = "from file"\n',
    )
    env = {"NEWSDESK_CONFIG": str(path), "NEWSDESK_WAREHOUSE": "/tmp/x.duckdb",
           "NEWSDESK_SEC_USER_AGENT": "Jane Doe jane@example.com"}  # fmt: skip
    settings = load_settings(environ=env)
    assert settings.market.watchlist == ("ADBE", "^GSPC")
    assert settings.fx.quotes == ("CNY",)
    assert settings.warehouse.path == Path("/tmp/x.duckdb")
    assert settings.sec.user_agent == "Jane Doe jane@example.com"
    assert settings.source_file == path


def test_explicit_path_beats_environment(tmp_path):
    first = write(tmp_path, '[schedule]\ntimezone = "Asia/Shanghai"\n')
    settings = load_settings(first, environ={"NEWSDESK_CONFIG": "/nonexistent.toml"})
    assert settings.schedule.timezone == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[markets]\nwatchlist = []\n", "unknown section [markets]"),
        ("[market]\nwatchlst = []\n", "unknown key market.watchlst"),
        ('[market]\nbase_url = "ftp://example.com"\n', "market.base_url"),
        ('[fx]\nbase_url = "not a url"\n', "fx.base_url"),
        ('[news]\npages = ["https://ok.example/a", "javascript:alert(1)"]\n', "news.pages"),
        ('[fx]\nquotes = ["cny"]\n', "ISO 4217"),
        ('[schedule]\ntimezone = "Mars/Olympus"\n', "unknown timezone"),
        ('[schedule]\ncron = "0 6 * *"\n', "schedule.cron = '0 6 * *': is not a cron"),
        ('[market]\nwatchlist = "ADBE"\n', "list of strings"),
        ("[http]\nretries = -1\n", "http.retries = -1: must be a whole number from 0 to 10"),
        ("[market\n", "not valid TOML"),
        ('[quality]\nseverity = { prices_close_positive = "fatal" }\n', "blocking"),
        ("[verify]\nfx_carry_days = 3\n", "unknown key verify.fx_carry_days"),
        ("[verify]\nfloors = { valuation = -0.1 }\n", "verify.floors.valuation"),
        ('[verify]\nabout_margin = "5%"\n', "verify.about_margin = '5%': must be a number"),
        ("[verify]\nfloors = 0.05\n", "verify.floors = 0.05: must be a table"),
    ],
)
def test_bad_config_is_refused_in_one_line(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(UsageError) as info:
        load_settings(path, environ={})
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_verify_section_is_the_policy_the_rules_use(tmp_path):
    path = write(tmp_path, "[verify]\nnearly_margin = 0.2\nfloors = { price_move = 0.01 }\n")
    policy = load_settings(path, environ={}).verify
    assert isinstance(policy, VerifyPolicy)
    assert policy.nearly_margin == 0.2
    assert policy.about_margin == VerifyPolicy().about_margin
    # a floors table overrides the types it names and keeps the documented others
    assert policy.floors["price_move"] == 0.01
    assert policy.floors["market_cap_change"] == 0.15


def test_missing_explicit_file(tmp_path):
    with pytest.raises(UsageError, match="not found"):
        load_settings(tmp_path / "nope.toml", environ={})


@pytest.mark.parametrize("text", ["2024-02-30", "20240216", "yesterday", ""])
def test_bad_dates(text):
    with pytest.raises(UsageError, match="not a date"):
        parse_date(text, "--date")


def test_settings_are_immutable():
    with pytest.raises(AttributeError):
        Settings().market.watchlist = ("X",)  # type: ignore[misc]


def test_the_example_config_loads_and_names_every_key():
    example = Path(__file__).resolve().parents[1] / "newsdesk.example.toml"
    settings = load_settings(example, environ={})
    assert settings.market.watchlist[0] == "^GSPC"
    text = example.read_text(encoding="utf-8")
    for section in fields(Settings):
        if section.name == "source_file":
            continue
        for key in fields(getattr(settings, section.name)):
            assert f"\n{key.name} = " in text, f"{section.name}.{key.name} missing from the example"


# Issue 12 §2: each value the adversary tried, and its neighbours at the bounds.
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[http]\nread_timeout = 0\n", "http.read_timeout = 0: must be above 0"),
        ("[http]\nconnect_timeout = inf\n", "http.connect_timeout = inf: must be a finite"),
        (
            "[http]\nconnect_timeout = 601\n",
            "http.connect_timeout = 601: must be above 0 up to 600",
        ),
        ("[http]\nbackoff = nan\n", "http.backoff = nan: must be a finite number"),
        ("[http]\nbackoff = -0.5\n", "http.backoff = -0.5: must be from 0 to 60"),
        ("[http]\nmax_bytes = 0\n", "http.max_bytes = 0: must be a whole number of bytes"),
        ("[http]\nmax_bytes = 1023\n", "http.max_bytes = 1023"),
        ("[http]\nmax_bytes = 2.5e7\n", "http.max_bytes = 25000000.0: must be a whole number"),
        ("[http]\nretries = 11\n", "http.retries = 11: must be a whole number from 0 to 10"),
        ("[http]\nretries = 2.0\n", "http.retries = 2.0"),
        ("[http]\nretries = true\n", "http.retries = True"),
        ("[http]\ntask_retries = 99\n", "http.task_retries = 99"),
        ("[http]\ndeadline = 0\n", "http.deadline = 0: must be above 0"),
        ("[http]\ndeadline = -inf\n", "http.deadline = -inf"),
        ("[http]\nsource_budget = 1e9\n", "http.source_budget = 1000000000.0"),
        ("[http]\ndeadline = 600\nsource_budget = 300\n", "http.deadline = 600 is longer than"),
        ("[market]\nlookback_days = 1e6\n", "market.lookback_days = 1000000.0: must be a whole"),
        ("[market]\nlookback_days = 3.7\n", "market.lookback_days = 3.7: must be a whole number"),
        ("[market]\nlookback_days = 367\n", "market.lookback_days = 367: must be a whole number"),
        ("[market]\nlookback_days = 0\n", "market.lookback_days = 0"),
        ("[market]\nrevise_days = -1\n", "market.revise_days = -1"),
        ('[market]\nwatchlist = ["AD BE"]\n', "market.watchlist: 'AD BE' is not a ticker symbol"),
        ('[market]\nwatchlist = ["../../etc"]\n', "is not a ticker symbol"),
        ('[market]\nwatchlist = ["ABCDEFGHIJKLMNOP"]\n', "is not a ticker symbol"),
        ('[market]\nwatchlist = [""]\n', "market.watchlist: '' is not a ticker symbol"),
        ("[fx]\nquotes = []\n", "fx.quotes = []: must list at least one currency"),
        ('[fx]\nquotes = ["USD"]\n', "fx.quotes = 'USD': rates are fetched as USD"),
        ('[fx]\nquotes = ["EUR", "EUR"]\n', "lists a currency twice"),
        (
            "[verify]\nfloors = { price_moves = 0.01 }\n",
            "verify.floors.price_moves = 0.01: not one",
        ),
        ("[verify]\nfloors = { valuation = nan }\n", "verify.floors.valuation = nan"),
        ("[verify]\nfloors = { valuation = true }\n", "verify.floors.valuation = True"),
        ("[verify]\nnearly_margin = 2\n", "verify.nearly_margin = 2: must be from 0 to 0.5"),
        ('[schedule]\ncron = "99 99 99 99 99"\n', "schedule.cron = '99 99 99 99 99': is not"),
        ('[schedule]\ncron = "H 6 * * *"\n', "schedule.cron = 'H 6 * * *': is not"),
        ('[schedule]\ncron = "R 6 * * *"\n', "schedule.cron = 'R 6 * * *': is not"),
        ('[schedule]\ncron = "0 6 30 2 *"\n', "schedule.cron = '0 6 30 2 *': never fires"),
        ("[schedule]\ncron = 6\n", "schedule.cron = 6: must be a cron expression"),
        (
            '[schedule]\ntimezone = "Europe/Atlantis"\n',
            "schedule.timezone = 'Europe/Atlantis': unknown",
        ),
        ('[schedule]\ntimezone = "../../etc/passwd"\n', "unknown timezone"),
        ("[news]\nmin_interval = 1e6\n", "news.min_interval = 1000000.0: must be from 0 to 60"),
        ("[news]\nmin_interval = -1\n", "news.min_interval = -1"),
        ('[news]\nfeeds = ["file:///etc/passwd"]\n', "news.feeds = 'file:///etc/passwd'"),
        ('[news]\npages = ["https://user:pw@news.example/a"]\n', "must not carry credentials"),
        ('[news]\npages = ["https://news.example:99999/a"]\n', "malformed host or port"),
        ('[news]\npages = ["https://[::1/a"]\n', "malformed host or port"),
        ('[news]\npages = ["https://news.example/a b"]\n', "with blanks"),
        ('[market]\nbase_url = "https://q.example/?x=1"\n', "a base URL: no query"),
        ('[sec]\nuser_agent = "Jane\\nDoe"\n', "sec.user_agent = 'Jane\\nDoe': must be"),
        ('[sec]\nuser_agent = "Jäne Doe"\n', "printable ASCII"),
        ('[warehouse]\npath = ""\n', "warehouse.path = '': must be a non-empty path"),
        ('[warehouse]\npath = "a\\u0000b"\n', "must not hold control characters"),
        (f'[warehouse]\nraw_dir = "{"x" * 300}"\n', "longer than the file system allows"),
        ('[warehouse]\nreports_dir = "w/out"\ndq_dir = "w/out"\n', "warehouse.dq_dir = 'w/out' is"),
        ('[warehouse]\nread_copy = "yes"\n', "warehouse.read_copy = 'yes': must be true or false"),
        ('[quality]\nseverity = { "x y" = "warning" }\n', "not an expectation id"),
        ("[http]\nretries = 100000000000000000000\n", "http.retries = 100000000000000000000"),
        ("[verify]\nabout_margin = 1e400\n", "verify.about_margin = inf"),
        ("http = 3\n", "[http] must be a table, not 3"),
        ("[http]\nretries = 1979-05-27\n", "http.retries = datetime.date(1979, 5, 27)"),
    ],
)
def test_each_bad_value_is_refused_naming_key_and_value(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(UsageError) as info:
        load_settings(path, environ={})
    assert message in str(info.value)
    assert "\n" not in str(info.value) and len(str(info.value)) < 300


def test_values_at_the_bounds_are_kept(tmp_path):
    path = write(
        tmp_path,
        "[http]\nconnect_timeout = 600\nread_timeout = 0.001\nretries = 0\nbackoff = 0\n"
        "max_bytes = 1024\ndeadline = 3600\nsource_budget = 3600\ntask_retries = 10\n"
        "[market]\nlookback_days = 366\nrevise_days = 0\n"
        "watchlist = [' brk.b ', 'BRK.B', '^gspc']\n"
        "[news]\nmin_interval = 60\n[verify]\nfloors = { valuation = 1 }\n"
        '[schedule]\ncron = "0 6 * * 1-5"\ntimezone = "America/New_York"\n'
        "[warehouse]\nread_copy = false\n",
    )
    s = load_settings(path, environ={})
    assert (s.http.connect_timeout, s.http.read_timeout, s.http.retries) == (600.0, 0.001, 0)
    assert (s.http.backoff, s.http.max_bytes, s.http.deadline) == (0.0, 1024, 3600.0)
    assert (s.market.lookback_days, s.market.revise_days) == (366, 0)
    # upper-cased like the command line's --symbols, and listed once
    assert s.market.watchlist == ("BRK.B", "^GSPC")
    assert s.news.min_interval == 60.0 and s.verify.floors["valuation"] == 1.0
    assert s.warehouse.read_copy is False
    assert isinstance(s.http.connect_timeout, float) and isinstance(s.http.retries, int)


def test_new_keys_have_their_documented_defaults(tmp_path):
    settings = load_settings(write(tmp_path, ""), environ={})
    assert settings.http.deadline == 120.0
    assert settings.http.source_budget == 900.0
    assert settings.warehouse.read_copy is True


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("NEWSDESK_MARKET_BASE_URL", "file:///etc", "market.base_url = 'file:///etc'"),
        ("NEWSDESK_SEC_USER_AGENT", "me\r\nX-Evil: 1", "sec.user_agent"),
        ("NEWSDESK_WAREHOUSE", "a\tb.duckdb", "warehouse.path"),
    ],
)
def test_environment_overrides_pass_the_same_checks(var, value, message):
    with pytest.raises(UsageError, match=message.replace(".", r"\.").replace("(", r"\(")):
        load_settings(environ={"NEWSDESK_CONFIG": "", var: value})


def test_config_naming_a_directory_or_a_device_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="not a regular file"):
        load_settings(tmp_path, environ={})
    with pytest.raises(UsageError, match="not a regular file"):
        load_settings("/dev/zero", environ={})
    with pytest.raises(UsageError, match="File name too long|not found"):
        load_settings("x" * 5000, environ={})


def test_warehouse_path_naming_a_directory_is_refused(tmp_path):
    (tmp_path / "wh").mkdir()
    path = write(tmp_path, f'[warehouse]\npath = "{tmp_path / "wh"}"\n')
    with pytest.raises(UsageError, match="is a directory"):
        load_settings(path, environ={})


def test_deeply_nested_toml_is_refused_in_one_line(tmp_path):
    path = write(tmp_path, "x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(UsageError) as info:
        load_settings(path, environ={})
    assert "\n" not in str(info.value)


def test_every_key_has_a_rule_and_every_rule_a_key():
    from newsdesk.config import _RULES

    keys = {
        f"{section.name}.{key.name}"
        for section in fields(Settings)
        if section.name != "source_file"
        for key in fields(getattr(Settings(), section.name))
    }
    assert keys == set(_RULES)


def test_the_defaults_pass_their_own_rules():
    from newsdesk.config import _RULES

    defaults = Settings()
    for name, rule in _RULES.items():
        section, key = name.split(".")
        value = getattr(getattr(defaults, section), key)
        raw = (
            list(value)
            if isinstance(value, tuple)
            else dict(value)
            if isinstance(value, Mapping)
            else str(value)
            if isinstance(value, Path)
            else value
        )
        assert rule(name, raw) == value, name


def test_the_readme_configuration_section_names_every_key():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```toml\n", 1)[1].split("```", 1)[0]
    for table in fields(Settings):
        if table.name == "source_file":
            continue
        assert f"[{table.name}]" in block
        for key in fields(getattr(Settings(), table.name)):
            assert f"\n{key.name} = " in block, f"{table.name}.{key.name} missing from README"


@pytest.mark.parametrize(
    ("text", "latest", "message"),
    [
        ("0001-01-01", None, "'0001-01-01' is before 1970-01-01"),
        ("1969-12-31", None, "is before 1970-01-01"),
        ("2024-02-17", date(2024, 2, 16), "'2024-02-17' is after 2024-02-16"),
        ("x" * 10_000, None, "is not a date"),
    ],
)
def test_dates_outside_the_bounds_are_refused(text, latest, message):
    with pytest.raises(UsageError, match=message) as info:
        parse_date(text, "--date", latest=latest)
    assert len(str(info.value)) < 200


def test_dates_at_the_bounds_are_kept():
    assert parse_date("1970-01-01") == date(1970, 1, 1)
    assert parse_date("2024-02-16", latest=date(2024, 2, 16)) == date(2024, 2, 16)
