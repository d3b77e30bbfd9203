"""The account graph: who can become whom, over 1,000 principals, offline.

An account-authorization-details JSON of 600 roles, 300 users and 100 groups is written untimed
before every run: roles trusting services, the account or named users; policies that assume
roles by name and by pattern, pass roles to new functions and instances, take other users'
credentials, join groups, and a few administrators. The timed process reads it, evaluates every
principal's policies, builds the graph and finds every principal's shortest path to an
administrator (policy_tf.analysis.graph), printing how many principals have one.
"""
from __future__ import annotations

import json
from pathlib import Path

from bench import PYTHON, Case, Under

ACCOUNT = "123456789012"
GRAPH = (
    "import sys\nfrom policy_tf.analysis import graph\nfrom policy_tf.analysis.inputs import read\n"
    "found = graph.build(read([sys.argv[1]])).paths()\n"
    "print(len(found), max((len(p.hops) for p in found), default=0))\n"
)


def _arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"


def _doc(*statements) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(actions, resource="*") -> dict:
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


def _trust(principal: dict) -> dict:
    return _doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


def _role(i: int) -> dict:
    shape = i % 6
    admin = [_allow("*")] if i % 60 in (0, 1) else None  # a few administrators, a function role among them
    if shape == 0:
        trust = _trust({"Service": "lambda.amazonaws.com"})
        statements = admin or [_allow(["s3:GetObject"], f"arn:aws:s3:::data-{i}/*")]
    elif shape == 1:  # chains of roles, each assuming the next one of its kind
        trust = _trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
        statements = admin or [_allow(["sts:AssumeRole"], _arn("role", f"role-{(i + 6) % 600}"))]
    elif shape == 2:
        trust = _trust({"AWS": _arn("user", f"user-{i % 300}")})
        statements = [_allow(["iam:PassRole"], _arn("role", f"role-{i - 2}")),
                      _allow(["lambda:CreateFunction", "lambda:InvokeFunction"])]
    elif shape == 3:
        trust = _trust({"Service": "ec2.amazonaws.com"})
        statements = [_allow(["dynamodb:GetItem"], f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/t{i}")]
    elif shape == 4:
        trust = _trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
        statements = [_allow(["iam:CreateAccessKey"], _arn("user", f"user-{i % 300}"))]
    else:
        trust = _trust({"Service": "ecs-tasks.amazonaws.com"})
        statements = [_allow(["sqs:SendMessage"], f"arn:aws:sqs:eu-west-1:{ACCOUNT}:q{i}")]
    return {"RoleName": f"role-{i}", "Arn": _arn("role", f"role-{i}"), "AssumeRolePolicyDocument": trust,
            "AttachedManagedPolicies": [], "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": _doc(*statements)}]}


def _user(i: int) -> dict:
    shape = i % 4
    if shape == 0:
        statements = [_allow(["sts:AssumeRole"], _arn("role", f"role-{(i * 2) % 600}*"))]
    elif shape == 1:
        statements = [_allow(["iam:AddUserToGroup"], _arn("group", f"group-{i % 100}"))]
    elif shape == 2:
        statements = [_allow(["iam:PassRole"], _arn("role", f"role-{(i * 6 + 3) % 600}")), _allow(["ec2:RunInstances"])]
    else:
        statements = [_allow(["s3:ListBucket"], f"arn:aws:s3:::data-{i}")]
    return {"UserName": f"user-{i}", "Arn": _arn("user", f"user-{i}"), "GroupList": [f"group-{i % 100}"],
            "AttachedManagedPolicies": [], "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": _doc(*statements)}]}


def _group(i: int) -> dict:
    return {"GroupName": f"group-{i}", "Arn": _arn("group", f"group-{i}"), "AttachedManagedPolicies": [],
            "GroupPolicyList": [{"PolicyName": "p",
                                 "PolicyDocument": _doc(_allow(["sts:AssumeRole"],
                                                               _arn("role", f"role-{(i * 6 + 1) % 600}")))}]}


def write_account(tmp: Path, ctx=None) -> None:
    details = {"RoleDetailList": [_role(i) for i in range(600)], "UserDetailList": [_user(i) for i in range(300)],
               "GroupDetailList": [_group(i) for i in range(100)], "Policies": []}
    (tmp / "account.json").write_text(json.dumps(details), encoding="utf-8")


CASES = [
    Case("account graph: 1,000 principals under 1 s", [PYTHON, "-c", GRAPH, "{tmp}/account.json"], None, bar=Under(1),
         max_rounds=5, prepare=write_account,
         note="600 roles, 300 users, 100 groups: read, every principal's policies evaluated, graph built, every "
              "shortest path found"),
]
