"""Every argument of every command, random (issue 12 §2): exit 0, 1 or 2, never a traceback.

The property is about the door, so each command's body is replaced by a recorder: a value the
door lets through reaches it, checked; a value it refuses is exit 2, one line, nothing written.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import types
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import flows.cli
import flows.commands
from flows.cli import main

SYMBOL = re.compile(r"[A-Z0-9.^=-]{1,15}")
EXAMPLES = 500

# Any text a shell can pass, lone surrogates included (undecodable bytes in argv arrive so).
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=()), max_size=40) | st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400
)
RECENT = st.dates(min_value=date(2015, 1, 1), max_value=date(2025, 12, 31)).map(date.isoformat)
DATES = st.one_of(
    RECENT,
    RECENT,
    st.dates().map(date.isoformat),
    st.dates(min_value=date(1960, 1, 1), max_value=date(2100, 1, 1)).map(date.isoformat),
    st.sampled_from(["", "0001-01-01", "1970-01-01", "9999-12-31", "2024-02-30", "2024-02-16"]),
    ANY_TEXT,
)
TOKENS = st.sampled_from(["ADBE", "brk.b", "^GSPC", "EURUSD=X", "", " ", "A B", "../x", "é", "-"])
SYMBOLS = st.one_of(
    st.lists(TOKENS, max_size=8).map(",".join),
    st.lists(TOKENS | ANY_TEXT, max_size=8).map(",".join),
    st.integers(0, 20_000).map(lambda n: "X" * n),
    ANY_TEXT,
)
CONFIGS = st.one_of(
    st.just("good.toml"),
    st.sampled_from(["good.toml", "bad.toml", "dir", ".", "missing.toml", "", "\x00"]),
    ANY_TEXT,
)
FORMATS = st.sampled_from(["table", "csv", "json"]) | ANY_TEXT
FLAG = None  # a flag without a value

COMMAND_ARGS: dict[str, dict[str, st.SearchStrategy | None]] = {
    "run": {"--date": DATES, "--offline": FLAG, "--json": FLAG, "--config": CONFIGS},
    "backfill": {
        "--start": DATES, "--end": DATES, "--symbols": SYMBOLS, "--missing": FLAG,
        "--offline": FLAG, "--json": FLAG, "--config": CONFIGS,
    },
    "demo": {"--json": FLAG, "--config": CONFIGS},
    "sql": {"": ANY_TEXT, "-f": CONFIGS, "--format": FORMATS, "--allow-files": FLAG,
            "--config": CONFIGS},
    "check": {"--date": DATES, "--json": FLAG, "--config": CONFIGS},
    "report": {"--date": DATES, "--config": CONFIGS},
    "status": {"--start": DATES, "--end": DATES, "--json": FLAG, "--config": CONFIGS},
    "serve": {"--config": CONFIGS},
}  # fmt: skip


@st.composite
def argv_for(draw: st.DrawFn, command: str) -> list[str]:
    """Some of the command's arguments with random values, in random order, maybe a stray one."""
    known = COMMAND_ARGS[command]
    chosen = draw(st.lists(st.sampled_from(sorted(known)), unique=True))
    if command == "backfill" and draw(st.integers(0, 4)):  # mostly with the required two
        chosen = sorted({*chosen, "--start", "--end"})
    parts: list[list[str]] = []
    for name in chosen:
        strategy = known[name]
        if strategy is None:
            parts.append([name])
        elif name == "":  # the positional QUERY
            parts.append([draw(strategy)])
        else:
            parts.append([name, draw(strategy)])
    parts = draw(st.permutations(parts)) if parts else parts
    if draw(st.integers(0, 9)) == 0:  # an unknown flag or a stray word
        parts.append([draw(st.sampled_from(["--frobnicate", "--dat", "-x", "extra"]))])
    before: list[str] = []
    if draw(st.booleans()) and "--config" in known:  # --config before the command
        before = ["--config", draw(CONFIGS)]
    return [*before, command, *(token for part in parts for token in part)]


@pytest.fixture(scope="module")
def door(tmp_path_factory):
    """A working directory with good and bad configs; command bodies replaced by a recorder."""
    root = tmp_path_factory.mktemp("door")
    (root / "good.toml").write_text('[warehouse]\npath = "w.duckdb"\n')
    (root / "bad.toml").write_text('[market]\nbase_url = "gopher://x"\n')
    (root / "dir").mkdir()
    calls: list[tuple[str, tuple, dict]] = []
    patch = pytest.MonkeyPatch()
    for name in ("run", "backfill", "check", "report", "demo", "sql", "serve"):

        def record(*args, _name=name, **kwargs):
            calls.append((_name, args, kwargs))
            return 0

        patch.setattr(flows.commands, name, record)
    status = types.ModuleType("flows.status")

    def status_command(settings, start, end, as_json):
        calls.append(("status", (settings, start, end), {"as_json": as_json}))
        return 0

    status.status_command = status_command
    patch.setitem(__import__("sys").modules, "flows.status", status)
    patch.delenv("NEWSDESK_CONFIG", raising=False)
    patch.setenv("NEWSDESK_WAREHOUSE", str(root / "w.duckdb"))
    patch.chdir(root)
    yield root, calls
    patch.undo()


def listing(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")
    }


@pytest.mark.slow  # ~25 s of CPU for 8 × 500 cases
@pytest.mark.parametrize("command", sorted(COMMAND_ARGS))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_argument_is_accepted_checked_or_refused_in_one_line(door, command, data):
    root, calls = door
    argv = data.draw(argv_for(command))
    before, called = listing(root), len(calls)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    errors = err.getvalue()
    event(f"exit {code}")  # --hypothesis-show-statistics: how often each answer was tried
    assert code in (0, 1, 2), (argv, code)
    assert "Traceback" not in errors
    assert listing(root) == before  # nothing written, whatever the answer
    if code == 2:
        assert errors.count("\n") == 1 and errors.startswith("newsdesk: "), errors
        assert len(calls) == called  # refused at the door: no command body ran
    if code == 0 and len(calls) > called:  # (--help exits 0 without a call)
        _assert_checked(*calls[-1])


def _assert_checked(name: str, args: tuple, kwargs: dict) -> None:
    """What reached a command body is what the door promises."""
    latest = (datetime.now() + timedelta(days=2)).date()
    for value in [*args, *kwargs.values()]:
        if isinstance(value, date):
            assert date(1970, 1, 1) <= value <= latest
    for symbol in kwargs.get("symbols", []):
        assert SYMBOL.fullmatch(symbol), symbol
    if name == "backfill":
        assert kwargs["symbols"] == [] or len(kwargs["symbols"]) <= flows.cli.MAX_SYMBOLS
        assert args[1] <= args[2]
    if name == "sql" and kwargs.get("file") is not None:
        assert Path(kwargs["file"]).is_file()
    settings_ = args[0] if args else None
    if settings_ is not None and getattr(settings_, "source_file", None):
        assert Path(settings_.source_file).is_file()
    assert os.environ.get("NEWSDESK_CONFIG") is None
