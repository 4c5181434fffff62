"""The SQL shell (issue 10 §6): continuation, every result, dot-commands, Ctrl-C, history."""

from __future__ import annotations

import _thread
import io
import os
import pty
import select
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flows.shell import CONTINUATION, PROMPT, Shell, open_session, statement_complete
from newsdesk.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[1]
LONG_QUERY = "select count(*) from range(100000000000) t(i) where i % 7 = 3;"


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    frame = pl.DataFrame(
        {"symbol": ["ADBE", "SSTK"], "date": [date(2024, 2, 16)] * 2, "close": [546.66, 45.2]}
    )
    Warehouse(path).write({"prices": frame})
    return path


def scripted(lines):
    """A read_line that answers the lines in turn, records its prompts, then ends input."""
    prompts: list[str] = []
    pending = list(lines)

    def read_line(prompt: str) -> str:
        prompts.append(prompt)
        if not pending:
            raise EOFError
        line = pending.pop(0)
        if isinstance(line, BaseException):
            raise line
        return line

    return read_line, prompts


def shell_on(path, fmt="csv", interactive=True):
    out, err = io.StringIO(), io.StringIO()
    session = open_session(path)
    return Shell(session, fmt, interactive=interactive, out=out, err=err), out, err


@pytest.mark.parametrize(
    ("text", "complete"),
    [
        ("select 1;", True),
        ("select 1", False),
        ("select 1;  -- done", True),
        ("select ';'", False),
        ("select ';' ;", True),
        ('select 1 as ";"', False),
        ("select /* ; */ 1", False),
        ("select $$;$$", False),
        ("select 1; select 2;\n", True),
        ("select 'it''s';", True),
    ],
)
def test_a_statement_is_complete_at_a_semicolon_outside_quotes(text, complete):
    assert statement_complete(text) is complete


def test_continuation_prompt_until_the_semicolon(warehouse):
    shell, out, err = shell_on(warehouse)
    read_line, prompts = scripted(["select", "  count(*) as n", "from prices", ";", ".quit"])
    assert shell.loop(read_line) == 0
    assert prompts == [PROMPT, CONTINUATION, CONTINUATION, CONTINUATION, PROMPT]
    assert out.getvalue().splitlines() == ["n", "2"]
    assert err.getvalue() == ""


def test_every_result_of_several_statements_is_shown(warehouse):
    shell, out, _ = shell_on(warehouse)
    read_line, _ = scripted(["select 1 as a; select 2 as b;", "select 'x' as c;"])
    shell.loop(read_line)
    assert out.getvalue().splitlines() == ["a", "1", "b", "2", "c", "x", ""]  # "" after Ctrl-D


def test_dot_commands(warehouse):
    shell, out, err = shell_on(warehouse, fmt="table")
    lines = [".help", ".tables", ".schema prices", ".format json", "select 1 as one;"]
    read_line, _ = scripted([*lines, ".nope", ".schema", ".quit", "select 'never read';"])
    assert shell.loop(read_line) == 0
    text = out.getvalue()
    assert ".schema TABLE" in text  # the help
    assert "prices" in text.splitlines() and "runs" in text.splitlines()  # .tables
    assert "close" in text and "PRIMARY KEY" in text  # .schema prices
    assert text.splitlines()[-1] == '[{"one": 1}]'  # .format json took effect
    assert err.getvalue().splitlines() == [
        "error: unknown command .nope; .help lists them",
        "error: .schema needs a table name: .schema prices",
    ]
    assert "never read" not in text


def test_an_error_is_one_line_and_the_shell_goes_on(warehouse):
    shell, out, err = shell_on(warehouse, interactive=False)
    read_line, _ = scripted(["delete from prices;", "select * from nowhere;", "select 7 as n;"])
    assert shell.loop(read_line) == 2  # piped input with a failed statement: exit 2
    errors = err.getvalue().splitlines()
    assert len(errors) == 2 and "read-only" in errors[0] and "nowhere" in errors[1]
    assert out.getvalue().splitlines() == ["n", "7"]
    assert Warehouse(warehouse).table("prices").height == 2


def test_ctrl_c_at_the_prompt_drops_the_line_not_the_shell(warehouse):
    shell, out, _ = shell_on(warehouse)
    read_line, prompts = scripted(["select 1 as a", KeyboardInterrupt(), "select 2 as b;"])
    assert shell.loop(read_line) == 0
    assert out.getvalue().splitlines() == ["^C", "b", "2", ""]
    assert prompts[:3] == [PROMPT, CONTINUATION, PROMPT]


def test_ctrl_c_cancels_the_running_statement_not_the_shell(warehouse):
    shell, out, err = shell_on(warehouse)
    read_line, _ = scripted([LONG_QUERY, "select 'alive' as s;"])
    timer = threading.Timer(1.0, _thread.interrupt_main)  # Ctrl-C, as the terminal sends it
    started = time.monotonic()
    timer.start()
    try:
        assert shell.loop(read_line) == 0
    finally:
        timer.cancel()
    assert time.monotonic() - started < 15  # the count would take minutes
    assert err.getvalue().splitlines() == ["cancelled"]
    assert out.getvalue().splitlines() == ["s", "alive", ""]


def test_piped_statements_without_a_final_semicolon_still_run(warehouse):
    shell, out, _ = shell_on(warehouse, interactive=False)
    read_line, prompts = scripted(["select 5 as n"])
    assert shell.loop(read_line) == 0
    assert set(prompts) == {""}  # no prompt when stdin is not a terminal
    assert out.getvalue().splitlines() == ["n", "5"]


@pytest.mark.slow  # a subprocess on a pseudo-terminal
def test_readline_history_survives_the_session(warehouse):
    """Up recalls the last line (readline, not `^[[A`); the history file keeps it for next time."""
    env = {**os.environ, "NEWSDESK_WAREHOUSE": str(warehouse), "NEWSDESK_PREFECT": "direct"}
    env.pop("NEWSDESK_CONFIG", None)
    history = warehouse.parent / ".sql_history"

    def session(keys: list[bytes]) -> str:
        controller, terminal = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "sql", "--format", "csv"],
            stdin=terminal, stdout=terminal, stderr=terminal, cwd=warehouse.parent, env=env,
        )  # fmt: skip
        os.close(terminal)
        seen = b""
        try:
            for key in keys:
                seen += _read_until(controller, PROMPT.encode())
                os.write(controller, key)
            seen += _read_until(controller, b"", timeout=2)
            assert proc.wait(timeout=30) == 0
        finally:
            proc.kill()
            os.close(controller)
        return seen.decode(errors="replace")

    first = session([b"select 40 + 2 as answer;\r", b"\x1b[A\r", b".quit\r"])
    # The answer on a line of its own, twice: the Up key ran it again. (Not any "42": the
    # banner names the warehouse's path, and pytest's temporary folders count up past 42.)
    assert first.count("\r\n42\r\n") == 2 and "^[[A" not in first
    assert "select 40 + 2 as answer;" in history.read_text()
    # A new shell recalls it from the file (Up twice: the last line was .quit).
    second = session([b"\x1b[A\x1b[A\r", b".quit\r"])
    assert "\r\n42\r\n" in second


def _read_until(fd: int, marker: bytes, *, timeout: float = 30) -> bytes:
    """Read the terminal until marker shows up (anything, when marker is empty)."""
    data, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the shell exited and closed the terminal
                break
            if not chunk:
                break
            data += chunk
            if marker and marker in data:
                return data
        elif not marker and data:
            return data
    if marker:
        raise AssertionError(f"no {marker!r} on the terminal; it showed {data!r}")
    return data
