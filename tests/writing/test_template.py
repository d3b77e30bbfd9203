"""Templates: policy_sentry's formats are read unchanged; every bad input gets one clear message."""
from __future__ import annotations

import pytest

from policy_tf.core.errors import InputError
from policy_tf.writing import template


def load(text: str):
    return template.loads(text, "t.yml")


def test_crud_template_is_read():
    (t,) = load("mode: crud\nname: App\nread:\n  - arn:aws:s3:::b/*\nwrite: [arn:aws:sqs:eu-west-1:1:q]\n"
                "wildcard-only:\n  service-list: [s3]\n  single-actions: [s3:ListAllMyBuckets]\n")
    assert (t.mode, t.name) == ("crud", "App")
    assert t.levels == {"Read": ["arn:aws:s3:::b/*"], "Write": ["arn:aws:sqs:eu-west-1:1:q"]}
    assert t.service_levels == {"List": ["s3"]} and t.single_actions == ["s3:ListAllMyBuckets"]


def test_json_template_is_read():
    (t,) = load('{"mode": "actions", "actions": ["s3:GetObject"]}')
    assert t.actions == ["s3:GetObject"]


def test_empty_strings_and_nulls_are_ignored():
    (t,) = load("mode: crud\nread:\n  - ''\n  - arn:aws:s3:::b/*\nwrite:\nlist: ['']\n")
    assert t.levels == {"Read": ["arn:aws:s3:::b/*"]}


def test_legacy_list_layout_gives_one_template_per_entry():
    text = ("roles_with_crud_levels:\n- name: one\n  arn: arn:aws:iam::1:role/one\n  read: [arn:aws:s3:::a/*]\n  tag: "
            "[arn:aws:s3:::a]\n"
            "- name: two\n  write: [arn:aws:s3:::b/*]\nroles_with_actions:\n- name: three\n  actions: [s3:GetObject]\n")
    by_name = {t.name: t for t in load(text)}
    one, two, three = by_name["one"], by_name["two"], by_name["three"]
    assert one.levels == {"Read": ["arn:aws:s3:::a/*"], "Tagging": ["arn:aws:s3:::a"]}
    assert two.levels == {"Write": ["arn:aws:s3:::b/*"]} and three.actions == ["s3:GetObject"]


def test_conditions_values_become_strings():
    (t,) = load("mode: crud\nread: [arn:aws:s3:::b/*]\nconditions:\n  all:\n    Bool:\n      "
                "aws:SecureTransport: true\n")
    assert t.conditions == {"all": {"Bool": {"aws:SecureTransport": ["true"]}}}


@pytest.mark.parametrize("text, message", [
    ("mode: crud\nread: [arn:aws:s3:::b/*]\nreed: []\n", "t.yml: reed: unknown key"),
    ("mode: crud\nread: arn:aws:s3:::b/*\nwrite: 3\n", "t.yml: write: expected a list of strings, got a number"),
    ("mode: crud\nread: [3]\n", "t.yml: read[0]: expected a string, got a number"),
    ("mode: crud\nread: [{a: b}]\n", "t.yml: read[0]: expected a string, got a mapping"),
    ("mode: crud\nwildcard-only:\n  service-reed: [s3]\n", "t.yml: wildcard-only.service-reed: unknown key"),
    ("mode: crud\nwildcard-only: [s3]\n", "t.yml: wildcard-only: expected a mapping, got a list"),
    ("mode: crud\nsts:\n  assume: []\n", "t.yml: sts.assume: unknown key"),
    ("mode: crud\neffect: Maybe\nread: [arn:aws:s3:::b/*]\n", "effect: expected Allow or Deny"),
    ("mode: crud\ninclude-dependent-actions: sometimes\n",
     "include-dependent-actions: expected true (same as scoped), scoped, all, false or none"),
    ("mode: cud\n", "t.yml: mode: expected crud or actions, got 'cud'"),
    ("read: [arn:aws:s3:::b/*]\n", "t.yml: mode: missing"),
    ("mode: actions\nactions: [s3:GetObject]\nread: []\n", "t.yml: read: unknown key"),
    ("mode: crud\nconditions:\n  everything: {}\n", "t.yml: conditions.everything: unknown key"),
    ("mode: crud\nconditions:\n  all: [1]\n", "t.yml: conditions.all: expected an IAM condition block"),
    ("mode: crud\nconditions:\n  all:\n    StringEquals: x\n",
     "t.yml: conditions.all.StringEquals: expected a mapping"),
    ("- mode: crud\n", "t.yml: expected a template mapping"),
    ("just text\n", "t.yml: expected a template mapping"),
    ("", "t.yml: the template is empty"),
    ("mode: crud\nread: [a\n", "t.yml: not valid YAML (line"),
    ("!!python/object/apply:os.system ['echo hacked']\n", "t.yml: not valid YAML"),
    ("roles_with_crud_levels:\n- name: x\n  reed: []\n", "roles_with_crud_levels[0]: reed: unknown key"),
])
def test_bad_templates_name_the_file_and_key(text, message):
    with pytest.raises(InputError) as caught:
        load(text)
    assert message in str(caught.value)


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read template"):
        template.load(str(tmp_path / "nope.yml"))


def test_a_folder_is_not_a_template(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        template.load(str(tmp_path))


def test_binary_file_is_an_input_error(tmp_path):
    path = tmp_path / "x.yml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InputError, match="not a UTF-8 text file"):
        template.load(str(path))
