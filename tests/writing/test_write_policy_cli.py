"""`policy_tf write-policy` and `create-template` from the command line."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = "mode: crud\nread:\n  - arn:aws:s3:::my-bucket/*\ninclude-dependent-actions: false\n"


def test_template_on_stdin_gives_a_json_policy(cli_process):
    proc = cli_process("write-policy", stdin=TEMPLATE)
    assert proc.returncode == 0, proc.stderr
    policy = json.loads(proc.stdout)
    assert policy["Statement"][0]["Sid"] == "S3ReadObject"


def test_input_file_and_stdin_give_the_same_bytes(cli_process, tmp_path):
    path = tmp_path / "t.yml"
    path.write_text(TEMPLATE)
    assert cli_process("write-policy", "--input-file", str(path)).stdout \
        == cli_process("write-policy", stdin=TEMPLATE).stdout


def test_output_is_byte_stable_across_runs(cli_process):
    assert cli_process("write-policy", stdin=TEMPLATE).stdout == cli_process("write-policy", stdin=TEMPLATE).stdout


def test_terraform_format_is_a_compact_policy_string(cli_process):
    proc = cli_process("write-policy", "--fmt", "terraform", stdin=TEMPLATE)
    outer = json.loads(proc.stdout)
    assert list(outer) == ["policy"] \
        and json.loads(outer["policy"]) == json.loads(cli_process("write-policy", stdin=TEMPLATE).stdout)
    assert " " not in outer["policy"]


def test_yaml_format_is_valid_yaml(cli_process):
    import yaml

    assert yaml.safe_load(cli_process("write-policy", "--fmt", "yaml", stdin=TEMPLATE).stdout)["Version"] \
        == "2012-10-17"


def test_minimize_shortens_actions_with_wildcards(cli_process):
    policy = json.loads(cli_process("write-policy", "--minimize", stdin=TEMPLATE).stdout)
    assert any(a.endswith("*") for a in policy["Statement"][0]["Action"])


def test_fit_prints_a_list_of_policies_and_reports_sizes(cli_process):
    proc = cli_process("write-policy", "--fit", "managed", stdin=TEMPLATE)
    policies = json.loads(proc.stdout)
    assert isinstance(policies, list) and len(policies) == 1
    assert "size(s) without whitespace" in proc.stderr


def test_warnings_go_to_stderr_and_stdout_stays_json(cli_process):
    proc = cli_process("write-policy", stdin="mode: crud\nread: [arn:aws:s3:::b/*]\nexclude-actions: [ec2:*]\n")
    assert proc.returncode == 0 and "policy_tf: warning:" in proc.stderr
    json.loads(proc.stdout)


@pytest.mark.parametrize("stdin, message", [
    ("mode: crud\nread: [not-an-arn]\n", "read[0]: not an ARN"),
    ("mode: crud\nread: [arn:aws-moon:s3:::b]\n", "unknown partition"),
    ("mode: actions\nactions: [nosuch:Thing]\n", "unknown service 'nosuch'"),
    ("mode: actions\nactions: [s3:GetObjekt]\n", "did you mean: GetObject"),
    ("mode: crud\nread: 7\n", "read: expected a list of strings"),
    ("mode: crud\nread: [a\n", "not valid YAML"),
    ("", "the template is empty"),
    ("!!python/object/apply:os.system ['touch /tmp/policy_tf_pwned']\n", "not valid YAML"),
])
def test_bad_input_exits_2_with_one_message_and_nothing_on_stdout(cli_process, stdin, message):
    proc = cli_process("write-policy", stdin=stdin)
    assert proc.returncode == 2 and proc.stdout == ""
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stderr.count("policy_tf: error:") == 1


def test_missing_input_file_exits_2(cli_process, tmp_path):
    proc = cli_process("write-policy", "--input-file", str(tmp_path / "nope.yml"))
    assert proc.returncode == 2 and "cannot read template" in proc.stderr and proc.stdout == ""


def test_legacy_layout_prints_one_policy_per_name(cli_process):
    text = "roles_with_actions:\n- name: a\n  actions: [s3:GetObject]\n- name: b\n  actions: [sqs:SendMessage]\n"
    policies = json.loads(cli_process("write-policy", stdin=text).stdout)
    assert sorted(policies) == ["a", "b"] and policies["a"]["Version"] == "2012-10-17"


def test_create_template_writes_a_template_that_write_policy_accepts(cli_process, tmp_path):
    path = tmp_path / "t.yml"
    assert cli_process("create-template", "--output-file", str(path), "--template-type", "crud").returncode == 0
    text = re.sub(r"(?m)^read: \[\]", "read: [arn:aws:s3:::b/*]", path.read_text())
    assert cli_process("write-policy", stdin=text).returncode == 0


def test_create_template_refuses_to_overwrite_without_force(cli_process, tmp_path):
    path = tmp_path / "t.yml"
    path.write_text("keep me")
    proc = cli_process("create-template", "--output-file", str(path))
    assert proc.returncode == 2 and path.read_text() == "keep me" and "--force" in proc.stderr
    assert cli_process("create-template", "--output-file", str(path), "--force").returncode == 0
    assert path.read_text() != "keep me"


def test_create_template_to_stdout(cli_process):
    proc = cli_process("create-template", "--output-file", "-", "--template-type", "actions")
    assert proc.returncode == 0 and "mode: actions" in proc.stdout


@pytest.mark.parametrize("example", sorted((REPO / "examples" / "templates").glob("*.yml")), ids=lambda p: p.name)
def test_every_bundled_example_template_writes_a_policy(cli_process, example):
    proc = cli_process("write-policy", "--input-file", str(example))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["Statement"]
