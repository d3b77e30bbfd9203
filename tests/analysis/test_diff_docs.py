"""docs/diff.md runs as written: its example diff prints what the page shows, and its
access-not-granted list is a valid list."""
from __future__ import annotations

import re
from pathlib import Path

from policy_tf.analysis.access_checks import parse_forbidden
from policy_tf.analysis.expand import action_index
from policy_tf.cli import main
from policy_tf.core.safeload import loads

DOC = Path(__file__).resolve().parents[2] / "docs" / "diff.md"


def _blocks(language: str) -> list:
    """The fenced blocks of one language ('' for none), in order."""
    found = re.findall(r"^```(\w*)\n(.*?)^```$", DOC.read_text(encoding="utf-8"), re.DOTALL | re.MULTILINE)
    return [text for lang, text in found if lang == language]


def test_the_example_diff_prints_what_the_page_shows(tmp_path, capsys, monkeypatch):
    old, new = _blocks("json")[:2]
    (tmp_path / "old.json").write_text(old, encoding="utf-8")
    (tmp_path / "new.json").write_text(new, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    shown = next(b for b in _blocks("") if b.startswith("$ policy_tf diff old.json new.json"))
    assert main(["diff", "old.json", "new.json"]) == 0
    assert capsys.readouterr().out == shown.split("\n", 1)[1]


def test_the_example_access_not_granted_list_is_valid():
    [listing] = [b for b in _blocks("yaml") if "iam:PassRole" in b]
    entries = parse_forbidden(loads(listing, "docs/diff.md", "yaml"), "docs/diff.md", action_index())
    assert [e.resources for e in entries] == [None, None, ("arn:aws:s3:::payroll/*",)]
