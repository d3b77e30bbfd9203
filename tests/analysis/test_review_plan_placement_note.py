"""audit of a plan whose .tf files it cannot find says that its findings sit at line 1 of the plan,
and how to place them (--tf-dir), instead of placing them there without a word."""
from __future__ import annotations

import json

POLICY = json.dumps({"Version": "2012-10-17",
                     "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]})
RESOURCE = {"address": "aws_iam_policy.p", "mode": "managed", "type": "aws_iam_policy", "name": "p",
            "provider_name": "registry.terraform.io/hashicorp/aws", "values": {"name": "p", "policy": POLICY}}
PLAN = {"format_version": "1.2", "terraform_version": "1.11.4",
        "planned_values": {"root_module": {"resources": [RESOURCE]}},
        "resource_changes": [{"address": "aws_iam_policy.p", "mode": "managed", "type": "aws_iam_policy",
                              "name": "p", "change": {"actions": ["create"], "before": None,
                                                      "after": RESOURCE["values"], "after_unknown": {}}}],
        "configuration": {"root_module": {"resources": [{"address": "aws_iam_policy.p", "mode": "managed",
                                                         "type": "aws_iam_policy", "name": "p"}]}}}


def test_a_plan_far_from_its_configuration_gets_a_note_naming_tf_dir(cli, tmp_path, monkeypatch):
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "plan.json").write_text(json.dumps(PLAN))
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("audit", "plans/plan.json")
    assert code == 1 and "plans/plan.json:1:" in out
    assert "plans/plan.json: no .tf files beside the plan" in err and "line 1 of the plan" in err and "--tf-dir" in err


def test_a_malformed_plan_gets_its_finding_and_no_placement_note(cli, tmp_path, monkeypatch):
    (tmp_path / "plan.json").write_text(json.dumps({**PLAN, "configuration": "x"}))
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("audit", "plan.json")
    assert code == 1 and "plan.json:1: ERROR MALFORMED_POLICY" in out and "configuration: expected an object" in out
    assert "line 1 of the plan" not in err
