"""AWS's July 2026 page layout, read by header text beside the old one."""
from __future__ import annotations

from pathlib import Path

import pytest

from policy_tf.iamdb.model import effective_level
from policy_tf.iamdb.sources import html
from tests.conftest import FIXTURES

PAGE = FIXTURES / "html_july2026" / "list_examplegizmos.html"


@pytest.fixture(scope="module")
def gizmos():
    result = html.parse_file(PAGE)
    assert result.warnings == []
    return result.service


@pytest.mark.parametrize("documented, effective", [
    ("Tagging, Write", "Tagging"),
    ("Permissions management, Write", "Permissions management"),
    ("Write, Tagging", "Tagging"),
    ("List", "List"),
    ("write", "Write"),
])
def test_dual_levels_resolve_by_precedence(documented, effective):
    assert effective_level(documented) == effective


def test_unknown_level_text_resolves_to_nothing():
    assert effective_level("Tagging, Sometimes") is None


def test_dual_level_keeps_the_documented_text_and_the_effective_level(gizmos):
    tag = gizmos.actions["TagGizmo"]
    assert (tag.access_level, tag.documented_level) == ("Tagging", "Tagging, Write")
    policy = gizmos.actions["PutGizmoPolicy"]
    assert (policy.access_level, policy.documented) == ("Permissions management", "Permissions management, Write")


def test_single_level_has_no_separate_documented_text(gizmos):
    assert gizmos.actions["CreateGizmo"].documented_level == ""


def test_access_level_as_last_column_and_rowspans_line_up(gizmos):
    create = gizmos.actions["CreateGizmo"]
    assert [(r.resource_type, r.required, r.condition_keys) for r in create.resources] == [
        ("gizmo", True, []), ("", False, ["aws:RequestTag/${TagKey}", "aws:TagKeys"])]


def test_permission_only_comes_from_the_section(gizmos):
    assert gizmos.actions["ConnectGizmo"].permission_only
    assert not any(a.permission_only for name, a in gizmos.actions.items() if name != "ConnectGizmo")


def test_api_operations_table_maps_operations_to_actions(gizmos):
    create = gizmos.operations["CreateGizmo"]
    assert create.actions == ["gizmos:CreateGizmo", "iam:PassRole"]
    assert create.condition_keys == ["iam:PassedToService"]
    assert create.access_level == "Write"


def test_operation_action_without_prefix_gets_the_page_prefix_and_dual_level_resolves(gizmos):
    tag = gizmos.operations["TagResource"]
    assert (tag.actions, tag.access_level) == (["gizmos:TagGizmo"], "Tagging")


def test_condition_key_with_a_placeholder_before_the_colon_is_kept(gizmos):
    key = "github.com/enterprises/${EnterpriseName}:actor"
    assert key in gizmos.condition_keys
    assert gizmos.actions["ListGizmos"].resources[0].condition_keys == [key]


def _index(names: list[str]) -> str:
    links = "".join(f'<li><a href="./{n}">{n}</a></li>' for n in names)
    return f"<html><body><ul>{links}</ul></body></html>"


def test_folder_with_an_index_reads_only_the_pages_it_lists(tmp_path: Path):
    (tmp_path / "list_examplegizmos.html").write_bytes(PAGE.read_bytes())
    # A page AWS renamed away: it must not be merged with its successor.
    (tmp_path / "list_amazonexamplegizmos.html").write_bytes(
        PAGE.read_bytes().replace(b"Tagging, Write", b"Write"))
    (tmp_path / html.INDEX_PAGE).write_text(_index(["list_examplegizmos.html"]))
    services, warnings = html.read_folder(tmp_path)
    assert services[0].sources == ["list_examplegizmos.html"]
    assert services[0].actions["TagGizmo"].access_level == "Tagging"
    assert warnings == [f"list_amazonexamplegizmos.html: not listed in {html.INDEX_PAGE}; not read"]


def test_folder_without_an_index_reads_every_page(tmp_path: Path):
    (tmp_path / "list_a.html").write_bytes(PAGE.read_bytes())
    (tmp_path / "list_b.html").write_bytes(PAGE.read_bytes())
    services, _ = html.read_folder(tmp_path)
    assert services[0].sources == ["list_a.html", "list_b.html"]
