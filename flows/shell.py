"""`newsdesk sql`: read-only statements on the warehouse, one-shot or as an interactive shell.

The shell edits lines with readline and keeps its history in `<warehouse dir>/.sql_history`;
a statement runs when a line ends it with `;` (until then the prompt is `   ...> `); every
statement's result is printed; Ctrl-C cancels the running statement (or the line being typed),
never the shell; dot-commands `.tables`, `.schema TABLE`, `.format FMT`, `.help`, `.quit`.
Statements run through `newsdesk.warehouse.ReadSession`, which refuses anything but a read.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import IO, Any

import polars as pl

from flows.sql_output import FORMATS, print_result
from newsdesk.errors import RunFailed, UsageError

PROMPT = "newsdesk> "
CONTINUATION = "   ...> "
HISTORY_FILE = ".sql_history"
HISTORY_LENGTH = 2000

HELP = """\
End a statement with ; to run it (a statement may span lines). Every result is printed.
  .tables            the tables and views
  .schema TABLE      how TABLE is defined, with its column comments
  .format FMT        print results as table, csv or json
  .help              this text
  .quit              leave (Ctrl-D too)
Ctrl-C cancels the running statement or the line being typed. Up/Down recall history."""


def run_statements(path: Path, sql: str, fmt: str, *, allow_files: bool = False) -> int:
    """Run every statement of sql and print each result; a refused or bad one is exit 2."""
    with open_session(path, allow_files=allow_files) as session:
        results = _run(session, sql)
    for result in results:
        print_result(_frame_of(result), fmt, sys.stdout)
    return 0


def interactive(path: Path, fmt: str, *, allow_files: bool = False) -> int:
    """The shell on stdin: readline and history on a terminal, plain lines from a pipe."""
    tty = sys.stdin.isatty()
    with open_session(path, allow_files=allow_files) as session:
        shell = Shell(session, fmt, interactive=tty)
        with _history(path.parent / HISTORY_FILE) if tty else ExitStack():
            if tty:
                print(
                    f"newsdesk sql on {getattr(session, 'path', path)} (read-only). "
                    "End statements with ; — .help for help, Ctrl-D quits."
                )
            return shell.loop(input)


class Shell:
    """Reads lines, runs each finished statement, answers dot-commands."""

    def __init__(
        self,
        session: Any,
        fmt: str = "table",
        *,
        interactive: bool = False,
        out: IO[str] | None = None,
        err: IO[str] | None = None,
    ) -> None:
        self.session, self.fmt, self.interactive = session, fmt, interactive
        self.out, self.err = out or sys.stdout, err or sys.stderr
        self.buffer: list[str] = []
        self.errors = 0

    def loop(self, read_line: Callable[[str], str]) -> int:
        """Until end of input or .quit; exit 2 when a piped statement failed, else 0."""
        while True:
            prompt = (CONTINUATION if self.buffer else PROMPT) if self.interactive else ""
            try:
                line = read_line(prompt)
            except EOFError:
                break
            except KeyboardInterrupt:  # Ctrl-C at the prompt drops the line being typed
                self.buffer.clear()
                print("^C", file=self.out)
                continue
            if not self.feed(line):
                return 0
        if self.interactive:
            print(file=self.out)
        pending = "\n".join(self.buffer).strip()
        if pending:
            self.execute(pending)
        return 2 if self.errors and not self.interactive else 0

    def feed(self, line: str) -> bool:
        """Take one line; False when it asks to quit."""
        if not self.buffer and line.strip().startswith("."):
            return self.dot_command(line.strip())
        if not self.buffer and not line.strip():
            return True
        self.buffer.append(line)
        text = "\n".join(self.buffer)
        if statement_complete(text):
            self.buffer.clear()
            self.execute(text)
        return True

    def execute(self, sql: str) -> None:
        """Run the statements; print every result, or one error line."""
        try:
            results = self._cancellable(sql)
        except (UsageError, RunFailed) as exc:
            self.errors += 1
            print(f"error: {exc}", file=self.err)
            return
        if results is None:
            print("cancelled", file=self.err)
            return
        for result in results:
            print_result(_frame_of(result), self.fmt, self.out)

    def dot_command(self, line: str) -> bool:
        """Answer a dot-command; False for .quit."""
        name, _, argument = line.partition(" ")
        argument = argument.strip()
        if name in (".quit", ".exit", ".q"):
            return False
        try:
            if name == ".help":
                print(HELP, file=self.out)
            elif name == ".tables":
                print("\n".join(self.session.tables()), file=self.out)
            elif name == ".schema":
                if not argument:
                    raise UsageError(".schema needs a table name: .schema prices")
                print(self.session.schema(argument), file=self.out)
            elif name == ".format":
                if argument not in FORMATS:
                    raise UsageError(f".format: expected one of {', '.join(FORMATS)}")
                self.fmt = argument
            else:
                raise UsageError(f"unknown command {name}; .help lists them")
        except Exception as exc:  # a dot-command never ends the shell
            self.errors += 1
            print(f"error: {_first_line(exc)}", file=self.err)
        return True

    def _cancellable(self, sql: str) -> list[Any] | None:
        """The statements' results, run in a worker so Ctrl-C can cancel them; None if it did."""
        box: dict[str, Any] = {}
        done = threading.Event()

        def work() -> None:
            try:
                box["results"] = _run(self.session, sql)
            except BaseException as exc:  # handed to the main thread
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=work, name="newsdesk-sql", daemon=True).start()
        cancelled = False
        while not done.is_set():
            try:
                if cancelled:  # until the statement stops: it may not have started at the first
                    self.session.interrupt()
                done.wait(0.1)
            except KeyboardInterrupt:
                cancelled = True
        if cancelled:
            return None
        if "error" in box:
            raise box["error"]
        return box["results"]


def statement_complete(text: str) -> bool:
    """Whether text ends with a `;` outside quotes and comments (a statement is finished)."""
    state, i, last = "", 0, ""
    while i < len(text):
        ch, pair = text[i], text[i : i + 2]
        if state in ("'", '"'):
            if ch == state:
                state = ""
        elif state == "--":
            if ch == "\n":
                state = ""
        elif state == "/*":
            if pair == "*/":
                state, i = "", i + 1
        elif state == "$$":
            if pair == "$$":
                state, i = "", i + 1
        elif pair in ("--", "/*", "$$"):
            state, i = pair, i + 1
        elif ch in ("'", '"'):
            state, last = ch, ch
        elif not ch.isspace():
            last = ch
        i += 1
    return state in ("", "--") and last == ";"


# --- the session -------------------------------------------------------------------------------


def open_session(path: Path, *, allow_files: bool = False) -> Any:
    """A read-only session on the warehouse (its read copy when there is one)."""
    from newsdesk.warehouse import ReadSession, WarehouseBusy, WarehouseError

    if not _any_warehouse(path):
        raise UsageError(f"no warehouse at {path}: run `make demo` or `newsdesk run` first")
    try:
        return ReadSession(path, allow_files=allow_files)
    except WarehouseBusy as exc:
        raise RunFailed(str(exc)) from None
    except WarehouseError as exc:
        raise RunFailed(_first_line(exc)) from None


def _run(session: Any, sql: str) -> list[Any]:
    """session.run, its errors as the CLI's: a bad statement is usage, a busy file a failure."""
    from newsdesk.warehouse import QueryInterrupted, WarehouseBusy, WarehouseError

    try:
        return list(session.run(sql))
    except QueryInterrupted:
        raise KeyboardInterrupt from None  # `newsdesk sql QUERY` ends 130, the shell goes on
    except WarehouseBusy as exc:
        raise RunFailed(str(exc)) from None
    except WarehouseError as exc:
        raise UsageError(_first_line(exc)) from None


def _frame_of(result: Any) -> pl.DataFrame | None:
    """A StatementResult's frame (None for a statement that returns no rows)."""
    return result.frame


def _any_warehouse(path: Path) -> bool:
    from newsdesk.warehouse import read_copy_path

    return path.exists() or read_copy_path(path).exists()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class _history:
    """readline editing, with the history read from and written back to a file."""

    def __init__(self, file: Path) -> None:
        self.file = file
        try:
            import readline
        except ImportError:  # pragma: no cover - a Python built without readline
            self.readline = None
            return
        self.readline = readline
        readline.set_history_length(HISTORY_LENGTH)

    def __enter__(self) -> _history:
        if self.readline is not None and self.file.is_file():
            with suppress(OSError):
                self.readline.read_history_file(str(self.file))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.readline is None:
            return
        with suppress(OSError):  # a read-only warehouse directory: no history, no failure
            self.readline.write_history_file(str(self.file))
