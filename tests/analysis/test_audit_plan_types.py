"""Every AWS provider resource type that carries a policy document: each read from a plan
fixture and from a .tf fixture, as the kind of policy it is; the table checked against the real
provider schema when Terraform and hashicorp/aws are at hand."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from policy_tf.analysis.inputs import read
from policy_tf.analysis.inputs.terraform_plan import read_plan
from policy_tf.analysis.inputs.terraform_types import LAMBDA_PERMISSION, POLICY_ATTRIBUTES

ENTRIES = [(rtype, attr, kind) for rtype, attrs in sorted(POLICY_ATTRIBUTES.items()) for attr, kind in attrs]
MIRROR = "/opt/tf-plugins/registry.terraform.io/hashicorp/aws"


def _document(kind: str) -> dict:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/*"}
    if kind == "trust":
        statement = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    elif kind == "resource":
        statement = {**statement, "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def _values(attr: str, kind: str) -> dict:
    text = json.dumps(_document(kind))
    if "." in attr:
        block, name = attr.split(".")
        return {block: [{name: text}]}
    return {attr: text}


@pytest.mark.parametrize("rtype, attr, kind", ENTRIES, ids=[f"{t}.{a}" for t, a, _ in ENTRIES])
def test_every_policy_attribute_is_read_from_a_plan_as_its_kind(tmp_path, rtype, attr, kind):
    plan = {"format_version": "1.2", "terraform_version": "1.11.4",
            "planned_values": {"root_module": {"resources": [
                {"address": f"{rtype}.x", "mode": "managed", "type": rtype, "name": "x",
                 "values": _values(attr, kind)}]}},
            "resource_changes": [], "configuration": {"root_module": {}}}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    got = read_plan(str(path), plan)
    name = f"{rtype}.x.{attr.replace('.', '.0.')}"
    assert [(p.name, p.kind) for p in got.policies] == [(name, kind)]
    assert got.policies[0].document == _document(kind)


@pytest.mark.parametrize("rtype, attr, kind", [e for e in ENTRIES if "." not in e[1]],
                         ids=[f"{t}.{a}" for t, a, _ in ENTRIES if "." not in a])
def test_every_top_level_policy_attribute_is_read_from_a_tf_file(tmp_path, rtype, attr, kind):
    body = json.dumps(_document(kind))
    (tmp_path / "main.tf").write_text(f'resource "{rtype}" "x" {{\n  {attr} = jsonencode({body})\n}}\n')
    got = read([str(tmp_path)])
    assert [p.kind for p in got.policies if p.name.startswith(f"{rtype}.x")] == [kind], got.errors


def test_a_lambda_permission_becomes_a_resource_policy_statement(tmp_path):
    plan = {"format_version": "1.2", "planned_values": {"root_module": {"resources": [
        {"address": "aws_lambda_permission.p", "mode": "managed", "type": LAMBDA_PERMISSION, "name": "p",
         "values": {"function_name": "app", "principal": "*", "action": "lambda:InvokeFunction",
                    "statement_id": "open"}}]}},
        "resource_changes": []}
    got = read_plan(str(tmp_path / "plan.json"), plan)
    (policy,) = got.policies
    assert policy.kind == "resource"
    assert policy.document["Statement"][0]["Principal"] == "*"


@pytest.mark.terraform
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("terraform") is None or not os.path.isdir(MIRROR),
                    reason="terraform or hashicorp/aws mirror absent")
def test_every_listed_attribute_is_a_string_of_that_resource_in_the_real_provider_schema(tmp_path):
    (tmp_path / "cli.tfrc").write_text('provider_installation {\n  filesystem_mirror {\n    path = "/opt/tf-plugins"\n'
                                       '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n'
                                       '  direct { exclude = ["registry.terraform.io/*/*"] }\n}\n')
    (tmp_path / "main.tf").write_text('terraform {\n  required_providers {\n    aws = { source = '
                                      '"hashicorp/aws" }\n  }\n}\n')
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(tmp_path / "cli.tfrc"), "TF_IN_AUTOMATION": "1",
           "CHECKPOINT_DISABLE": "1"}
    subprocess.run(["terraform", "init", "-input=false", "-backend=false"], cwd=tmp_path, env=env, check=True,
                   capture_output=True, timeout=300)
    done = subprocess.run(["terraform", "providers", "schema", "-json"], cwd=tmp_path, env=env, check=True,
                          capture_output=True, timeout=300)
    schemas = json.loads(done.stdout)["provider_schemas"]["registry.terraform.io/hashicorp/aws"]["resource_schemas"]
    missing = []
    for rtype, attr, _ in ENTRIES + [(LAMBDA_PERMISSION, "principal", None)]:
        block = (schemas.get(rtype) or {}).get("block") or {}
        *blocks, name = attr.split(".")
        for b in blocks:
            block = ((block.get("block_types") or {}).get(b) or {}).get("block") or {}
        if ((block.get("attributes") or {}).get(name) or {}).get("type") != "string":
            missing.append(f"{rtype}.{attr}")
    assert missing == []


PERMISSION_TF = '''resource "aws_lambda_permission" "open" {
  statement_id  = "AllowAll"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.app.function_name
  principal     = PRINCIPAL
}
'''


def test_a_lambda_permission_in_a_tf_file_becomes_its_statement_at_its_line(tmp_path):
    (tmp_path / "main.tf").write_text("\n" + PERMISSION_TF.replace("PRINCIPAL", '"*"'))
    got = read([str(tmp_path)])
    (policy,) = got.policies
    assert (policy.name, policy.kind, policy.line) == ("aws_lambda_permission.open", "resource", 2)
    assert policy.document["Statement"][0]["Principal"] == "*"
    assert policy.document["Statement"][0]["Resource"] == "arn:aws:lambda:*:*:function:*"  # any function stands in


def test_a_lambda_permission_whose_principal_is_a_variable_is_listed_as_not_analyzed(tmp_path):
    (tmp_path / "main.tf").write_text(PERMISSION_TF.replace("PRINCIPAL", "var.caller"))
    got = read([str(tmp_path)])
    assert got.policies == [] and [(n.name, "var.caller" in n.reason) for n in got.not_analyzed] == [
        ("aws_lambda_permission.open", True)]


def test_a_plan_s_lambda_permission_points_at_its_tf_line_beside_the_plan(tmp_path):
    (tmp_path / "main.tf").write_text("\n\n" + PERMISSION_TF.replace("PRINCIPAL", '"*"'))
    plan = {"format_version": "1.2", "planned_values": {"root_module": {"resources": [
        {"address": "aws_lambda_permission.open", "mode": "managed", "type": LAMBDA_PERMISSION, "name": "open",
         "values": {"function_name": "app", "principal": "*", "action": "lambda:InvokeFunction",
                    "statement_id": "AllowAll"}}]}},
        "resource_changes": [], "configuration": {"root_module": {"resources": [
            {"address": "aws_lambda_permission.open", "mode": "managed", "type": LAMBDA_PERMISSION, "name": "open",
             "expressions": {"principal": {"constant_value": "*"}}}]}}}
    (policy,) = read_plan(str(tmp_path / "plan.json"), plan).policies
    assert (policy.file, policy.line) == (str(tmp_path / "main.tf"), 3)
