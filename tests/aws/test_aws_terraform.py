"""`boundary plan --output-dir` applied by real Terraform (hashicorp/aws) against the moto harness.

The examples/terraform/boundaries example, called as a module without its providers.tf, creates
the boundary policy with the policies-dir module and sets the role's permissions_boundary; the
result is read back from moto with boto3, and a second plan must find nothing to change.
"""
from __future__ import annotations

import json
import shutil

import pytest

pytest.importorskip("moto.server")

from policy_tf.cli import main  # noqa: E402
from tests.aws_harness import FIXTURES_USAGE, environment, iam_client, load_usage, moto_server  # noqa: E402,F401
from tests.terraform.test_terraform_modules import (  # noqa: E402
    _AWS_MIRROR,
    _TERRAFORM,
    copy_tree,
    moto_provider,
    tf,  # noqa: F401 - the fixture
    write_root,
)

pytestmark = [
    pytest.mark.terraform,
    pytest.mark.aws,
    pytest.mark.slow,
    pytest.mark.skipif(_TERRAFORM is None, reason="terraform is not on PATH"),
    pytest.mark.skipif(not _AWS_MIRROR.is_dir(), reason="the hashicorp/aws provider mirror is missing"),
]
ACCOUNT = "123456789012"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


@pytest.fixture(scope="module")
def applied(tf, moto_server, tmp_path_factory):  # noqa: F811
    base = tmp_path_factory.mktemp("boundaries")
    with pytest.MonkeyPatch.context() as patch:
        moto_server.reset()
        for name, value in environment(moto_server.endpoint).items():
            patch.setenv(name, value)
        patch.setattr("policy_tf.aws.advisor.FIRST_POLL", 0.01)
        iam = iam_client()
        iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
        moto_server.usage.update(load_usage(FIXTURES_USAGE))
        assert main(["boundary", "plan", "--output", str(base / "plan.json"), "--output-dir", str(base / "out"),
                     "--min-age-days", "0"]) == 0
        # From here on Terraform manages the role: it creates it afresh, with the boundary.
        iam.delete_role(RoleName="app")
        tree = copy_tree(base / "tree")
        (tree / "examples" / "terraform" / "boundaries" / "providers.tf").unlink()
        root = write_root(base / "root", {
            "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": ">= 4.0.0"}}},
            "provider": {"aws": {"region": "us-east-1", **moto_provider(moto_server.endpoint)}},
            "module": {"example": {"source": "../tree/examples/terraform/boundaries",
                                   "boundaries_dir": str(base / "out"), "role_name": "app"}},
            "output": {"example": {"value": "${module.example}"}},
        })
        tf.ok(["init", "-backend=false"], root)
        tf.ok(["apply", "-auto-approve"], root)
        replan = tf.run(["plan", "-detailed-exitcode"], root)
        role = iam.get_role(RoleName="app")["Role"]
        plan = json.loads((base / "plan.json").read_text())
        yield {"base": base, "role": role, "replan": replan, "plan": plan, "iam": iam}
    shutil.rmtree(base / "tree", ignore_errors=True)


def test_output_dir_holds_one_policy_file_per_boundary_and_the_map(applied):
    out = applied["base"] / "out"
    assert sorted(p.name for p in (out / "policies").iterdir()) == ["policy_tf-boundary-role-app.json"]
    assert json.loads((out / "map.json").read_text())["roles"] == {"app": "policy_tf-boundary-role-app"}


def test_terraform_sets_the_planned_boundary_on_the_role(applied):
    arn = f"arn:aws:iam::{ACCOUNT}:policy/policy_tf/policy_tf-boundary-role-app"
    assert applied["role"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == arn
    iam = applied["iam"]
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    stored = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
    planned = next(e for e in applied["plan"]["accounts"][0]["entities"] if e["name"] == "app")
    assert stored == planned["document"] and planned["policy_arn"] == arn


def test_a_second_plan_finds_nothing_to_change(applied):
    assert applied["replan"].returncode == 0, applied["replan"].stdout + applied["replan"].stderr
