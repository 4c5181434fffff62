"""The README's commands work as written, from a fresh shell (issue 10 §8).

Every fenced ``sh`` block of README.md is run, command by command and in the README's order,
by ``bash`` with an empty environment (only HOME and a system PATH: no venv on PATH, no
PREFECT_API_URL), in a folder that holds the repo's Makefile and .venv but no warehouse yet.
A block's info string may name why it is not run here, after the language:

- ``sh network``: needs the internet (live providers);
- ``sh server``: needs the Prefect server ``make serve`` started (tests/test_serve.py and
  tests/test_make_targets.py run those against a test server);
- ``sh long``: minutes of work that other tests cover (the suite itself, the eval, the bench).

Any other ``sh`` block must run and exit 0 without a traceback.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", re.M | re.S)
SKIP_TAGS = {"network", "server", "long"}
# What the folder the commands run in borrows from the repo: make's inputs and the venv.
LINKED = ("Makefile", ".venv", "pyproject.toml", "setup.py", "constraints.txt")


def sh_blocks(text: str) -> list[tuple[set[str], list[str]]]:
    """Each ``sh`` block's tags and its commands (comments dropped, continuations joined)."""
    blocks = []
    for lang, info, body in FENCE.findall(text):
        if lang != "sh":
            continue
        commands, pending = [], ""
        for raw in body.splitlines():
            line = pending + (raw.strip() if pending else raw.rstrip())
            if line.endswith("\\"):
                pending = line[:-1].rstrip() + " "
                continue
            pending = ""
            if line.strip() and not line.lstrip().startswith("#"):
                commands.append(line.strip())
        blocks.append((set(info.split()), commands))
    return blocks


def test_sh_blocks_parse_tags_and_continuations() -> None:
    text = (
        "```sh\nmake demo   # a comment stays\n# only a comment\nfoo \\\n  --bar\n```\n"
        "```sh network\nnewsdesk run\n```\n```toml\nx = 1\n```\n"
    )
    blocks = sh_blocks(text)
    assert blocks == [
        (set(), ["make demo   # a comment stays", "foo --bar"]),
        ({"network"}, ["newsdesk run"]),
    ]


def test_readme_links_nothing_outside_the_repo() -> None:
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)", text)
    local = [t for t in targets if not re.match(r"[a-z]+://", t)]
    outside = [t for t in local if not (ROOT / t).resolve().is_relative_to(ROOT)]
    assert outside == []
    missing = [t for t in local if not (ROOT / t).exists()]
    assert missing == []


@pytest.mark.slow
def test_every_runnable_readme_command_works_from_a_fresh_shell(tmp_path: Path) -> None:
    blocks = sh_blocks(README.read_text(encoding="utf-8"))
    runnable = [cmd for tags, cmds in blocks if not tags & SKIP_TAGS for cmd in cmds]
    assert any(cmd.startswith("make demo") for cmd in runnable)
    assert any("newsdesk sql" in cmd for cmd in runnable)
    for name in LINKED:
        (tmp_path / name).symlink_to(ROOT / name)
    env = {"HOME": str(tmp_path), "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    for command in runnable:
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"{command!r} exited {done.returncode}:\n{output[-2000:]}"
        assert "Traceback" not in output, f"{command!r} printed a traceback:\n{output[-2000:]}"
