"""The curated risk lists (data/analysis -> policy_tf/analysis/data) and the README's check table."""
from __future__ import annotations

from pathlib import Path

import pytest

from policy_tf.analysis import risklists
from policy_tf.analysis.checks.table import END, START, markdown
from policy_tf.analysis.expand import action_index

REPO = Path(__file__).resolve().parent.parent


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


def test_readme_check_table_is_generated_from_list_checks():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start, end = readme.index(START), readme.index(END) + len(END)
    assert readme[start:end] + "\n" \
        == markdown(), "README check table is stale: run python -m policy_tf.analysis.checks.table"
