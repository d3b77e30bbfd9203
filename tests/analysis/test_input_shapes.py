"""Shapes are checked at the boundary: every node of a plan, an account-authorization-details
file and a policy, replaced by a value of every other JSON type, is read without an exception
other than policy_tf's own clean errors (``PolicyTfError``, which the CLI prints as one line)."""
from __future__ import annotations

import copy
import json

import pytest

from policy_tf.core.errors import PolicyTfError

POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "A", "Effect": "Allow", "Action": ["iam:PassRole", "s3:Get*"], "Resource": ["*", "arn:aws:s3:::b/*"],
     "Condition": {"StringEquals": {"aws:PrincipalTag/team": ["a"]}, "Bool": {"aws:SecureTransport": "true"}}},
    {"Effect": "Deny", "NotAction": "s3:*", "NotResource": "arn:aws:s3:::b"}]}
POL, TRUST = json.dumps(POLICY), json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _resource(address, rtype, values, mode="managed") -> dict:
    return {"address": address, "mode": mode, "type": rtype, "name": address.split(".")[-1], "values": values}


PLAN = {
    "format_version": "1.2",
    "planned_values": {"root_module": {"resources": [
        _resource("aws_iam_role.r", "aws_iam_role", {"name": "r", "assume_role_policy": TRUST,
                                                      "inline_policy": [{"name": "i", "policy": POL}]}),
        _resource("aws_iam_policy.p", "aws_iam_policy", {"policy": POL}),
        _resource("aws_iam_role_policy_attachment.a", "aws_iam_role_policy_attachment",
                  {"role": "r", "policy_arn": "arn"}),
        _resource("aws_lambda_permission.l", "aws_lambda_permission", {
            "principal": "s3.amazonaws.com", "action": "lambda:InvokeFunction", "function_name": "f",
            "source_arn": "arn:aws:s3:::b"}),
    ], "child_modules": [{"address": "module.m", "resources": [
        _resource("module.m.aws_iam_policy.q", "aws_iam_policy", {"policy": POL})]}]}},
    "resource_changes": [{"address": "aws_iam_policy.p", "change": {"after_unknown": {"policy": False}}},
                         {"address": "aws_iam_role.r",
                          "change": {"after_unknown": {"inline_policy": [{"policy": False}]}}}],
    "prior_state": {"values": {"root_module": {"resources": [
        _resource("data.aws_iam_policy_document.d", "aws_iam_policy_document", {"json": POL}, "data")]}}},
    "configuration": {"root_module": {
        "resources": [{"address": "aws_iam_role_policy_attachment.a", "expressions": {
            "role": {"references": ["aws_iam_role.r.name", "aws_iam_role.r"]},
            "policy_arn": {"references": ["aws_iam_policy.p.arn"]}}}],
        "module_calls": {"m": {"source": "./m", "module": {"resources": [
            {"address": "aws_iam_policy.q",
             "expressions": {"policy": {"references": ["data.aws_iam_policy_document.d.json"]}}}]}}}}},
}
ACCOUNT = {
    "UserDetailList": [{"UserName": "u", "Arn": "arn:aws:iam::1:user/u",
                        "UserPolicyList": [{"PolicyName": "i", "PolicyDocument": POL}],
                        "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::1:policy/p"}], "GroupList": ["g"]}],
    "GroupDetailList": [{"GroupName": "g", "Arn": "a",
                         "GroupPolicyList": [{"PolicyName": "gi", "PolicyDocument": POLICY}]}],
    "RoleDetailList": [{"RoleName": "r", "Arn": "a", "AssumeRolePolicyDocument": json.loads(TRUST),
                        "RolePolicyList": [{"PolicyName": "ri", "PolicyDocument": POL}],
                        "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::1:policy/p"}]}],
    "Policies": [{"PolicyName": "p", "Arn": "arn:aws:iam::1:policy/p", "DefaultVersionId": "v1",
                  "PolicyVersionList": [{"Document": POL, "VersionId": "v1", "IsDefaultVersion": True}]}],
}
MUTANTS = [None, True, 5, 1.5, "x", [], {}, ["x"], {"x": 1}, [None], [{"x": []}]]


def _paths(node, prefix=()):
    yield prefix
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in children:
        yield from _paths(value, (*prefix, key))


def _mutants(document):
    for path in _paths(document):
        if not path:
            continue
        for value in MUTANTS:
            mutant = copy.deepcopy(document)
            target = mutant
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
            yield path, value, mutant


@pytest.mark.parametrize("document", [PLAN, ACCOUNT], ids=["plan", "account-details"])
def test_every_wrong_type_in_an_audit_input_is_read_cleanly(document, tmp_path):
    from policy_tf.analysis.audit import audit

    path = tmp_path / "input.json"
    for where, value, mutant in _mutants(document):
        path.write_text(json.dumps(mutant))
        try:
            audit([str(path)])
        except PolicyTfError:
            pass
        except Exception as exc:  # noqa: BLE001 - any other exception is the failure, named with its input
            pytest.fail(f"{'.'.join(map(str, where))} = {value!r}: {type(exc).__name__}: {exc}")


def test_every_wrong_type_in_a_policy_is_an_error_or_read(tmp_path):
    from policy_tf.analysis import allowed, validity

    for where, value, mutant in _mutants(POLICY):
        try:
            validity.check(mutant, "p.json")
            allowed.allowed_actions(mutant)
            allowed.expand_policy(mutant)
        except PolicyTfError:
            pass
        except Exception as exc:  # noqa: BLE001 - any other exception is the failure, named with its input
            pytest.fail(f"{'.'.join(map(str, where))} = {value!r}: {type(exc).__name__}: {exc}")
