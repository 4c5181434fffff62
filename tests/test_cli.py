"""The command line: exit codes, one-line errors, nothing written on bad usage."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flows.cli import COMMANDS, main
from newsdesk.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def warehouse_env(tmp_path, monkeypatch):
    """An isolated working directory and warehouse holding two prices."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "w.duckdb"
    monkeypatch.setenv("NEWSDESK_WAREHOUSE", str(path))
    monkeypatch.delenv("NEWSDESK_CONFIG", raising=False)
    frame = pl.DataFrame(
        {"symbol": ["ADBE", "SSTK"], "date": [date(2024, 2, 16)] * 2, "close": [546.66, 45.2]}
    )
    Warehouse(path).write({"prices": frame})
    return path


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--date", "2024-02-30"], "--date: '2024-02-30' is not a date"),
        (["run", "--date", "2999-01-01"], "is after"),
        (["backfill", "--start", "2024-02-10", "--end", "2024-02-01"], "is before --start"),
        (["backfill", "--start", "2010-01-01", "--end", "2024-02-01"], "five years"),
        (["backfill", "--start", "2024-02-01"], "required: --end"),
        (["frobnicate"], "invalid choice"),
        (["sql", "delete from prices"], "read-only"),
        (["sql", "select * from no_such_table"], "no_such_table"),
        (["sql", "select 1", "--format", "xml"], "invalid choice"),
        # Issue 12 §2: every bad argument refused at the door.
        (["run", "--date", ""], "--date: '' is not a date"),
        (["run", "--date", "0001-01-01"], "is before 1970-01-01"),
        (["check", "--date", "1969-12-31"], "before 1970-01-01"),
        (["report", "--date", "9999-12-31"], "is after"),
        (["backfill", "--start", "0001-01-01", "--end", "2024-01-01"], "before 1970-01-01"),
        (["backfill", "--start", "2024-02-01", "--end", "2024-02-02", "--symbols", ""], "names no"),
        (
            ["backfill", "--start", "2024-02-01", "--end", "2024-02-02", "--symbols", ","],
            "names no",
        ),
        (
            ["backfill", "--start", "2024-02-01", "--end", "2024-02-02", "--symbols", "AD BE"],
            "'AD BE'",
        ),
        (
            ["backfill", "--start", "2024-02-01", "--end", "2024-02-02", "--symbols", "A\nB"],
            "is not a ticker symbol",
        ),
        (
            ["backfill", "--start", "2024-02-01", "--end", "2024-02-02", "--symbols", "../../etc"],
            "is not a ticker symbol",
        ),
        (
            ["backfill", "--start", "2024-02-01", "--end", "2024-02-02", "--symbols", "X" * 10_000],
            "is not a ticker symbol",
        ),
        (["run", "--date", "2024-02-16", "--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["run", "--dat", "2024-02-16"], "unrecognized arguments: --dat"),
        (["--config", ".", "sql", "select 1"], "--config: '.' is a directory"),
        (["run", "--config", "missing.toml"], "--config: file not found: 'missing.toml'"),
        (["sql", "-f", "missing.sql"], "-f: file not found"),
        (["sql", "select 1", "-f", "w.duckdb"], "not both"),
        (["status", "--start", "2024-02-10", "--end", "2024-02-01"], "before --start"),
        (["status", "--end", "2024-13-01"], "--end: '2024-13-01' is not a date"),
    ],
)
def test_usage_errors_exit_2_with_one_line(warehouse_env, capsys, argv, message):
    before = Warehouse(warehouse_env).checksums(["prices", "runs"])
    files = _listing(warehouse_env.parent)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert Warehouse(warehouse_env).checksums(["prices", "runs"]) == before
    assert _listing(warehouse_env.parent) == files


def _listing(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under root with its size and modification time: what "nothing written" means."""
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


def test_bad_config_exits_2_before_anything_is_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "bad.toml"
    config.write_text('[warehouse]\npath = "w.duckdb"\n[market]\nbase_url = "gopher://x"\n')
    assert main(["run", "--date", "2024-02-16", "--config", str(config)]) == 2
    assert "market.base_url" in capsys.readouterr().err
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_sql_formats(warehouse_env, capsys, fmt):
    query = "select symbol, close from prices where date = '2024-02-16' order by symbol"
    assert main(["sql", query, "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        assert json.loads(out) == [
            {"symbol": "ADBE", "close": 546.66},
            {"symbol": "SSTK", "close": 45.2},
        ]
    elif fmt == "csv":
        assert out.splitlines() == ["symbol,close", "ADBE,546.66", "SSTK,45.2"]
    else:
        assert "546.66" in out and "(2 rows)" in out


@pytest.mark.slow  # a subprocess
def test_sql_shell_reads_statements_from_stdin(warehouse_env):
    result = subprocess.run(
        [sys.executable, "-m", "flows.cli", "sql", "--format", "csv"],
        input="select count(*) as n\nfrom prices;\nselect 'still here' as s;\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["n", "2", "s", "still here"]


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in COMMANDS:
        assert f"`newsdesk {command}" in readme, command


def test_an_unexpected_error_is_one_line_and_exit_1(warehouse_env, capsys, monkeypatch):
    import flows.commands

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(flows.commands, "sql", broken)
    monkeypatch.delenv("NEWSDESK_DEBUG", raising=False)
    assert main(["sql", "select 1"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "newsdesk: run failed: RuntimeError: disk on fire"
    assert "Traceback" not in "\n".join(err)


# --- issue 10 §7: conventions -----------------------------------------------------------------


def test_version(capsys):
    from importlib.metadata import version

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"newsdesk {version('newsdesk')}"


@pytest.mark.parametrize("argv", [["--help"], ["backfill", "--help"], ["sql", "-h"]])
def test_help_shows_examples_and_exit_codes(capsys, argv):
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "examples:" in out and "newsdesk backfill --start" in out
    assert "exit codes:" in out and "2    bad usage" in out


@pytest.mark.parametrize("where", ["before", "after"])
def test_config_before_or_after_the_command(tmp_path, monkeypatch, capsys, where):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSDESK_WAREHOUSE", raising=False)
    monkeypatch.delenv("NEWSDESK_CONFIG", raising=False)
    frame = pl.DataFrame({"symbol": ["ADBE"], "date": [date(2024, 2, 16)], "close": [546.66]})
    Warehouse(tmp_path / "elsewhere.duckdb").write({"prices": frame})
    config = tmp_path / "my.toml"
    config.write_text('[warehouse]\npath = "elsewhere.duckdb"\n')
    sql = ["sql", "select count(*) as n from prices", "--format", "csv"]
    argv = ["--config", str(config), *sql] if where == "before" else [*sql, "--config", str(config)]
    assert main(argv) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "1"]


@pytest.fixture
def recorded(monkeypatch, tmp_path):
    """The command bodies replaced by a recorder: what the door let through, and how."""
    import flows.commands

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSDESK_CONFIG", raising=False)
    calls: list[tuple[str, tuple, dict]] = []
    for name in ("run", "backfill", "check", "report", "demo", "sql", "serve"):

        def record(*args, _name=name, **kwargs):
            calls.append((_name, args, kwargs))
            return 0

        monkeypatch.setattr(flows.commands, name, record)
    return calls


def test_symbols_are_upper_cased_deduplicated_and_passed(recorded):
    argv = ["backfill", "--start", "2024-02-12", "--end", "2024-02-20"]
    assert main([*argv, "--symbols", " adbe, brk.b ,^GSPC,ADBE,,"]) == 0
    name, args, kwargs = recorded[-1]
    assert name == "backfill" and args[1:] == (date(2024, 2, 12), date(2024, 2, 20))
    assert kwargs["symbols"] == ["ADBE", "BRK.B", "^GSPC"]
    assert kwargs["missing"] is False


def test_backfill_missing_is_passed_to_the_command(recorded):
    assert main(["backfill", "--missing", "--start", "2024-02-01", "--end", "2024-02-29"]) == 0
    assert recorded[-1][2]["missing"] is True


def test_backfill_missing_reaches_the_flow(monkeypatch, tmp_path):
    import flows.commands

    monkeypatch.chdir(tmp_path)
    seen = {}

    def run_flow(flow_obj, **params):
        seen.update(params)
        return {"run_id": "r1", "stats": {}, "report": None}

    monkeypatch.setattr(flows.commands.engine, "run_flow", run_flow)
    settings = __import__("newsdesk.config", fromlist=["x"]).load_settings(environ={})
    flows.commands.backfill(
        settings, date(2024, 2, 1), date(2024, 2, 2), offline=True, symbols=[], missing=True
    )
    assert seen["missing"] is True and seen["offline"] is True


def test_status_calls_the_status_command(monkeypatch, tmp_path, capsys):
    import types

    monkeypatch.chdir(tmp_path)
    calls = []
    fake = types.ModuleType("flows.status")
    fake.status_command = lambda settings, start, end, as_json: (
        calls.append((start, end, as_json)) or 0
    )
    monkeypatch.setitem(sys.modules, "flows.status", fake)
    assert main(["status", "--start", "2024-02-12", "--end", "2024-02-20", "--json"]) == 0
    assert main(["status"]) == 0
    assert calls == [(date(2024, 2, 12), date(2024, 2, 20), True), (None, None, False)]


def _claim(claim_id, verdict, **extra):
    from newsdesk.tables import CLAIMS_SCHEMA

    row = {name: None for name in CLAIMS_SCHEMA}
    row.update(
        claim_id=claim_id, article_id="a1", claim_type="price_move", subjects=["ADBE"],
        value=-7.0, unit="percent", verdict=verdict, observed=-7.41,
        reference_date=date(2024, 2, 16), sentence="Adobe fell 7%.",
    )  # fmt: skip
    row.update(extra)
    return row


@pytest.fixture
def judged_warehouse(tmp_path, monkeypatch):
    """A warehouse holding one article and three judged claims, one contradicted."""
    from datetime import datetime

    from newsdesk.tables import ARTICLES_SCHEMA, CLAIMS_SCHEMA

    monkeypatch.chdir(tmp_path)
    path = tmp_path / "w.duckdb"
    monkeypatch.setenv("NEWSDESK_WAREHOUSE", str(path))
    article = {name: None for name in ARTICLES_SCHEMA}
    article.update(
        article_id="a1", title="OpenAI&#x27;s Sora", published_at=datetime(2024, 2, 16, 14)
    )
    long = "OpenAI&#x27;s video model " + "moved the stock more than the market " * 10
    claims = [
        _claim("c1", "supported"),
        _claim("c2", "contradicted", explanation=long, value=-2.0),
        _claim("c3", "unverifiable", explanation="no price for the day"),
    ]
    Warehouse(path).write(
        {
            "articles": pl.DataFrame([article], schema=ARTICLES_SCHEMA),
            "claims": pl.DataFrame(claims, schema=CLAIMS_SCHEMA),
        }
    )
    return path


def _fake_run(monkeypatch, noise: str = ""):
    import flows.commands

    def run_flow(flow_obj, **params):
        print(noise)  # a flow printing to stdout must not break --json
        stats = {"rows": {"prices": 4}, "requests": {"yahoo": 2}, "reused": {}, "failures": [],
                 "set_aside": {}, "claims_judged": 3}  # fmt: skip
        return {"run_id": "abc123", "stats": stats, "report": None}

    monkeypatch.setattr(flows.commands.engine, "run_flow", run_flow)


def test_run_prints_a_compact_summary_contradicted_first(judged_warehouse, monkeypatch, capsys):
    _fake_run(monkeypatch)
    assert main(["run", "--date", "2024-02-16"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "3 judged: 1 contradicted, 1 unverifiable, 1 supported" in out
    assert "loaded     prices 4" in out
    assert "{" not in out and "&#x27;" not in out and "OpenAI's video model" in out
    assert max(len(line) for line in lines) <= 100
    header = next(i for i, line in enumerate(lines) if line == "contradicted")
    assert lines[header + 1].split()[:2] == ["ADBE", "price_move"]
    assert "stated" in lines[header + 1] and "observed" in lines[header + 1]


def test_run_json_is_one_object_on_stdout(judged_warehouse, monkeypatch, capsys):
    _fake_run(monkeypatch, noise="chatter from the flow")
    assert main(["run", "--date", "2024-02-16", "--json"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)  # the whole of stdout is one object
    assert summary["ok"] is True and summary["run_id"] == "abc123"
    assert summary["verdicts"] == {"contradicted": 1, "unverifiable": 1, "supported": 1}
    assert summary["contradicted"][0]["explanation"].startswith("OpenAI's video model")
    assert "chatter from the flow" in captured.err


def test_json_failure_is_still_one_object(warehouse_env, capsys):
    assert main(["run", "--date", "2999-01-01", "--json"]) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {
        "ok": False,
        "exit_code": 2,
        "error": captured.err.strip().removeprefix("newsdesk: "),
    }


def test_a_control_character_in_an_argument_keeps_the_error_on_one_line(warehouse_env, capsys):
    assert main(["run", "--date", "2024-02-16", "--x\ny\udcff"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--x\\ny" in err


# --- issue 10 §6 / issue 12: sql from the command line ------------------------------------------


def test_sql_prints_every_statement_result(warehouse_env, capsys):
    query = "select count(*) as n from prices; select 'second' as s"
    assert main(["sql", query, "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "2", "s", "second"]


def test_sql_runs_a_file(warehouse_env, tmp_path, capsys):
    script = tmp_path / "q.sql"
    script.write_text("-- two reads\nselect max(close) as top from prices;\nselect 1 as one;\n")
    assert main(["sql", "-f", str(script), "--format", "json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == [[{"top": 546.66}], [{"one": 1}]]


def test_sql_json_prints_a_blob_as_hex(warehouse_env, capsys):
    assert main(["sql", "select '\\xAA\\xBB'::blob as b, 1.5 as x", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"b": "aabb", "x": 1.5}]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("as_json", [False, True])
def test_a_backfill_on_a_terminal_shows_a_progress_bar(warehouse_env, monkeypatch, as_json):
    import flows.commands
    from flows.progress import chained

    def run_flow(flow_obj, **params):
        progress = chained(lambda step: None)  # as run_pipeline wraps the flow's callback
        for step in ("news", "market"):
            progress(step)
        return {"run_id": "r1", "stats": {}, "report": None}

    monkeypatch.setattr(flows.commands.engine, "run_flow", run_flow)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    argv = ["backfill", "--start", "2024-02-12", "--end", "2024-02-16", "--offline"]
    assert main(argv + (["--json"] if as_json else [])) == 0
    shown = terminal.getvalue()
    if as_json:  # --json is for machines: no bar
        assert "steps" not in shown
    else:
        assert "backfill 2024-02-12..2024-02-16: verify" in shown and "2/5 steps" in shown


def test_writing_commands_run_under_the_interrupt_guard(recorded, monkeypatch):
    """flows.interrupts.guard wraps run/backfill/demo/check/report, after the door's checks."""
    import contextlib
    import types

    entered: list[str] = []

    @contextlib.contextmanager
    def guard(settings):
        entered.append(recorded[-1][0] if recorded else "before")
        yield
        entered.append(recorded[-1][0])

    fake = types.ModuleType("flows.interrupts")
    fake.guard = guard
    monkeypatch.setitem(sys.modules, "flows.interrupts", fake)
    assert main(["run", "--date", "2024-02-16"]) == 0
    assert main(["sql", "select 1"]) == 0
    assert main(["run", "--date", "2999-01-01"]) == 2  # refused before the guard
    assert main(["check", "--date", "2024-02-16"]) == 0
    assert entered == ["before", "run", "sql", "check"]


def test_a_trapped_signal_exit_code_is_returned(recorded, monkeypatch):
    import flows.commands

    def interrupted(*args, **kwargs):
        raise SystemExit(143)  # what flows.interrupts does after a SIGTERM

    monkeypatch.setattr(flows.commands, "run", interrupted)
    assert main(["run", "--date", "2024-02-16"]) == 143


@pytest.mark.parametrize("as_json", [False, True])
def test_check_prints_a_summary_or_one_json_object(warehouse_env, monkeypatch, capsys, as_json):
    import flows.check
    from newsdesk.quality import CheckOutcome, QualityReport

    outcomes = [
        CheckOutcome("prices", "expect_column_values_to_not_be_null", True, "blocking", {}),
        CheckOutcome("claims", "expect_column_values_to_be_in_set", False, "warning", {}),
    ]

    def check_step(run, frames, day, **kwargs):
        print("GX chatter")  # what a suite may print must not break --json
        return QualityReport(run.run_id, outcomes, None)

    monkeypatch.setattr(flows.check, "check_step", check_step)
    assert main(["check", "--date", "2024-02-16", *(["--json"] if as_json else [])]) == 0
    out = capsys.readouterr().out
    if as_json:
        summary = json.loads(out)
        assert summary["expectations"] == 2 and summary["passed"] == 1
        assert summary["failed_warning"] == ["claims: expect_column_values_to_be_in_set"]
    else:
        assert out.splitlines()[1] == (  # after the suite's own print
            "check 2024-02-16: 2 expectations, 1 passed, 1 failed (0 blocking)"
        )
        assert "failed  claims: expect_column_values_to_be_in_set" in out


def test_a_flow_returning_its_failure_ends_1_with_its_reason(warehouse_env, monkeypatch, capsys):
    import types

    import flows.commands

    state = types.SimpleNamespace(message="nothing to backfill for 2024-02-12..2024-02-16")
    monkeypatch.setattr(flows.commands.engine, "run_flow", lambda flow_obj, **params: state)
    assert main(["backfill", "--start", "2024-02-12", "--end", "2024-02-16"]) == 1
    err = capsys.readouterr().err
    assert err == "newsdesk: run failed: nothing to backfill for 2024-02-12..2024-02-16\n"


@pytest.mark.slow  # the whole demo pipeline, directly (no Prefect server)
def test_the_pipeline_moves_the_bar_through_every_step(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSDESK_CONFIG", raising=False)
    monkeypatch.setenv("NEWSDESK_PREFECT", "direct")
    monkeypatch.setenv("NEWSDESK_WAREHOUSE", str(tmp_path / "demo.duckdb"))
    monkeypatch.setenv("NEWSDESK_RAW_DIR", str(tmp_path / "raw"))
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["demo"]) == 0
    shown = terminal.getvalue()
    for done, following in enumerate(["market", "verify", "checks", "report"], start=1):
        assert f"demo 2024-02-20: {following}" in shown or f"{done}/5 steps" in shown
    assert "5/5 steps" in shown


@pytest.mark.slow  # a subprocess
def test_sql_into_a_pipe_that_closes_early_is_quiet(warehouse_env):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flows.cli",
            "sql",
            "select * from range(1000000)",
            "--format",
            "csv",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout.readline() == b"range\n"
    proc.stdout.close()  # as `| head -1` does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and err == b"", err
