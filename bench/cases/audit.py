"""audit on 500 policies, against Cloudsplaining and Parliament.

The same 500 policies (varied: scoped reads and writes, service wildcards, PassRole with
Lambda, NotAction, conditioned Denies, trust-like resource policies) are written untimed before
every run, as a folder of policy files and as the account-authorization-details JSON of the same
policies (each a customer-managed policy attached to its own role), which is what Cloudsplaining
scans. Each tool runs its full audit and writes its whole report.
"""
from __future__ import annotations

import json
from pathlib import Path

from bench import PYTHON, TOOL, Case, Cmd, Faster, MaxMemory, Peer, Under, register_peer

CLOUDSPLAINING = register_peer(Peer("cloudsplaining", "cloudsplaining", "0.9.1", "cloudsplaining",
                                    "cloudsplaining-venv"))
PARLIAMENT = register_peer(Peer("parliament", "parliament", "1.6.4", "parliament", "parliament-venv"))
COUNT = 500
ACCOUNT = "123456789012"
# parliament exits 1 when it finds something (it always does here); the bench takes non-zero as a
# failure, so its own entry point runs with that one status mapped to 0.
PARLIAMENT_MAIN = (
    "import sys\nfrom parliament.cli import main\n"
    "try:\n    status = main(sys.argv)\nexcept SystemExit as exc:\n    status = exc.code\n"
    "sys.exit(0 if status in (None, 0, 1) else status)\n"
)


def _policy(i: int) -> dict:
    """One of a dozen shapes, with names that differ per policy."""
    bucket, table, queue = f"arn:aws:s3:::data-{i}", f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/t{i}", \
        f"arn:aws:sqs:eu-west-1:{ACCOUNT}:q{i}"
    shapes = [
        [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": f"{bucket}/*"},
         {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket}],
        [{"Effect": "Allow",
          "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"],
          "Resource": table}],
        [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        [{"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
          "Resource": "*"}],
        [{"Effect": "Allow", "Action": ["ec2:Describe*", "cloudwatch:Get*", "logs:Describe*"], "Resource": "*"}],
        [{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"},
         {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*",
          "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}],
        [{"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"],
          "Resource": queue}],
        [{"Effect": "Allow", "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
          "Resource": f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{i:08d}-0000-0000-0000-000000000000"}],
        [{"Effect": "Allow",
          "Action": ["iam:CreateAccessKey", "iam:UpdateLoginProfile", "secretsmanager:GetSecretValue"],
          "Resource": "*"}],
        [{"Effect": "Allow", "Action": ["ssm:GetParameter*"],
          "Resource": f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/app{i}/*"},
         {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"}],
        [{"Effect": "Allow", "Action": ["s3:PutBucketPolicy", "s3:PutBucketAcl"], "Resource": bucket},
         {"Effect": "Allow", "Action": "s3:*", "NotResource": f"{bucket}/private/*"}],
        [{"Effect": "Allow", "Action": ["sns:Publish"], "Resource": f"arn:aws:sns:eu-west-1:{ACCOUNT}:topic{i}",
          "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}],
    ]
    statements = [dict(s, Sid=f"S{i}x{n}") for n, s in enumerate(shapes[i % len(shapes)])]
    return {"Version": "2012-10-17", "Statement": statements}


def _write_inputs(tmp: Path, ctx, count: int = COUNT) -> None:
    folder = tmp / "policies"
    folder.mkdir()
    policies, roles = [], []
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    for i in range(count):
        document = _policy(i)
        (folder / f"policy-{i:03d}.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
        arn = f"arn:aws:iam::{ACCOUNT}:policy/policy-{i:03d}"
        policies.append({
            "PolicyName": f"policy-{i:03d}", "PolicyId": f"ANPA{i:016d}", "Arn": arn, "Path": "/",
            "DefaultVersionId": "v1", "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 0, "IsAttachable": True,
            "CreateDate": "2026-01-01T00:00:00Z", "UpdateDate": "2026-01-01T00:00:00Z",
            "PolicyVersionList": [{"Document": document, "VersionId": "v1", "IsDefaultVersion": True,
                                   "CreateDate": "2026-01-01T00:00:00Z"}],
        })
        roles.append({
            "Path": "/", "RoleName": f"role-{i:03d}", "RoleId": f"AROA{i:016d}",
            "Arn": f"arn:aws:iam::{ACCOUNT}:role/role-{i:03d}", "CreateDate": "2026-01-01T00:00:00Z",
            "AssumeRolePolicyDocument": trust, "InstanceProfileList": [], "RolePolicyList": [],
            "AttachedManagedPolicies": [{"PolicyName": f"policy-{i:03d}", "PolicyArn": arn}], "Tags": [],
            "RoleLastUsed": {},
        })
    details = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": roles, "Policies": policies}
    (tmp / "account-details.json").write_text(json.dumps(details), encoding="utf-8")
    (tmp / "out").mkdir()


def _inputs(count: int):
    return lambda tmp, ctx: _write_inputs(tmp, ctx, count)


def _growth(count: int, bar) -> Case:
    """policy_tf alone on a folder of ``count`` policies: with the 500 above, how the cost grows."""
    return Case(f"audit growth: folder of {count:,} policies",
                [TOOL, "audit", "{tmp}/policies", "--fmt", "json", "--fail-on", "none", "--output",
                 "{tmp}/out/audit.json"],
                None, bar=bar, max_rounds=5, expect_output=False, prepare=_inputs(count), timeout=600,
                note="the same dozen shapes, names differing per policy; the report written to a file")


CASES = [
    Case("audit: 500 policies (account details) vs cloudsplaining scan",
         [TOOL, "audit", "{tmp}/account-details.json", "--fmt", "json", "--output", "{tmp}/out/audit.json",
          "--fail-on", "none"],
         [TOOL, "scan", "--input-file", "{tmp}/account-details.json", "--output", "{tmp}/out", "--skip-open-report"],
         peer="cloudsplaining", bar=Faster(5), max_rounds=3, expect_output=False, prepare=_write_inputs, timeout=1800,
         note="the same 500 policies as customer-managed policies, each attached to a role; both write "
              "their full report"),
    Case("audit: folder of 500 policies vs parliament --directory",
         Cmd([TOOL, "audit", "{tmp}/policies", "--fmt", "json", "--fail-on", "none"]),
         [PYTHON, "-c", PARLIAMENT_MAIN, "--directory", "{tmp}/policies", "--include_policy_extension", "json",
          "--json"],
         peer="parliament", bar=Faster(5), max_rounds=5, prepare=_write_inputs, timeout=1800,
         note="policy_tf prints every finding as JSON; parliament prints its findings as JSON lines"),
    _growth(50, None),
    _growth(5_000, (Under(3), MaxMemory(256))),
]
