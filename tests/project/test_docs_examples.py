"""Every Python code block of README.md and docs/*.md runs: the documentation cannot drift from the API.

A block is skipped only when the line just before its fence is ``<!-- not-run -->``; keep those rare.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
NOT_RUN = "<!-- not-run -->"
_FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, code) of each ```python block not marked as not runnable."""
    found = []
    for match in _FENCE.finditer(text):
        before = text[:match.start()].rstrip("\n").rpartition("\n")[2]
        if before.strip() != NOT_RUN:
            found.append((text.count("\n", 0, match.start()) + 1, match.group(1)))
    return found


def test_blocks_are_found_and_not_run_marks_are_honoured():
    text = "x\n```python\na = 1\n```\n<!-- not-run -->\n```python\nraise SystemExit\n```\n```sh\nls\n```\n"
    assert python_blocks(text) == [(2, "a = 1\n")]


@pytest.mark.parametrize("doc", DOCS, ids=[p.relative_to(REPO).as_posix() for p in DOCS])
def test_every_python_block_runs(doc, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a block that writes a file writes it here
    scope: dict = {"__name__": "__doc_example__"}  # blocks of one page share names, as a reader's session would
    blocks = python_blocks(doc.read_text(encoding="utf-8"))
    for line, code in blocks:
        try:
            exec(compile(code, f"{doc.name}:{line}", "exec"), scope)  # noqa: S102 - the project's own documentation
        except Exception as exc:  # noqa: BLE001 - any failure of a block is reported with its place
            pytest.fail(f"{doc.name}, the python block at line {line}: {type(exc).__name__}: {exc}")


def test_the_readme_has_runnable_blocks():
    assert len(python_blocks((REPO / "README.md").read_text(encoding="utf-8"))) >= 4
