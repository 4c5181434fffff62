"""The command line: exit codes, one-line errors, nothing written on bad usage."""

from __future__ import annotations

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
        (["run", "--date", "2999-01-01"], "not in the past"),
        (["backfill", "--start", "2024-02-10", "--end", "2024-02-01"], "before start"),
        (["backfill", "--start", "2010-01-01", "--end", "2024-02-01"], "five years"),
        (["backfill", "--start", "2024-02-01"], "required: --end"),
        (["frobnicate"], "invalid choice"),
        (["sql", "delete from prices"], "read-only"),
        (["sql", "select * from no_such_table"], "no_such_table"),
        (["sql", "select 1", "--format", "xml"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2_with_one_line(warehouse_env, capsys, argv, message):
    before = Warehouse(warehouse_env).checksums(["prices", "runs"])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert Warehouse(warehouse_env).checksums(["prices", "runs"]) == before


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
