"""The curated risk lists (data/analysis -> policy_tf/analysis/data) and the check table of docs/analysis.md."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from policy_tf.analysis import risklists
from policy_tf.analysis.checks.readme_table import END, START, markdown
from policy_tf.analysis.expand import action_index

REPO = Path(__file__).resolve().parents[2]


def test_privilege_escalation_methods_have_unique_ids_and_a_source_link():
    methods = risklists.privilege_escalation()
    assert len(methods) >= 104
    assert len({m.id for m in methods}) == len(methods)
    assert all(m.source.startswith("https://") and m.reason and m.actions for m in methods)
    assert all(m.target in ("role", "user", "group", "policy") for m in methods)


def test_every_pass_role_method_needs_pass_role_and_a_service_action():
    passrole = [m for m in risklists.privilege_escalation() if m.id.startswith("PASSROLE_")]
    assert len(passrole) >= 25
    assert all(m.actions[0] == "iam:PassRole" and len(m.actions) >= 2 for m in passrole)


@pytest.mark.parametrize("name", ["credentials-exposure", "data-exfiltration", "resource-exposure"])
def test_every_listed_action_exists_in_the_database_spelled_as_aws_spells_it(name):
    index = action_index()
    entries = risklists.actions(name)
    assert entries and all(e.reason for e in entries)
    assert [e.action for e in entries if index.canonical(e.action) != e.action] == []


def test_every_privilege_escalation_action_exists_in_the_database():
    index = action_index()
    assert [a for m in risklists.privilege_escalation() for a in m.actions if index.canonical(a) != a] == []


def test_compute_services_are_service_principals():
    assert all(p.endswith(".amazonaws.com") and r for p, r in risklists.compute_services().items())


def test_the_lists_are_reachable_from_data():
    assert (REPO / "data" / "analysis" / "privilege-escalation.yml").is_file()


def test_docs_check_table_is_generated_from_list_checks():
    page = (REPO / "docs" / "analysis.md").read_text(encoding="utf-8")
    start, end = page.index(START), page.index(END) + len(END)
    assert page[start:end] + "\n" == markdown(), "docs/analysis.md check table is stale: regenerate it (see START)"
    assert page.count(END) == 1


def test_the_json_copy_of_the_lists_is_up_to_date():
    path = Path(risklists._path(risklists.COMPILED))
    assert path.read_text(encoding="utf-8") == risklists.compiled_text(), \
        "policy_tf/analysis/data/risk-lists.json is stale: run python tools/risk_lists.py"


@pytest.mark.parametrize("name", risklists.NAMES)
def test_a_list_read_from_the_json_copy_equals_the_yaml(name):
    assert risklists._compiled()[name]["crc32"] == risklists._crc32(name)
    assert risklists._load(name) == risklists._load_yaml(name)


def test_the_copy_is_read_only_while_its_yaml_is_unchanged(tmp_path, monkeypatch):
    for name in (*risklists.NAMES, risklists.COMPILED):
        shutil.copy(risklists._path(name), tmp_path / name)
    copy = json.loads((tmp_path / risklists.COMPILED).read_text(encoding="utf-8"))
    copy["lists"]["compute-services.yml"]["data"] = {"services": [{"principal": "copy", "reason": "from the copy"}]}
    (tmp_path / risklists.COMPILED).write_text(json.dumps(copy), encoding="utf-8")
    monkeypatch.setattr(risklists, "_path", lambda name: str(tmp_path / name))
    risklists._compiled.cache_clear()
    try:
        assert risklists._load("compute-services.yml")["services"][0]["principal"] == "copy"
        (tmp_path / "compute-services.yml").write_text(
            "services:\n  - principal: example.amazonaws.com\n    reason: edited\n", encoding="utf-8")
        assert risklists._load("compute-services.yml") == {
            "services": [{"principal": "example.amazonaws.com", "reason": "edited"}]}
        (tmp_path / risklists.COMPILED).unlink()  # no copy at all: every list from its YAML
        risklists._compiled.cache_clear()
        assert risklists._load("privilege-escalation.yml") == risklists._load_yaml("privilege-escalation.yml")
    finally:
        risklists._compiled.cache_clear()
