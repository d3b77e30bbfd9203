"""Operation mappings from the Service Reference JSON's per-operation data (Operations[]:
AuthorizedActions with Context, SDK method names), loaded into the operation table with their
date, replacing the mapping derived from the pages' links, and used by --from-code."""
from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
import yaml

from policy_tf.cli import main
from policy_tf.iamdb import database, query
from policy_tf.iamdb.database import Database
from policy_tf.iamdb.initialize import build_from_folder
from policy_tf.iamdb.sources.service_reference import read_folder
from tests.localhttp import serve  # noqa: F401  (a fixture)

OPS = Path(__file__).parents[1] / "fixtures" / "service_reference_operations"


@pytest.fixture
def ops_db(tmp_path) -> Path:
    path = tmp_path / "ops.sqlite3"
    build_from_folder(OPS, path, baseline=None, data_date="2026-11-20")
    return path


def test_authorized_actions_context_and_sdk_methods_are_read():
    ecs = next(s for s in read_folder(OPS) if s.prefix == "ecs")
    run = ecs.operations["RunTask"]
    assert run.actions == ["ecs:RunTask", "iam:PassRole"]
    assert run.context == {"iam:PassRole": {"iam:PassedToService": ["ecs-tasks.amazonaws.com"]}}
    assert run.sdk == [("Boto3", "ecs", "run_task")]


def test_an_empty_authorized_actions_list_means_the_action_of_the_same_name():
    ecs = next(s for s in read_folder(OPS) if s.prefix == "ecs")
    assert ecs.operations["ListClusters"].actions == ["ecs:ListClusters"]


def test_the_operation_table_holds_them_marked_with_the_data_date(ops_db):
    db = Database(ops_db)
    [run] = query.operations("ecs", "RunTask", db=db)
    assert run["actions"] == ["ecs:RunTask", "iam:PassRole"]
    assert run["context"] == {"iam:PassRole": {"iam:PassedToService": ["ecs-tasks.amazonaws.com"]}}
    assert run["sdk"] == [{"package": "Boto3", "service": "ecs", "method": "run_task"}]
    parts = json.loads(db.meta["parts"])
    assert parts["api_operations"] == {"source": f"json: {OPS}", "date": "2026-11-20"}
    assert query.sdk_operations("Boto3", "ecs", db=db)["get_task_summary"] == ("ecs", "GetTaskSummary")


def test_they_replace_the_mapping_derived_from_links_and_other_services_keep_the_older_one(tmp_path):
    older_docs = tmp_path / "older"
    shutil.copytree(OPS, older_docs)
    ecs = json.loads((older_docs / "services" / "ecs.json").read_text())
    iam = json.loads((older_docs / "services" / "iam.json").read_text())
    iam["Operations"] = [{"Name": "GetRole", "AuthorizedActions": [{"Name": "GetRole", "Service": "iam"}]}]
    ecs["Operations"] = [{"Name": "RunTask", "AuthorizedActions": [{"Name": "RunTask", "Service": "ecs"}]}]
    (older_docs / "services" / "iam.json").write_text(json.dumps(iam))
    (older_docs / "services" / "ecs.json").write_text(json.dumps(ecs))
    older = tmp_path / "older.sqlite3"
    build_from_folder(older_docs, older, baseline=None, data_date="2026-06-15")
    new = tmp_path / "new.sqlite3"
    report = build_from_folder(OPS, new, baseline=older, data_date="2026-11-20")
    db = Database(new)
    assert query.operations("ecs", "RunTask", db=db)[0]["actions"] == ["ecs:RunTask", "iam:PassRole"]  # the new one
    assert query.operations("iam", "GetRole", db=db)[0]["actions"] == ["iam:GetRole"]  # carried: the new has none
    part = report.parts["api_operations"]
    assert part.date == "2026-11-20"
    assert part.source == f"json: {OPS}; services it does not map: json: {older_docs} (2026-06-15)"


def test_initialize_fetch_loads_them_with_the_fetch_date(serve, capsys, tmp_path, monkeypatch):
    server = serve({})
    server.routes.update({
        "/": (OPS / "service_ref.json").read_bytes().replace(b"HOST", server.host.encode()),
        "/v1/ecs/ecs.json": (OPS / "services" / "ecs.json").read_bytes(),
        "/v1/iam/iam.json": (OPS / "services" / "iam.json").read_bytes(),
    })
    code = main(["initialize", "--fetch", "--source", "json", "--base-url", server.url("/"), "--retries", "1",
                 "--allow-loss"])
    out, err = capsys.readouterr()
    assert code == 0, err
    database.reset()
    [run] = query.operations("ecs", "RunTask")
    assert run["context"]["iam:PassRole"] == {"iam:PassedToService": ["ecs-tasks.amazonaws.com"]}
    parts = json.loads(database.get().meta["parts"])
    assert parts["api_operations"]["source"].startswith("json: fetched from http://127.0.0.1")
    assert parts["api_operations"]["date"] == parts["actions"]["date"] != ""


def test_from_code_uses_them_pass_role_gets_its_service_condition(ops_db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("POLICY_TF_DATABASE", str(ops_db))
    database.reset()
    program = tmp_path / "tasks.py"
    program.write_text(textwrap.dedent("""
        import boto3
        ecs = boto3.client("ecs")
        ecs.run_task(taskDefinition="arn:aws:ecs:us-east-1:111122223333:task-definition/web:3")
        ecs.get_task_summary(task="t")
    """))
    code = main(["generate-template", "--from-code", str(program), "--region", "us-east-1", "--account",
                 "111122223333"])
    out, err = capsys.readouterr()
    assert code == 0, err
    template = yaml.safe_load(out)
    assert template["named-actions"]["ecs:RunTask"] == ["arn:aws:ecs:us-east-1:111122223333:task-definition/web:3"]
    assert template["named-actions"]["iam:PassRole"] == ["arn:aws:iam::111122223333:role/*"]
    assert template["conditions"] \
        == {"named-actions": {"StringEquals": {"iam:PassedToService": ["ecs-tasks.amazonaws.com"]}}}
    # botocore knows no get_task_summary: the database's SDK method names map it.
    assert "ecs:ReadTaskSummary" in template["named-actions"]
