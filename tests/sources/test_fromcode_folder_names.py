"""generate-template --from-code: a folder given as '.' or '..' is named by its own name."""
from __future__ import annotations

import yaml

from policy_tf.cli import main

PROGRAM = "import boto3\nboto3.client('sqs').list_queues()\n"


def test_the_current_folder_gives_its_own_name_not_a_hidden_file(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "orders-app"
    folder.mkdir()
    (folder / "handler.py").write_text(PROGRAM)
    monkeypatch.chdir(folder)
    assert main(["generate-template", "--from-code", ".", "-o", str(tmp_path / "out")]) == 0
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["orders-app.yml"]
    assert yaml.safe_load((tmp_path / "out" / "orders-app.yml").read_text())["name"] == "orders-app"


def test_the_parent_folder_gives_its_own_name(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "svc"
    (folder / "sub").mkdir(parents=True)
    (folder / "handler.py").write_text(PROGRAM)
    monkeypatch.chdir(folder / "sub")
    assert main(["generate-template", "--from-code", ".."]) == 0
    assert yaml.safe_load(capsys.readouterr().out.split("\n---\n")[0])["name"] == "svc"
