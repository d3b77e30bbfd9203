"""``create-template``: the rendered templates, how they are written, and the example templates."""
from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path

import pytest
import yaml

from policy_tf.core.errors import InputError
from policy_tf.iamdb import query
from policy_tf.iamdb.arn import ArnMatcher, parse_arn
from policy_tf.writing.create_template import (
    TEMPLATE_TYPES,
    render_template,
    write_template,
)

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples" / "templates").glob("*.yml"))
CRUD_ARN_LISTS = ("read", "write", "list", "tagging", "permissions-management")
CRUD_CONDITION_SECTIONS = {"all", *CRUD_ARN_LISTS, "wildcard-only", "sts"}
ACTIONS_CONDITION_SECTIONS = {"all", "actions"}


@pytest.fixture(scope="module")
def arn_matcher() -> ArnMatcher:
    return ArnMatcher(((r["service"], r["resource_type"]), r["arn_format"]) for r in query.arn_table("all"))


def _matches_its_service(matcher: ArnMatcher, arn: str) -> bool:
    # A format may belong to another service (ssm's "bucket" is an S3 ARN): only the ARN's own counts.
    return any(prefix == parse_arn(arn).service for prefix, _ in matcher.match(arn))


def _load_example(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _keys(data: dict, prefix: str = "") -> set[str]:
    """Every key of nested mappings, as dotted paths; ``conditions`` is free-form below its top."""
    keys = set()
    for key, value in data.items():
        keys.add(prefix + key)
        if isinstance(value, dict) and key != "conditions":
            keys |= _keys(value, f"{prefix}{key}.")
    return keys


# --- rendering -------------------------------------------------------------------------------


def test_crud_template_loads_with_the_documented_keys_and_empty_values():
    data = yaml.safe_load(render_template("crud"))
    assert data == {
        "mode": "crud",
        "name": "MyPolicy",
        "description": "",
        "effect": "Allow",
        "read": [],
        "write": [],
        "list": [],
        "tagging": [],
        "permissions-management": [],
        "wildcard-only": {
            "single-actions": [],
            "service-read": [],
            "service-write": [],
            "service-list": [],
            "service-tagging": [],
            "service-permissions-management": [],
        },
        "skip-resource-constraints": [],
        "exclude-actions": [],
        "sts": {"assume-role": [], "assume-role-with-saml": [], "assume-role-with-web-identity": []},
        "cross-service": [],
        "named-actions": {},
        "conditions": {},
        "include-dependent-actions": True,
    }


def test_actions_template_loads_with_the_documented_keys_and_defaults():
    data = yaml.safe_load(render_template("actions"))
    assert data == {
        "mode": "actions",
        "name": "MyPolicy",
        "description": "",
        "effect": "Allow",
        "actions": [],
        "partition": "aws",
        "region": "*",
        "account": "*",
        "exclude-actions": [],
        "conditions": {},
        "include-dependent-actions": True,
    }


@pytest.mark.parametrize("template_type", TEMPLATE_TYPES)
def test_template_is_mostly_comments(template_type):
    lines = [line.strip() for line in render_template(template_type).splitlines() if line.strip()]
    comments = [line for line in lines if line.startswith("#")]
    assert len(comments) > 2 * (len(lines) - len(comments))


@pytest.mark.parametrize("name",
                         ["PaymentsApi", "yes", "123", "a: b", "x # y", "*star", 'say "hi"', " padded ", "Zürich"])
def test_name_loads_back_unchanged(name):
    for template_type in TEMPLATE_TYPES:
        assert yaml.safe_load(render_template(template_type, name))["name"] == name


@pytest.mark.parametrize("name", ["", "two\nlines", "tab\there"])
def test_empty_or_multiline_name_is_input_error(name):
    with pytest.raises(InputError, match="policy name"):
        render_template("crud", name)


def test_unknown_type_is_input_error_listing_the_choices():
    with pytest.raises(InputError, match="unknown template type 'policy'.*crud, actions"):
        render_template("policy")


def test_commented_example_arns_fit_an_arn_format_of_their_service(arn_matcher):
    arns = {
        arn
        for template_type in TEMPLATE_TYPES
        for line in render_template(template_type).splitlines()
        if line.lstrip().startswith("#")
        for arn in re.findall(r"arn:aws:[^\s)]+", line)
    }
    assert arns
    assert [arn for arn in sorted(arns) if not _matches_its_service(arn_matcher, arn)] == []


# --- writing ---------------------------------------------------------------------------------


def test_dash_writes_to_stdout(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_template("-", "actions")
    assert capsys.readouterr().out == render_template("actions")
    assert list(tmp_path.iterdir()) == []


def test_writes_the_rendered_template_to_a_new_file(tmp_path):
    out = tmp_path / "policy.yml"
    write_template(str(out), "crud", name="Deploy")
    assert out.read_text(encoding="utf-8") == render_template("crud", "Deploy")


def test_refuses_to_overwrite_without_force_and_leaves_the_file_unchanged(tmp_path):
    out = tmp_path / "policy.yml"
    out.write_text("mine\n")
    with pytest.raises(InputError, match=r"policy\.yml already exists.*--force"):
        write_template(str(out), "crud")
    assert out.read_text() == "mine\n"


def test_overwrites_with_force(tmp_path):
    out = tmp_path / "policy.yml"
    out.write_text("mine\n")
    write_template(str(out), "actions", force=True)
    assert out.read_text(encoding="utf-8") == render_template("actions")


def test_never_appends(tmp_path):
    out = tmp_path / "policy.yml"
    write_template(str(out), "crud", force=True)
    write_template(str(out), "crud", force=True)
    assert out.read_text(encoding="utf-8") == render_template("crud")


def test_missing_folder_is_input_error_naming_it_and_is_not_created(tmp_path):
    folder = tmp_path / "no" / "such"
    with pytest.raises(InputError, match=re.escape(str(folder))):
        write_template(str(folder / "policy.yml"), "crud")
    assert not (tmp_path / "no").exists()


def test_unknown_type_writes_nothing(tmp_path):
    with pytest.raises(InputError):
        write_template(str(tmp_path / "policy.yml"), "policy")
    assert list(tmp_path.iterdir()) == []


def test_leaves_no_temporary_file_behind(tmp_path):
    write_template(str(tmp_path / "policy.yml"), "crud")
    assert [p.name for p in tmp_path.iterdir()] == ["policy.yml"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_new_file_gets_the_usual_mode_not_the_temp_files_0600(tmp_path):
    umask = os.umask(0o022)
    try:
        write_template(str(tmp_path / "policy.yml"), "crud")
    finally:
        os.umask(umask)
    assert (tmp_path / "policy.yml").stat().st_mode & 0o777 == 0o644


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_force_through_a_symlink_replaces_the_target_and_keeps_the_link(tmp_path):
    target = tmp_path / "real.yml"
    target.write_text("old\n")
    link = tmp_path / "link.yml"
    link.symlink_to(target)
    write_template(str(link), "crud", force=True)
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8") == render_template("crud")


# --- example templates -----------------------------------------------------------------------


def test_there_are_example_templates():
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_parses_with_a_mode(path):
    data = _load_example(path)
    assert isinstance(data, dict)
    assert data["mode"] in TEMPLATE_TYPES


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_uses_only_documented_keys(path):
    data = _load_example(path)
    documented = _keys(yaml.safe_load(render_template(data["mode"])))
    assert _keys(data) - documented == set()
    sections = CRUD_CONDITION_SECTIONS if data["mode"] == "crud" else ACTIONS_CONDITION_SECTIONS
    assert set(data.get("conditions") or {}) <= sections


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_arns_fit_an_arn_format_of_their_service(path, arn_matcher):
    data = _load_example(path)
    sts = data.get("sts") or {}
    arns = [arn for key in CRUD_ARN_LISTS for arn in data.get(key) or []]
    arns += [arn for arns_of_action in sts.values() for arn in arns_of_action or []]
    assert [arn for arn in arns if not _matches_its_service(arn_matcher, arn)] == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_action_names_and_exclusions_match_real_actions(path):
    data = _load_example(path)
    patterns = list(data.get("actions") or [])
    patterns += (data.get("wildcard-only") or {}).get("single-actions") or []
    patterns += data.get("skip-resource-constraints") or []
    patterns += data.get("exclude-actions") or []
    for pattern in patterns:
        service = pattern.split(":", 1)[0]
        names = [name.lower() for name in query.action_names(service)]
        assert fnmatch.filter(names, pattern.lower()), f"{pattern} matches no action"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_condition_keys_are_global_or_known(path):
    data = _load_example(path)
    keys = {key for block in (data.get("conditions") or {}).values() for op in block.values() for key in op}
    for key in keys:
        if key.startswith("aws:"):
            continue
        known = [row["condition_key"] for row in query.condition_table(key.split(":", 1)[0], key)]
        assert known, f"{key} is not a known condition key"
