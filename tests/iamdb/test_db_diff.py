"""`policy_tf db diff OLD NEW`: what a rebuild added, removed and changed."""
from __future__ import annotations

import copy
import json

from policy_tf.cli import main
from policy_tf.iamdb import diff
from policy_tf.iamdb.model import Action, ConditionKey, ResourceRef, ResourceType
from tests.helpers import tiny_database, tiny_services


def _pair(tmp_path):
    old = tiny_database(tmp_path / "old.sqlite3")
    services = copy.deepcopy(tiny_services())
    widgets, gadgets = services
    del widgets.actions["ListWidgets"]
    widgets.actions["TagWidget"] = Action("TagWidget", "Tagging", documented_level="Tagging, Write",
                                          resources=[ResourceRef("widget", True)])
    widgets.actions["PutWidgetPolicy"] = Action("PutWidgetPolicy", "Permissions management",
                                                resources=[ResourceRef("")])
    widgets.resource_types["gadget"] = ResourceType("gadget", "arn:${Partition}:widgets:::gadget/${Id}")
    widgets.condition_keys = {"widgets:Size": ConditionKey("widgets:Size", "Numeric")}
    new = tiny_database(tmp_path / "new.sqlite3", [widgets])
    return old, new


def test_diff_lists_additions_removals_and_level_changes(tmp_path):
    result = diff.diff(*_pair(tmp_path))
    assert result["services_removed"] == ["gadgets"] and result["services_added"] == []
    assert result["actions_added"] == ["widgets:PutWidgetPolicy"]
    assert "widgets:ListWidgets" in result["actions_removed"] and "gadgets:Action0" in result["actions_removed"]
    assert result["access_level_changes"] == [{"action": "widgets:TagWidget", "old": "Write", "new": "Tagging"}]
    assert result["resource_types_added"] == ["widgets:gadget"]
    assert (result["condition_keys_added"], result["condition_keys_removed"]) == (["widgets:Size"], ["widgets:Color"])


def test_identical_databases_differ_in_nothing(tmp_path):
    path = tiny_database(tmp_path / "a.sqlite3")
    result = diff.diff(path, path)
    assert not any(v for k, v in result.items() if k not in ("old", "new"))


def test_cli_text_diff_starts_with_a_summary(capsys, tmp_path):
    assert main(["db", "diff", *map(str, _pair(tmp_path)), "--limit", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[2].startswith("0 services added, 1 removed; 1 actions added, 61 removed;")
    assert "actions removed (first 2 of 61):" in out
    assert "  widgets:TagWidget: Write -> Tagging" in out


def test_cli_json_diff_is_valid_json(capsys, tmp_path):
    assert main(["db", "diff", *map(str, _pair(tmp_path)), "--fmt", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["actions_added"] == ["widgets:PutWidgetPolicy"]


def test_cli_diff_of_a_missing_file_is_exit_2(capsys, tmp_path):
    assert main(["db", "diff", str(tmp_path / "nope.sqlite3"), str(tmp_path / "nope2.sqlite3")]) == 2
    assert "nope.sqlite3: database not found" in capsys.readouterr().err
