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


def test_the_library_api_page_has_runnable_blocks():
    assert len(python_blocks((REPO / "docs" / "library-api.md").read_text(encoding="utf-8"))) >= 4


def _block_after(text: str, marker: str) -> str:
    """The fenced block that follows ``marker`` in ``text``, without its fences."""
    rest = text[text.index(marker) + len(marker):]
    return re.search(r"^```\w*\n(.*?)^```", rest, re.S | re.M).group(1)


def test_the_readme_policy_is_what_write_policy_prints_for_its_template(tmp_path, monkeypatch, capsys):
    from policy_tf.cli import main

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    (tmp_path / "worker.yml").write_text(_block_after(readme, "<!-- readme-example:template -->"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["write-policy", "--input-file", "worker.yml"]) == 0
    printed = capsys.readouterr()
    assert printed.out == _block_after(readme, "<!-- readme-example:policy -->")
    assert printed.err == ""  # the README says nothing went to stderr


def test_the_readme_keeps_the_two_setup_commands_ci_runs():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "make demo   # creates .venv" in readme and "make test   # runs the whole test suite" in readme
