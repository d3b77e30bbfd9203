"""Escalation towards named targets, by breadth; self-escalation when the target is the holder."""
from __future__ import annotations

import pytest

from policy_tf.analysis.checks import check_policy
from policy_tf.analysis.model import PolicyInput

ACCOUNT = "123456789012"


def _codes(doc_statements, name="p", principal=None):
    doc = {"Version": "2012-10-17", "Statement": doc_statements}
    return {f.code: f for f in check_policy(PolicyInput("p.json", name, "identity", doc, principal=principal))
            if f.category == "privilege-escalation"}


def _allow(actions, resource):
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


def test_create_policy_version_on_a_pattern_matching_the_policy_itself_is_self_escalation():
    # iam-vulnerable's fn2-ExploitableResourceConstraint
    found = _codes([_allow("iam:CreatePolicyVersion", "arn:aws:iam::*:policy/fn2-*")], name="policy/fn2-exploitable")
    assert "SELF_ESCALATION" in found and "policy/fn2-exploitable" in found["SELF_ESCALATION"].message


@pytest.mark.parametrize("name", ["aws_iam_policy.fn2-exploitable.policy", "module.m.aws_iam_policy.fn2-x.policy"])
def test_plan_and_tf_policy_addresses_are_matched_by_name(name):
    assert "SELF_ESCALATION" in _codes([_allow("iam:CreatePolicyVersion", "arn:aws:iam::*:policy/fn2-*")], name=name)


def test_a_pattern_that_misses_the_policy_is_an_escalation_towards_the_pattern():
    found = _codes([_allow("iam:CreatePolicyVersion", f"arn:aws:iam::{ACCOUNT}:policy/app-*")], name="policy/other")
    assert set(found) == {"ESCALATION_TOWARDS_PATTERN"}
    assert found["ESCALATION_TOWARDS_PATTERN"].extra["targets"] == [f"arn:aws:iam::{ACCOUNT}:policy/app-*"]


def test_update_assume_role_policy_and_assume_role_on_one_role_is_a_takeover_of_that_role():
    found = _codes([_allow(["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"], f"arn:aws:iam::{ACCOUNT}:role/admin")])
    assert found["ESCALATION_TOWARDS_TARGET"].severity == "WARNING"
    assert f"arn:aws:iam::{ACCOUNT}:role/admin" in found["ESCALATION_TOWARDS_TARGET"].message


@pytest.mark.parametrize("principal", ["role/app", "aws_iam_role.app"])
def test_put_role_policy_on_the_holding_role_is_self_escalation(principal):
    found = _codes([_allow("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/app")], name="x", principal=principal)
    assert found["SELF_ESCALATION"].severity == "SECURITY_WARNING"


@pytest.mark.parametrize("account", [ACCOUNT, "${Account}"])  # ${Account}: a Terraform reference's (.tf and plan)
def test_a_target_under_a_path_is_the_holder_of_that_name(account):
    found = _codes([_allow("iam:PutUserPolicy", f"arn:aws:iam::{account}:user/people/ana")], name="x",
                   principal="aws_iam_user.ana")
    assert set(found) == {"SELF_ESCALATION"}


def test_a_role_handed_on_by_name_is_least_privilege_not_a_finding_here():
    found = _codes([_allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/fn"),
                    _allow(["lambda:CreateFunction", "lambda:InvokeFunction"], "*")])
    assert found == {}


def test_pass_role_on_a_pattern_is_an_escalation_towards_every_role_it_matches():
    found = _codes([_allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app-*"), _allow(["ec2:RunInstances"], "*")])
    assert "ESCALATION_TOWARDS_PATTERN" in found
    # every role of the account is every resource of the type: the catalogue method itself
    assert "PRIVESC_PASSROLE_EC2" in _codes([_allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/*"),
                                             _allow(["ec2:RunInstances"], "*")])


def test_on_every_resource_it_is_the_catalogue_method_not_a_target():
    found = _codes([_allow("iam:CreatePolicyVersion", "*")])
    assert set(found) == {"PRIVESC_CREATE_POLICY_VERSION"}


def test_a_managed_policy_targeting_the_role_it_is_attached_to_is_self_escalation(tmp_path):
    import json

    from policy_tf.analysis.audit import audit

    policy = {"Version": "2012-10-17", "Statement": [_allow("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/app")]}
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                      "Action": "sts:AssumeRole"}]}
    details = {"Policies": [{"PolicyName": "edit", "Arn": f"arn:aws:iam::{ACCOUNT}:policy/edit",
                             "DefaultVersionId": "v1",
                             "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": policy}]}],
               "RoleDetailList": [{"RoleName": name, "AssumeRolePolicyDocument": trust, "RolePolicyList": [],
                                   "AttachedManagedPolicies": [{"PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/edit"}]}
                                  for name in ("app", "other")],
               "UserDetailList": [], "GroupDetailList": []}
    path = tmp_path / "account.json"
    path.write_text(json.dumps(details))
    found = [f for f in audit([str(path)]).findings if f.policy == "policy/edit"
             and f.category == "privilege-escalation"]
    assert [f.code for f in found] == ["SELF_ESCALATION"] and "role/app" in found[0].message \
        and "role/other" not in found[0].message
