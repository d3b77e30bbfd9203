"""Who can become whom: shortest paths to an admin-equivalent principal, each hop with its evidence."""
from __future__ import annotations

import json

import pytest

from policy_tf.analysis import graph
from policy_tf.analysis.audit import audit
from policy_tf.analysis.inputs import read

ACCOUNT = "123456789012"
ADMIN = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]


def arn(kind, name):
    return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"


def trust(*principals):
    stmts = []
    for p in principals:
        key = "Service" if p.endswith(".amazonaws.com") else "AWS"
        stmts.append({"Effect": "Allow", "Principal": {key: p}, "Action": "sts:AssumeRole"})
    return {"Version": "2012-10-17", "Statement": stmts}


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(actions, resource="*"):
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


def account(tmp_path, roles=(), users=(), groups=()):
    """roles: (name, trust doc, [statements]); users: (name, [statements], [groups]); groups: (name, [statements])"""
    details = {
        "RoleDetailList": [{"RoleName": n, "AssumeRolePolicyDocument": t, "AttachedManagedPolicies": [],
                            "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": doc(*s)}] if s else []}
                           for n, t, s in roles],
        "UserDetailList": [{"UserName": n, "GroupList": list(g), "AttachedManagedPolicies": [],
                            "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": doc(*s)}] if s else []}
                           for n, s, g in users],
        "GroupDetailList": [{"GroupName": n, "AttachedManagedPolicies": [],
                             "GroupPolicyList": [{"PolicyName": "p", "PolicyDocument": doc(*s)}] if s else []}
                            for n, s in groups],
        "Policies": [],
    }
    path = tmp_path / "account.json"
    path.write_text(json.dumps(details))
    return str(path)


def plan_file(tmp_path, resources: list) -> str:
    plan = {"format_version": "1.2", "planned_values": {"root_module": {"resources": resources}},
            "resource_changes": []}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    return str(path)


def role_resource(label: str, name: str, trust_doc: dict, policy_name: str, statements: list) -> dict:
    return {"address": f"aws_iam_role.{label}", "mode": "managed", "type": "aws_iam_role", "name": label,
            "values": {"name": name, "assume_role_policy": json.dumps(trust_doc),
                       "inline_policy": [{"name": policy_name, "policy": json.dumps(doc(*statements))}]}}


def paths(path):
    return {p.principal: p for p in graph.build(read([path])).paths()}


def test_one_hop_assume_role_into_an_admin_role_that_trusts_the_account(tmp_path):
    # iam-vulnerable privesc-AssumeRole: a user allowed sts:AssumeRole, a role trusting the account
    found = paths(account(tmp_path, roles=[("admin", trust(f"arn:aws:iam::{ACCOUNT}:root"), ADMIN)],
                          users=[("dev", [allow("sts:AssumeRole")], [])]))
    path = found["user/dev"]
    assert [(h.source, h.target, h.how) for h in path.hops] == [("user/dev", "role/admin", "sts:AssumeRole")]
    assert "trusts arn:aws:iam::123456789012:root" in path.hops[0].evidence \
        and "allows sts:AssumeRole on *" in path.hops[0].evidence


def test_two_hops_assume_then_pass_a_role_to_a_new_function(tmp_path):
    found = paths(account(tmp_path, roles=[
        ("ci", trust(arn("user", "dev")), [allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"])]),
        ("fn-admin", trust("lambda.amazonaws.com"), ADMIN),
    ], users=[("dev", [allow("s3:ListAllMyBuckets")], [])]))
    path = found["user/dev"]
    assert [h.target for h in path.hops] == ["role/ci", "role/fn-admin"]
    assert path.hops[1].how == "PassExistingRoleToNewLambdaThenInvoke" \
        and "lambda.amazonaws.com" in path.hops[1].evidence
    assert found["role/ci"].hops[0].target == "role/fn-admin"


def test_three_and_four_hops_through_credentials_trust_rewrites_a_group_and_an_instance(tmp_path):
    found = paths(account(tmp_path, roles=[
        ("deploy", trust("ec2.amazonaws.com"), [allow(["iam:PassRole", "ec2:RunInstances"])]),
        ("box", trust("ec2.amazonaws.com"), ADMIN),
    ], users=[
        ("a", [allow("iam:CreateAccessKey", arn("user", "b"))], []),
        ("b", [allow("iam:UpdateAssumeRolePolicy", arn("role", "deploy"))], []),
        ("c", [allow("iam:AddUserToGroup", arn("group", "ops"))], []),
    ], groups=[("ops", [allow("iam:CreateAccessKey", arn("user", "a"))])]))
    # deploy can run an instance as box directly; the trust rewrite reaches deploy
    assert [h.target for h in found["user/b"].hops] == ["role/deploy", "role/box"]
    assert [h.target for h in found["user/a"].hops] == ["user/b", "role/deploy", "role/box"]
    assert [h.how for h in found["user/a"].hops] == ["iam:CreateAccessKey", "iam:UpdateAssumeRolePolicy",
                                                     "CreateEC2WithExistingInstanceProfile"]
    assert [h.target for h in found["group/ops"].hops] == ["user/a", "user/b", "role/deploy", "role/box"]
    assert [h.target for h in found["user/c"].hops] == ["group/ops", "user/a", "user/b", "role/deploy", "role/box"]
    assert found["user/c"].hops[0].how == "iam:AddUserToGroup" and "joins group/ops" in found["user/c"].hops[0].evidence


def test_a_role_that_may_rewrite_its_own_policy_is_admin_equivalent(tmp_path):
    found = paths(account(tmp_path,
                          roles=[("ops", trust(arn("user", "dev")), [allow("iam:PutRolePolicy", arn("role", "ops"))])],
                          users=[("dev", [], [])]))
    assert found["user/dev"].admin == "role/ops" and "rewrite its own permissions" in found["user/dev"].why


def test_new_code_in_existing_functions_reaches_roles_that_lambda_assumes(tmp_path):
    found = paths(account(tmp_path, roles=[("fn", trust("lambda.amazonaws.com"), ADMIN)],
                          users=[("dev", [allow("lambda:UpdateFunctionCode")], [])]))
    assert found["user/dev"].hops[0].how == "EditExistingLambdaFunctionWithRole"


@pytest.mark.parametrize("blocker", [
    {"deny": True},          # a Deny on sts:AssumeRole in the user's own policies
    {"trust": True},         # the role trusts another account's principal by name
    {"scoped": True},        # sts:AssumeRole only on another role
])
def test_no_path_when_the_hop_is_not_allowed(tmp_path, blocker):
    statements = [allow("sts:AssumeRole", arn("role", "other") if blocker.get("scoped") else "*")]
    if blocker.get("deny"):
        statements.append({"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"})
    principal = "arn:aws:iam::111122223333:role/elsewhere" if "trust" in blocker else f"arn:aws:iam::{ACCOUNT}:root"
    found = paths(account(tmp_path, roles=[("admin", trust(principal), ADMIN)], users=[("dev", statements, [])]))
    assert "user/dev" not in found


def test_the_audit_reports_the_path_at_the_principals_policy(tmp_path):
    path = account(tmp_path, roles=[("admin", trust(f"arn:aws:iam::{ACCOUNT}:root"), ADMIN)],
                   users=[("dev", [allow("sts:AssumeRole", arn("role", "admin"))], [])])
    found = [f for f in audit([path]).findings if f.code == "PATH_TO_ADMIN"]
    assert [(f.policy, f.severity) for f in found] == [("user/dev", "SECURITY_WARNING")]
    assert "user/dev -> role/admin by sts:AssumeRole" in found[0].message and found[0].line is not None


def test_plan_mode_roles_by_resource_name(tmp_path):
    resources = [
        {"address": "aws_iam_role.admin", "mode": "managed", "type": "aws_iam_role", "name": "admin",
         "values": {"name": "admin", "assume_role_policy": json.dumps(trust(arn("role", "dev"))),
                    "inline_policy": [{"name": "all", "policy": json.dumps(doc(*ADMIN))}]}},
        {"address": "aws_iam_role.dev", "mode": "managed", "type": "aws_iam_role", "name": "dev",
         "values": {"name": "dev", "assume_role_policy": json.dumps(trust("ec2.amazonaws.com")),
                    "inline_policy": [{"name": "read",
                                       "policy": json.dumps(doc(allow("s3:GetObject", "arn:aws:s3:::b/*")))}]}},
    ]
    found = paths(plan_file(tmp_path, resources))
    assert [(h.source, h.target) for h in found["aws_iam_role.dev"].hops] \
        == [("aws_iam_role.dev", "aws_iam_role.admin")]


def test_a_hop_through_a_conditioned_trust_says_so_and_an_impossible_one_is_no_hop(tmp_path):
    conditioned = trust(f"arn:aws:iam::{ACCOUNT}:root")
    conditioned["Statement"][0]["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    found = paths(account(tmp_path, roles=[("admin", conditioned, ADMIN)],
                          users=[("dev", [allow("sts:AssumeRole")], [])]))
    assert "(under a Condition)" in found["user/dev"].hops[0].evidence
    conditioned["Statement"][0]["Condition"] = {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}
    found = paths(account(tmp_path, roles=[("admin", conditioned, ADMIN)],
                          users=[("dev", [allow("sts:AssumeRole")], [])]))
    assert "user/dev" not in found


@pytest.mark.slow
def test_tf_mode_paths_come_from_the_files(tmp_path):
    def enc(document):
        return json.dumps(document)

    (tmp_path / "main.tf").write_text(f"""
resource "aws_iam_role" "admin" {{
  name               = "admin"
  assume_role_policy = jsonencode({enc(trust(arn("role", "dev")))})
}}
resource "aws_iam_role_policy" "all" {{
  role   = aws_iam_role.admin.id
  policy = jsonencode({enc(doc(*ADMIN))})
}}
resource "aws_iam_role" "dev" {{
  name               = "dev"
  assume_role_policy = jsonencode({enc(trust("ec2.amazonaws.com"))})
  inline_policy {{
    name   = "read"
    policy = jsonencode({enc(doc(allow("s3:GetObject", "arn:aws:s3:::b/*")))})
  }}
}}
""")
    found = [f for f in audit([str(tmp_path)]).findings if f.code == "PATH_TO_ADMIN"]
    assert [(f.policy, f.file.endswith("main.tf")) for f in found] == [("aws_iam_role.dev", True)]


def test_editing_the_policies_of_a_role_one_can_assume_is_a_hop_to_an_admin_of_ones_making(tmp_path):
    found = paths(account(tmp_path, roles=[("ops", trust(arn("user", "dev")), [allow("s3:ListAllMyBuckets")])],
                          users=[("dev", [allow("iam:PutRolePolicy", arn("role", "ops"))], []),
                                 ("intern", [allow("iam:CreateAccessKey", arn("user", "dev"))], [])]))
    path = found["user/dev"]
    assert [h.target for h in path.hops] == ["role/ops (rewritten by user/dev)"]
    assert "iam:PutRolePolicy" in path.hops[0].how and "allows iam:PutRolePolicy on" in path.hops[0].evidence
    assert [h.target for h in found["user/intern"].hops] == ["user/dev", "role/ops (rewritten by user/dev)"]
    assert "role/ops" not in found  # the role itself cannot rewrite itself


def tf_role(label: str, name: str, trust_doc: dict, policy_name: str, statements: list) -> str:
    """An aws_iam_role block with one inline policy."""
    return (f'resource "aws_iam_role" "{label}" {{\n  name = "{name}"\n'
            f'  assume_role_policy = jsonencode({json.dumps(trust_doc)})\n'
            f'  inline_policy {{\n    name   = "{policy_name}"\n    policy = '
            f'jsonencode({json.dumps(doc(*statements))})\n  }}\n}}\n')


def _tf_roles(tmp_path, dev_label: str, dev_name: str) -> list:
    """An admin role trusting role/dev, and a second role with the given resource label and IAM name."""
    (tmp_path / "main.tf").write_text(tf_role("admin", "admin", trust(arn("role", "dev")), "all", ADMIN)
                                      + tf_role(dev_label, dev_name, trust("ec2.amazonaws.com"), "read",
                                                [allow("s3:GetObject", "arn:aws:s3:::b/*")]))
    return [f.policy for f in audit([str(tmp_path)]).findings if f.code == "PATH_TO_ADMIN"]


def test_tf_mode_a_trust_names_a_role_by_its_iam_name_not_its_resource_label(tmp_path):
    assert _tf_roles(tmp_path, "developer", "dev") == ["aws_iam_role.developer"]


def test_tf_mode_a_resource_label_that_equals_the_trusted_name_is_not_that_role(tmp_path):
    assert _tf_roles(tmp_path, "dev", "developer") == []


def test_plan_mode_a_trust_names_a_role_by_its_iam_name_not_its_resource_label(tmp_path):
    read_only = [allow("s3:GetObject", "arn:aws:s3:::b/*")]
    resources = [role_resource("admin", "admin", trust(arn("role", "dev")), "all", ADMIN),
                 role_resource("developer", "dev", trust("ec2.amazonaws.com"), "read", read_only),
                 role_resource("dev", "developer", trust("ec2.amazonaws.com"), "read", read_only)]
    assert sorted(paths(plan_file(tmp_path, resources))) == ["aws_iam_role.developer"]


def test_roles_with_no_policy_of_their_own_get_their_path_at_their_trust_policy(tmp_path):
    # iam-vulnerable's privesc-AssumeRole: starting and intermediate roles hold no policy at all
    path = account(tmp_path, roles=[("start", trust(arn("user", "dev")), []),
                                    ("middle", trust(arn("role", "start")), []),
                                    ("end", trust(arn("role", "middle")), ADMIN)],
                   users=[("dev", [allow("s3:ListAllMyBuckets")], [])])
    found = {f.policy: f for f in audit([path]).findings if f.code == "PATH_TO_ADMIN"}
    assert [h[1] for h in found["user/dev"].extra["hops"]] == ["role/start", "role/middle", "role/end"]
    assert [h[1] for h in found["role/start"].extra["hops"]] == ["role/middle", "role/end"]
    assert found["role/start"].file == path and found["role/start"].line is not None
