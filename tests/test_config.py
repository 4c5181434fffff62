"""Settings: defaults, TOML, environment overrides, and clear refusals."""

from dataclasses import fields
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
        ('[schedule]\ncron = "0 6 * *"\n', "5 fields"),
        ('[market]\nwatchlist = "ADBE"\n', "list of strings"),
        ("[http]\nretries = -1\n", "negative"),
        ("[market\n", "not valid TOML"),
        ('[quality]\nseverity = { prices_close_positive = "fatal" }\n', "blocking"),
        ("[verify]\nfx_carry_days = 3\n", "unknown key verify.fx_carry_days"),
        ("[verify]\nfloors = { valuation = -0.1 }\n", "verify.floors.valuation"),
        ('[verify]\nabout_margin = "5%"\n', "verify.about_margin must be a number"),
        ("[verify]\nfloors = 0.05\n", "verify.floors must be a table"),
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
