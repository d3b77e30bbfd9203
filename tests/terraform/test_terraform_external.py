"""`policy_tf terraform-external`: Terraform's data "external" protocol, run as Terraform runs it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SMALL = '{"mode": "crud", "name": "Small", "read": ["arn:aws:s3:::b-1/*"]}'
BIG = {"mode": "crud", "name": "Big",
       "read": [f"arn:aws:s3:::bucket-{i}/*" for i in range(40)],
       "write": [f"arn:aws:sqs:us-east-1:123456789012:queue-{i}" for i in range(40)]}
RESULT_KEYS = {"policy", "policy_count", "size", "sids", "warnings"}


def _env() -> dict:
    env = dict(os.environ)  # POLICY_TF_HOME comes from conftest's isolated home
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def external(query, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run terraform-external with ``query`` (a dict, or raw text/bytes) on stdin."""
    data = query if isinstance(query, bytes) else (query if isinstance(query, str) else json.dumps(query)).encode()
    return subprocess.run([sys.executable, "-m", "policy_tf", "terraform-external"], input=data,
                          capture_output=True, cwd=cwd, env=_env(), timeout=60)


def write_policy_terraform(path: Path, *options: str) -> str:
    """The `policy` string that `write-policy --fmt terraform` prints."""
    proc = subprocess.run([sys.executable, "-m", "policy_tf", "write-policy", "-i", str(path), "--fmt", "terraform",
                           *options],
                          capture_output=True, env=_env(), timeout=60, check=True)
    return json.loads(proc.stdout)["policy"]


def ok(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout)


def assert_error(proc: subprocess.CompletedProcess, *words: str) -> str:
    err = proc.stderr.decode()
    assert proc.returncode in (1, 2)  # 2: bad input, 1: anything else
    assert proc.stdout == b""
    assert err.startswith("policy_tf: error: ") and err.endswith("\n") and err.count("\n") == 1, err
    for word in words:
        assert word in err
    return err


# --- results ----------------------------------------------------------------------------------


def test_template_string_gives_a_flat_map_of_strings_with_the_documented_keys():
    result = ok(external({"template": SMALL}))
    assert set(result) == RESULT_KEYS
    assert all(isinstance(v, str) for v in result.values())
    policy = json.loads(result["policy"])
    assert policy["Statement"][0]["Resource"] == ["arn:aws:s3:::b-1/*"]
    assert result["policy_count"] == "1" and result["warnings"] == ""


def test_sids_and_size_describe_the_policy():
    result = ok(external({"template": SMALL}))
    policy = json.loads(result["policy"])
    assert result["sids"] == ",".join(s["Sid"] for s in policy["Statement"])
    assert result["size"] == str(len("".join(result["policy"].split())))


def test_yaml_template_string_is_read():
    result = ok(external({"template": "mode: crud\nread:\n  - arn:aws:s3:::b-1/*\n"}))
    assert "arn:aws:s3:::b-1/*" in result["policy"]


@pytest.mark.parametrize("options, flags", [
    ({}, []),
    ({"minimize": "0"}, ["--minimize", "0"]),
    ({"minimize": "5", "fit": "managed"}, ["--minimize", "5", "--fit", "managed"]),
    ({"fit": "inline-role"}, ["--fit", "inline-role"]),
], ids=["plain", "minimize", "minimize-fit", "fit"])
def test_policy_is_byte_identical_to_write_policy_fmt_terraform(tmp_path, options, flags):
    template = REPO / "examples" / "templates" / "ci-deploy-role.yml"
    result = ok(external({"template_file": str(template), **options}))
    assert result["policy"] == write_policy_terraform(template, *flags)


def test_template_file_is_relative_to_the_working_directory(tmp_path):
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "small.yml").write_text(SMALL)
    from_file = ok(external({"template_file": "policies/small.yml"}, cwd=tmp_path))
    assert from_file == ok(external({"template": SMALL}))


def test_minimize_true_false_and_empty_mean_on_off_off():
    template = json.dumps(BIG)
    plain, empty, false = (ok(external({"template": template, **q}))["policy"]
                           for q in ({}, {"minimize": ""}, {"minimize": "false"}))
    zero, true = (ok(external({"template": template, "minimize": v}))["policy"] for v in ("0", "true"))
    assert plain == empty == false
    assert zero == true and zero != plain and "*" in zero


def test_fit_managed_splits_into_a_json_list_and_counts_policies():
    big = dict(BIG, read=[f"arn:aws:s3:::a-rather-long-bucket-name-number-{i}/*" for i in range(400)])
    result = ok(external({"template": json.dumps(big), "fit": "managed"}))
    policies = json.loads(result["policy"])
    assert isinstance(policies, list) and len(policies) > 1
    assert result["policy_count"] == str(len(policies))
    assert len(result["size"].split(",")) == len(policies)
    assert all(int(size) <= 6144 for size in result["size"].split(","))


def test_warnings_are_newline_joined():
    template = {"mode": "crud", "write": ["arn:aws:lambda:eu-west-1:123456789012:function:a:1",
                                          "arn:aws:iot:eu-west-1:123456789012:thinggroup/fleet"]}
    warnings = ok(external({"template": json.dumps(template)}))["warnings"].split("\n")
    assert len(warnings) == 2 and all("share one ARN format" in w for w in warnings)


def test_output_is_byte_stable_across_runs():
    query = {"template_file": str(REPO / "examples" / "templates" / "sqs-sns-worker.yml"), "minimize": "3"}
    first, second = external(query), external(query)
    assert first.returncode == 0 and first.stdout == second.stdout


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("stdin, words", [
    (b"not json", ["JSON object of strings", "invalid JSON"]),
    (b'["template"]', ["JSON object of strings", "got an array"]),
    (b"", ["JSON object of strings", "got nothing"]),
    (b"\xff\xfe", ["JSON object of strings", "not UTF-8"]),
    (b'{"template": 3}', ["query.template: expected a string, got a number"]),
    (b'{"template": null}', ["query.template: expected a string, got null"]),
    (b'{"template": "x", "minimize": true}', ["query.minimize: expected a string, got a boolean"]),
], ids=["not-json", "array", "empty", "not-utf8", "number", "null", "bool"])
def test_stdin_that_is_not_a_json_object_of_strings_is_an_error(stdin, words):
    assert_error(external(stdin), *words)


def test_template_and_template_file_together_is_an_error(tmp_path):
    assert_error(external({"template": SMALL, "template_file": "x.yml"}), "not both")


@pytest.mark.parametrize("query", [{}, {"template": "", "template_file": ""}, {"minimize": "1"}],
                         ids=["empty", "blank", "options-only"])
def test_neither_template_nor_template_file_is_an_error(query):
    assert_error(external(query), "template_file")


def test_unknown_query_key_is_an_error():
    assert_error(external({"template": SMALL, "minimise": "1"}), "'minimise'", "unknown key")


@pytest.mark.parametrize("query, words", [
    ({"minimize": "-1"}, ["query.minimize", "'-1'"]),
    ({"minimize": "lots"}, ["query.minimize"]),
    ({"fit": "huge"}, ["query.fit", "managed"]),
], ids=["negative", "word", "fit"])
def test_bad_option_value_is_an_error(query, words):
    assert_error(external({"template": SMALL, **query}), *words)


def test_bad_template_is_an_error_on_one_line():
    assert_error(external({"template": '{"mode": "crud", "read": [3]}'}), "query.template: read[0]")


def test_template_that_is_not_yaml_is_an_error_on_one_line():
    assert_error(external({"template": "mode: crud\nread: [unclosed\n"}), "not valid YAML")


def test_missing_template_file_is_an_error(tmp_path):
    assert_error(external({"template_file": "nope.yml"}, cwd=tmp_path), "nope.yml", "cannot read")


def test_legacy_template_with_several_policies_is_an_error():
    legacy = {"roles_with_crud_levels": [{"name": "A", "read": ["arn:aws:s3:::a/*"]},
                                         {"name": "B", "read": ["arn:aws:s3:::b/*"]}]}
    assert_error(external({"template": json.dumps(legacy)}), "2 policies", "one template per policy")


def test_legacy_template_with_one_policy_is_written():
    legacy = {"roles_with_crud_levels": [{"name": "A", "read": ["arn:aws:s3:::a/*"]}]}
    assert "arn:aws:s3:::a/*" in ok(external({"template": json.dumps(legacy)}))["policy"]
