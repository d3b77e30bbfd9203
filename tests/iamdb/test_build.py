"""Building the SQLite database: contents, overrides, the build guard and atomic writes."""
from __future__ import annotations

import sqlite3

import pytest

from policy_tf.core.errors import BuildGuardError, InputError
from policy_tf.iamdb import overrides, query
from policy_tf.iamdb.build import write_database
from policy_tf.iamdb.database import Database
from policy_tf.iamdb.model import ResourceRef
from tests.helpers import tiny_database, tiny_services


def _override_file(tmp_path, text):
    path = tmp_path / "overrides.yml"
    path.write_text(text)
    return path


def test_database_holds_every_action_with_its_resources(tmp_path):
    db = Database(tiny_database(tmp_path / "iam.sqlite3"))
    detail = query.action_details("widgets", "UpdateWidget", db)
    assert detail["access_level"] == "Write"
    assert detail["resource_types"][0]["arn_format"].endswith(":widget/${WidgetId}")
    assert detail["resource_types"][0]["dependent_actions"] == ["iam:PassRole"]


def test_build_records_source_date_and_counts(tmp_path):
    info = query.info(Database(tiny_database(tmp_path / "iam.sqlite3")))
    assert info["source"] == "test: tiny"
    assert info["built_at"]
    assert info["counts"]["actions"] == 64 and info["counts"]["services"] == 2


def test_override_changes_effective_level_and_keeps_documented_level(tmp_path):
    rules = overrides.load(_override_file(tmp_path,
                                          "overrides:\n  - action: widgets:TagWidget\n    access_level: tagging\n    "
                                          "reason: it only tags\n"))
    db = Database(tiny_database(tmp_path / "iam.sqlite3", overrides=rules))
    detail = query.action_details("widgets", "TagWidget", db)
    assert (detail["access_level"], detail["documented_access_level"], detail["override_reason"]) \
        == ("Tagging", "Write", "it only tags")
    assert query.action_names("widgets", "tagging", db=db) == ["widgets:TagWidget"]
    assert "widgets:TagWidget" not in query.action_names("widgets", "write", db=db)


def test_overridden_actions_are_found_through_their_own_index(tmp_path):
    rules = overrides.load(_override_file(tmp_path,
                                          "overrides:\n  - action: widgets:TagWidget\n    access_level: tagging\n    "
                                          "reason: it only tags\n"))
    db = Database(tiny_database(tmp_path / "iam.sqlite3", overrides=rules))
    assert [o["action"] for o in query.overridden(["widgets:TagWidget", "widgets:GetWidget"], db)] \
        == ["widgets:TagWidget"]
    plan = " ".join(row[-1] for row in db.execute("EXPLAIN QUERY PLAN " + query.OVERRIDDEN_SQL))
    assert "actions_overridden" in plan  # not a scan of every action


def test_override_of_unknown_action_is_an_error(tmp_path):
    rules = overrides.load(_override_file(tmp_path,
                                          "overrides:\n  - action: widgets:Nope\n    access_level: read\n  "
                                          "  reason: x\n"))
    with pytest.raises(InputError, match="unknown action widgets:Nope"):
        tiny_database(tmp_path / "iam.sqlite3", overrides=rules)


@pytest.mark.parametrize("text, message", [
    ("overrides: [", "not valid YAML"),
    ("- a\n", "one key 'overrides'"),
    ("overrides:\n  - action: widgets:GetWidget\n    access_level: admin\n    reason: x\n", "access_level"),
    ("overrides:\n  - action: widgets:GetWidget\n    access_level: read\n", "needs a reason"),
    ("overrides:\n  - action: GetWidget\n    access_level: read\n    reason: x\n", "prefix:Action"),
    ("overrides:\n  - action: widgets:GetWidget\n    level: read\n    reason: x\n", "unknown key"),
])
def test_bad_overrides_file_names_file_and_problem(tmp_path, text, message):
    path = _override_file(tmp_path, text)
    with pytest.raises(InputError, match=message) as caught:
        overrides.load(path)
    assert str(path) in str(caught.value)


def test_bundled_overrides_file_is_valid_and_each_entry_has_a_reason():
    rules = overrides.load(overrides.bundled_path())
    assert 0 < len(rules) <= 10
    assert all(rule.reason for rule in rules)


def test_guard_refuses_a_build_that_loses_many_actions_and_names_them(tmp_path):
    baseline = tiny_database(tmp_path / "old.sqlite3")
    shrunk = tiny_services()
    shrunk[1].actions = {}
    with pytest.raises(BuildGuardError) as caught:
        write_database(shrunk, tmp_path / "new.sqlite3", source="t", baseline=baseline)
    assert "gadgets:Action0" in str(caught.value)
    assert not (tmp_path / "new.sqlite3").exists()


def test_guard_allows_a_small_loss(tmp_path):
    baseline = tiny_database(tmp_path / "old.sqlite3")
    smaller = tiny_services()
    del smaller[1].actions["Action0"]
    write_database(smaller, tmp_path / "new.sqlite3", source="t", baseline=baseline)
    assert (tmp_path / "new.sqlite3").exists()


def test_guard_can_be_overridden(tmp_path):
    baseline = tiny_database(tmp_path / "old.sqlite3")
    shrunk = tiny_services()[:1]
    write_database(shrunk, tmp_path / "new.sqlite3", source="t", baseline=baseline, max_loss=1.0)
    assert query.info(Database(tmp_path / "new.sqlite3"))["counts"]["services"] == 1


def test_failed_build_leaves_the_old_database_untouched(tmp_path):
    path = tiny_database(tmp_path / "iam.sqlite3")
    before = path.read_bytes()
    with pytest.raises(InputError):
        write_database([], path, source="t")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["iam.sqlite3"]


def test_missing_resource_reference_is_a_build_warning(tmp_path):
    services = tiny_services()
    services[0].actions["GetWidget"].resources.append(ResourceRef("ghost"))
    report = write_database(services, tmp_path / "iam.sqlite3", source="t")
    assert any("'ghost'" in w for w in report.warnings)


def test_database_file_is_plain_sqlite(tmp_path):
    con = sqlite3.connect(tiny_database(tmp_path / "iam.sqlite3"))
    assert con.execute("SELECT count(*) FROM actions").fetchone()[0] == 64
