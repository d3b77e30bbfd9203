"""Tests for the Service Reference JSON reader."""
from __future__ import annotations

import copy
import json
import os
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from policy_tf.core.errors import InputError
from policy_tf.iamdb.model import ResourceRef
from policy_tf.iamdb.sources.service_reference import (
    access_level,
    read_folder,
    read_service,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "service_reference"
REPO = Path(__file__).resolve().parents[2]
REAL_FOLDER = Path(
    os.environ.get("POLICY_TF_SERVICE_REFERENCE", REPO.parent / "shared" / "aws-service-reference")
)


@pytest.fixture
def demo_data() -> dict:
    return json.loads((FIXTURES / "services" / "demo.json").read_text(encoding="utf-8"))


@pytest.fixture
def demo(demo_data):
    return read_service(demo_data, "demo.json")


def flags(**true: bool) -> dict:
    props = dict.fromkeys(("IsList", "IsPermissionManagement", "IsTaggingOnly", "IsWrite"), False)
    props.update(true)
    return props


# --- read_service ---------------------------------------------------------------------


def test_prefix_is_used_as_name_and_file_name_as_source(demo):
    assert (demo.prefix, demo.name, demo.sources) == ("demo", "demo", ["demo.json"])


def test_all_actions_resources_and_keys_are_read(demo):
    assert list(demo.actions) == [
        "CreateWidget",
        "DescribeWidget",
        "ListWidgets",
        "PutWidgetPolicy",
        "TagWidget",
        "GetWidgetQuota",
    ]
    assert list(demo.resource_types) == ["widget", "gadget"]
    assert list(demo.condition_keys) == [
        "aws:RequestTag/${TagKey}",
        "aws:TagKeys",
        "demo:WidgetColor",
        "demo:Untyped",
    ]


@pytest.mark.parametrize(
    "action, level",
    [
        ("CreateWidget", "Write"),
        ("DescribeWidget", "Read"),
        ("ListWidgets", "List"),
        ("PutWidgetPolicy", "Permissions management"),
        ("TagWidget", "Tagging"),
        ("GetWidgetQuota", "Read"),  # no Annotations at all
    ],
)
def test_access_level_follows_annotation_flags(demo, action, level):
    assert demo.actions[action].access_level == level


@pytest.mark.parametrize(
    "properties, level",
    [
        (flags(), "Read"),
        (flags(IsList=True), "List"),
        (flags(IsWrite=True), "Write"),
        (flags(IsWrite=True, IsTaggingOnly=True), "Tagging"),
        (flags(IsWrite=True, IsPermissionManagement=True), "Permissions management"),
        (flags(IsPermissionManagement=True, IsTaggingOnly=True), "Permissions management"),
        (flags(IsList=True, IsWrite=True), "Write"),
        ({}, "Read"),
    ],
)
def test_access_level_precedence_for_combined_flags(properties, level):
    assert access_level(properties) == level


def test_listed_resources_become_optional_refs(demo):
    assert demo.actions["DescribeWidget"].resources == [
        ResourceRef("widget", required=False),
        ResourceRef("gadget", required=False),
    ]


def test_action_condition_keys_sit_on_a_row_without_resource_type(demo):
    refs = demo.actions["CreateWidget"].resources
    assert refs[-1] == ResourceRef("", condition_keys=["aws:RequestTag/${TagKey}", "aws:TagKeys"])


def test_action_keys_of_a_resource_stay_on_its_row(demo):
    assert demo.actions["CreateWidget"].resources[0] == ResourceRef(
        "widget", condition_keys=["demo:WidgetColor"]
    )


def test_action_without_resources_or_keys_has_no_refs(demo):
    assert demo.actions["ListWidgets"].resources == []


def test_action_without_resources_keeps_its_keys_on_one_empty_row():
    data = {"Name": "x", "Actions": [{"Name": "Do", "ActionConditionKeys": ["x:Key"]}]}
    assert read_service(data, "x.json").actions["Do"].resources == [
        ResourceRef("", condition_keys=["x:Key"])
    ]


def test_resource_type_keeps_arn_and_condition_keys(demo):
    widget = demo.resource_types["widget"]
    assert widget.arn_format == "arn:${Partition}:demo:${Region}:${Account}:widget/${WidgetId}"
    assert widget.condition_keys == ["aws:ResourceTag/${TagKey}", "demo:WidgetColor"]


def test_first_of_several_arn_formats_is_the_arn_format(demo):
    assert demo.resource_types["gadget"].arn_format.endswith(":gadget/${GadgetId}")


def test_other_arn_formats_are_kept(demo):
    assert demo.resource_types["gadget"].other_formats \
        == ["arn:${Partition}:demo:${Region}:${Account}:legacy-gadget:${GadgetName}"]


def test_condition_key_type_is_the_first_type(demo):
    assert demo.condition_keys["aws:TagKeys"].type == "ArrayOfString"
    assert demo.condition_keys["demo:WidgetColor"].type == "ArrayOfString"


def test_condition_key_without_types_has_empty_type(demo):
    assert demo.condition_keys["demo:Untyped"].type == ""


def test_missing_lists_read_as_empty():
    service = read_service({"Name": "bare"}, "bare.json")
    assert (service.actions, service.resource_types, service.condition_keys) == ({}, {}, {})


def test_null_lists_read_as_empty():
    data = {"Name": "x", "Actions": None, "Resources": [{"Name": "r", "ARNFormats": None}]}
    assert read_service(data, "x.json").resource_types["r"].arn_format == ""


@pytest.mark.parametrize(
    "mutate, path",
    [
        (lambda d: d["Actions"].__setitem__(1, "DescribeWidget"), "$.Actions[1]"),
        (lambda d: d["Actions"][0].__setitem__("Resources", [["widget"]]), "$.Actions[0].Resources[0]"),
        (lambda d: d["Actions"][0].__setitem__("Annotations", []), "$.Actions[0].Annotations"),
        (lambda d: d["Actions"][0]["Annotations"].__setitem__("Properties", "Write"),
         "$.Actions[0].Annotations.Properties"),
        (lambda d: d["Resources"].__setitem__(0, None), "$.Resources[0]"),
        (lambda d: d["ConditionKeys"].__setitem__(2, 7), "$.ConditionKeys[2]"),
    ],
)
def test_non_object_where_object_required_names_file_and_path(demo_data, mutate, path):
    data = copy.deepcopy(demo_data)
    mutate(data)
    with pytest.raises(InputError, match=rf"^demo\.json: {re.escape(path)}: expected an object"):
        read_service(data, "demo.json")


def test_non_list_where_list_required_names_file_and_path(demo_data):
    demo_data["Resources"][1]["ARNFormats"] = "arn:aws:demo:::gadget"
    with pytest.raises(InputError, match=r"demo\.json: \$\.Resources\[1\]\.ARNFormats: expected a list"):
        read_service(demo_data, "demo.json")


def test_non_string_in_key_list_names_file_and_path(demo_data):
    demo_data["Actions"][0]["ActionConditionKeys"] = ["aws:TagKeys", {"Name": "x"}]
    with pytest.raises(InputError, match=r"\$\.Actions\[0\]\.ActionConditionKeys\[1\]: expected a string"):
        read_service(demo_data, "demo.json")


def test_non_boolean_flag_is_an_input_error(demo_data):
    demo_data["Actions"][2]["Annotations"]["Properties"]["IsList"] = "true"
    with pytest.raises(InputError, match=r"\$\.Actions\[2\]\.Annotations\.Properties\.IsList"):
        read_service(demo_data, "demo.json")


def test_action_without_name_is_an_input_error(demo_data):
    del demo_data["Actions"][3]["Name"]
    with pytest.raises(InputError, match=r"\$\.Actions\[3\]\.Name: expected a non-empty string"):
        read_service(demo_data, "demo.json")


def test_document_that_is_not_an_object_is_an_input_error():
    with pytest.raises(InputError, match=r"^x\.json: \$: expected an object, got a list"):
        read_service([], "x.json")  # type: ignore[arg-type]


# --- read_folder ----------------------------------------------------------------------


def test_folder_with_index_reads_only_listed_services():
    assert [s.prefix for s in read_folder(FIXTURES)] == ["demo"]


def test_folder_without_index_reads_every_service_file(tmp_path):
    shutil.copytree(FIXTURES / "services", tmp_path / "services")
    services = read_folder(tmp_path)
    assert [(s.prefix, s.sources) for s in services] == [
        ("demo", ["demo.json"]),
        ("extra", ["extra.json"]),
    ]


def test_service_listed_in_index_but_missing_is_an_input_error(tmp_path):
    shutil.copytree(FIXTURES, tmp_path, dirs_exist_ok=True)
    (tmp_path / "services" / "demo.json").unlink()
    with pytest.raises(InputError, match=r"demo\.json: listed in service_ref\.json but missing"):
        read_folder(tmp_path)


def test_index_prefix_that_is_not_a_prefix_is_an_input_error(tmp_path):
    (tmp_path / "service_ref.json").write_text('[{"service": "../etc/passwd"}]')
    with pytest.raises(InputError, match=r"\$\[0\]\.service: not a service prefix"):
        read_folder(tmp_path)


def test_index_that_is_not_a_list_is_an_input_error(tmp_path):
    (tmp_path / "service_ref.json").write_text('{"service": "demo"}')
    with pytest.raises(InputError, match=r"service_ref\.json: \$: expected a list"):
        read_folder(tmp_path)


def test_malformed_json_file_is_an_input_error_naming_it(tmp_path):
    (tmp_path / "services").mkdir()
    (tmp_path / "services" / "broken.json").write_text('{"Name": "broken",')
    with pytest.raises(InputError, match=r"broken\.json: not valid JSON"):
        read_folder(tmp_path)


def test_empty_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no service_ref.json"):
        read_folder(tmp_path)


# --- the real snapshot ----------------------------------------------------------------


def test_real_snapshot_reads_with_measured_counts():
    if not (REAL_FOLDER / "service_ref.json").is_file():
        pytest.skip(f"no Service Reference snapshot at {REAL_FOLDER} (set POLICY_TF_SERVICE_REFERENCE)")
    services = read_folder(REAL_FOLDER)
    actions = [a for s in services for a in s.actions.values()]
    assert len(services) == 430
    assert len(actions) == 19167
    assert sum(len(s.resource_types) for s in services) == 2051
    assert sum(len(s.condition_keys) for s in services) == 2152
    assert Counter(a.access_level for a in actions) == {
        "Write": 9832,
        "Read": 5122,
        "List": 3171,
        "Tagging": 676,
        "Permissions management": 366,
    }
    assert sum(1 for a in actions if any(r.resource_type == "" for r in a.resources)) == 5090

