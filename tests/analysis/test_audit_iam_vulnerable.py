"""iam-vulnerable's tool-testing cases (BishopFox, modules/free-resources/tool-testing), as .tf
fixtures of our own: the false negatives are found, the false positives stay quiet."""
from __future__ import annotations

import json

import pytest

from policy_tf.analysis.audit import audit

TRUST = {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                                                  "Action": "sts:AssumeRole"}]}


def _policy(statement: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": [statement]}


def _tf(tmp_path, policies: dict) -> list:
    """policies: name -> document, each attached to one role and one user."""
    blocks = []
    for name, document in policies.items():
        blocks.append(f'resource "aws_iam_policy" "{name}" {{\n  name   = "{name}"\n  policy = '
                      f'jsonencode({json.dumps(document)})\n}}\n')
    blocks.append('resource "aws_iam_role" "holder" {\n  name = "holder"\n  assume_role_policy = '
                  f'jsonencode({json.dumps(TRUST)})\n}}\n')
    blocks.append('resource "aws_iam_user" "holder" {\n  name = "holder"\n}\n')
    for name in policies:
        blocks.append(f'resource "aws_iam_role_policy_attachment" "{name}_role" {{\n  role       = '
                      'aws_iam_role.holder.name\n'
                      f'  policy_arn = aws_iam_policy.{name}.arn\n}}\n')
        blocks.append(f'resource "aws_iam_user_policy_attachment" "{name}_user" {{\n  user       = '
                      'aws_iam_user.holder.name\n'
                      f'  policy_arn = aws_iam_policy.{name}.arn\n}}\n')
    (tmp_path / "main.tf").write_text("\n".join(blocks))
    result = audit([str(tmp_path)])
    assert not result.errors
    return result.findings


def _escalations(findings, policy):
    return {f.code for f in findings if f.policy == f"aws_iam_policy.{policy}.policy"
            and f.category == "privilege-escalation"}


def test_fn2_a_resource_pattern_that_matches_the_policy_itself(tmp_path):
    found = _tf(tmp_path, {"fn2-exploitable": _policy({"Effect": "Allow", "Action": "iam:CreatePolicyVersion",
                                                       "Resource": "arn:aws:iam::*:policy/fn2-*"})})
    assert "SELF_ESCALATION" in _escalations(found, "fn2-exploitable")


def test_fp4_a_pattern_over_aws_managed_policies_is_not_exploitable(tmp_path):
    found = _tf(tmp_path, {"fp4-constrained": _policy({"Effect": "Allow", "Action": "iam:CreatePolicyVersion",
                                                       "Resource": "arn:aws:iam::aws:policy/fp4-*"})})
    assert _escalations(found, "fp4-constrained") == set()


@pytest.mark.parametrize("operator, live", [("DateGreaterThan", True), ("DateLessThan", False)])
def test_fn3_and_fp5_token_issue_time_conditions(tmp_path, operator, live):
    statement = {"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "*",
                 "Condition": {operator: {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}}
    found = _tf(tmp_path, {"conditioned": _policy(statement)})
    assert ("PRIVESC_CREATE_POLICY_VERSION" in _escalations(found, "conditioned")) is live
    assert ("IMPOSSIBLE_CONDITION" in {f.code for f in found}) is not live


def test_fp2_allow_all_beside_deny_all_on_every_holder_is_neutralised(tmp_path):
    found = _tf(tmp_path, {"allow-all": _policy({"Effect": "Allow", "Action": "*", "Resource": "*"}),
                           "deny-all": _policy({"Effect": "Deny", "Action": "*", "Resource": "*"})})
    codes = {f.code for f in found if f.policy == "aws_iam_policy.allow-all.policy"}
    assert "NEUTRALISED_BY_DENY" in codes and not codes & {"FULL_ADMIN", "PRIVESC_CREATE_POLICY_VERSION"}


def _named_policy_tf(tmp_path, label: str, name: str, resource: str, action: str = "iam:CreatePolicyVersion",
                     role: tuple = ("holder", "holder")) -> set:
    """One managed policy (resource label, IAM name) attached to one role (label, IAM name): its codes."""
    document = json.dumps(_policy({"Effect": "Allow", "Action": action, "Resource": resource}))
    (tmp_path / "main.tf").write_text(
        f'resource "aws_iam_policy" "{label}" {{\n  name   = "{name}"\n  policy = jsonencode({document})\n}}\n'
        f'resource "aws_iam_role" "{role[0]}" {{\n  name = "{role[1]}"\n  assume_role_policy = '
        f'jsonencode({json.dumps(TRUST)})\n}}\n'
        f'resource "aws_iam_role_policy_attachment" "a" {{\n  role       = aws_iam_role.{role[0]}.name\n'
        f'  policy_arn = aws_iam_policy.{label}.arn\n}}\n')
    result = audit([str(tmp_path)])
    assert not result.errors
    return {f.code for f in result.findings if f.category == "privilege-escalation"}


def test_a_pattern_matching_the_policy_s_iam_name_under_another_resource_label_is_self_escalation(tmp_path):
    assert "SELF_ESCALATION" in _named_policy_tf(tmp_path, "this", "fn2-exploitable", "arn:aws:iam::*:policy/fn2-*")


def test_a_pattern_matching_only_the_resource_label_is_not_self_escalation(tmp_path):
    codes = _named_policy_tf(tmp_path, "fn2-label", "app-policy", "arn:aws:iam::*:policy/fn2-*")
    assert "SELF_ESCALATION" not in codes and "ESCALATION_TOWARDS_PATTERN" in codes


def test_put_role_policy_on_the_holding_role_s_iam_name_is_self_escalation(tmp_path):
    codes = _named_policy_tf(tmp_path, "p", "p", "arn:aws:iam::123456789012:role/app", "iam:PutRolePolicy",
                             ("this", "app"))
    assert "SELF_ESCALATION" in codes


def test_fp2_allow_all_beside_deny_all_on_every_holder_does_not_fail_the_ci_gate(tmp_path):
    # the PassRole-on-every-role finding is about a grant too: denied on every holder, it is neutralised
    from policy_tf.analysis.audit import exit_status

    _tf(tmp_path, {"allow-all": _policy({"Effect": "Allow", "Action": "*", "Resource": "*"}),
                   "deny-all": _policy({"Effect": "Deny", "Action": "*", "Resource": "*"})})
    result = audit([str(tmp_path)])
    assert exit_status(result, "security_warning") == 0, [(f.code, f.severity) for f in result.findings
                                                            if f.severity in ("ERROR", "SECURITY_WARNING")]
