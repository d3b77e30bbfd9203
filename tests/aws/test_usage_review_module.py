"""terraform/modules/usage-review applied by real Terraform (hashicorp/aws 5.x) against the moto server.

The package is built by `policy_tf usage-review package`; the execution role's policies are
written by the real policy_tf through the policy module's data "external" (the TEST DOUBLE of
hashicorp/external, tests/tfdouble). What the apply created is read back from moto with boto3.
"""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import pytest

pytest.importorskip("moto.server")

from tests.aws_harness import environment, moto_server  # noqa: E402,F401
from tests.terraform.test_terraform_modules import (  # noqa: E402
    _AWS_MIRROR,
    _MISSING_DOUBLE_DEPS,
    _TERRAFORM,
    REPO,
    copy_tree,
    tf,  # noqa: F401 - the fixture
    write_root,
)

requires = [
    pytest.mark.skipif(_TERRAFORM is None, reason="terraform is not on PATH"),
    pytest.mark.skipif(not _AWS_MIRROR.is_dir(), reason="the hashicorp/aws provider mirror is missing"),
    pytest.mark.skipif(bool(_MISSING_DOUBLE_DEPS), reason="the hashicorp/external test double needs: "
                       + ", ".join(_MISSING_DOUBLE_DEPS)),
]


def requires_all(function):
    for mark in reversed(requires):
        function = mark(function)
    return function


ACCOUNT = "123456789012"
NAME = "usage-review"
BUCKET = f"usage-review-{ACCOUNT}-us-east-1"


def provider(endpoint: str) -> dict:
    services = ("iam", "sts", "s3", "lambda", "logs", "events")
    return {"region": "us-east-1", "access_key": "test", "secret_key": "test", "skip_credentials_validation": True,
            "skip_requesting_account_id": True, "skip_metadata_api_check": True, "s3_use_path_style": True,
            "endpoints": {s: endpoint for s in services}}


def client(name: str):
    import boto3

    return boto3.client(name, region_name="us-east-1")


@pytest.fixture(scope="module")
def applied(tf, moto_server, tmp_path_factory):  # noqa: F811
    base = tmp_path_factory.mktemp("usage-review")
    package = base / "build" / "usage-review.zip"
    built = subprocess.run([sys.executable, "-m", "policy_tf", "usage-review", "package", "--output", str(package)],
                           cwd=REPO, capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    with pytest.MonkeyPatch.context() as patch:
        moto_server.reset()
        copy_tree(base / "tree")
        for name, value in environment(moto_server.endpoint).items():
            patch.setenv(name, value)
        root = write_root(base / "root", {
            "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": ">= 5.0.0"}}},
            "provider": {"aws": provider(moto_server.endpoint)},
            "module": {"review": {"source": "../tree/terraform/modules/usage-review", "name": NAME,
                                  "package_file": str(package),
                                  "enforce": True, "exceptions": ["role/break-glass"], "do_not_tag": ["ci-*"],
                                  "always_keep": ["kms:Decrypt"], "log_retention_days": 30,
                                  "policy_tf_command": [sys.executable, "-m", "policy_tf"]}},
            "output": {"review": {"value": "${module.review}"}},
        })
        tf.ok(["init", "-backend=false"], root)
        tf.ok(["apply", "-auto-approve"], root)
        outputs = tf.outputs(root)["review"]
        replan = tf.run(["plan", "-detailed-exitcode"], root)
        yield {"outputs": outputs, "replan": replan, "package": package, "built": built.stderr}


@requires_all
def test_the_package_holds_policy_tf_and_no_boto3(applied):
    names = zipfile.ZipFile(applied["package"]).namelist()
    assert "policy_tf/aws/review_lambda.py" in names and "policy_tf/iamdb/bundled/iam.sqlite3" in names
    assert not any(n.startswith(("boto3/", "botocore/")) or n.endswith((".so", ".pyc")) for n in names)
    assert "source_code_hash" in applied["built"]


@requires_all
def test_the_function_runs_the_review_handler_with_its_configuration(applied):
    function = client("lambda").get_function(FunctionName=NAME)["Configuration"]
    assert function["Handler"] == "policy_tf.aws.review_lambda.handler" and function["Runtime"] == "python3.12"
    variables = function["Environment"]["Variables"]
    assert variables["POLICY_TF_BUCKET"] == BUCKET and variables["POLICY_TF_ENFORCE"] == "true"
    assert variables["POLICY_TF_EXCEPTIONS"] == f"s3://{BUCKET}/config/exceptions.txt"
    assert variables["POLICY_TF_BASE_ACTIONS"] == ""  # not configured: policy_tf's default


@requires_all
def test_the_schedule_starts_the_function_every_90_days(applied):
    events = client("events")
    assert events.describe_rule(Name=NAME)["ScheduleExpression"] == "rate(90 days)"
    targets = events.list_targets_by_rule(Rule=NAME)["Targets"]
    assert [t["Arn"] for t in targets] == [applied["outputs"]["function_arn"]]


@requires_all
def test_the_role_policies_are_least_privilege_from_the_templates(applied):
    iam = client("iam")
    assert sorted(iam.list_role_policies(RoleName=NAME)["PolicyNames"]) == ["attach", "enforce", "review"]
    attach = iam.get_role_policy(RoleName=NAME, PolicyName="attach")["PolicyDocument"]
    boundaries = f"arn:aws:iam::{ACCOUNT}:policy/policy_tf/policy_tf-boundary-*"
    for statement in attach["Statement"]:
        assert statement["Condition"] == {"StringLike": {"iam:PermissionsBoundary": boundaries}}
    review = iam.get_role_policy(RoleName=NAME, PolicyName="review")["PolicyDocument"]
    resources = {r for s in review["Statement"] for r in s["Resource"]}
    assert f"arn:aws:s3:::{BUCKET}/runs/*" in resources and f"arn:aws:s3:::{BUCKET}/config/*" in resources
    assert "*" not in {r for s in review["Statement"] for r in s["Resource"]
                       if s["Action"] != ["iam:ListRoles", "iam:ListUsers"]
                       and s["Action"] != ["iam:GetServiceLastAccessedDetails"]}
    tagging = [s for s in review["Statement"] if "iam:TagRole" in s["Action"]]
    assert tagging[0]["Condition"] == {"ForAllValues:StringLike": {"aws:TagKeys": "policy_tf:*"}}
    assert json.loads(applied["outputs"]["role_policies"]["review"]) == review


@requires_all
def test_the_bucket_is_versioned_encrypted_private_and_holds_the_lists(applied):
    s3 = client("s3")
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert all(s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"].values())
    body = s3.get_object(Bucket=BUCKET, Key="config/exceptions.txt")["Body"].read()
    assert body == b"role/break-glass\n"
    assert sorted(applied["outputs"]["config_urls"]) == ["always-keep", "do-not-tag", "exceptions"]


@requires_all
def test_the_log_group_keeps_logs_for_the_retention_asked(applied):
    groups = client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{NAME}")["logGroups"]
    assert [(g["logGroupName"], g["retentionInDays"]) for g in groups] == [(f"/aws/lambda/{NAME}", 30)]


@requires_all
def test_a_second_plan_changes_nothing(applied):
    assert applied["replan"].returncode == 0, applied["replan"].stdout + applied["replan"].stderr


def test_the_readme_documents_every_input_and_output():
    from tests.terraform.test_terraform_modules import MODULES, _declared

    directory = MODULES / "usage-review"
    readme = (directory / "README.md").read_text(encoding="utf-8")
    for kind in ("variable", "output"):
        for name in _declared(directory, kind):
            assert f"| `{name}` |" in readme, f"usage-review/README.md: {kind} {name} missing from the table"


@requires_all
def test_bad_inputs_are_refused_at_plan_with_the_variable_named(tf, moto_server, tmp_path):  # noqa: F811
    copy_tree(tmp_path / "tree")
    (tmp_path / "review.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    root = write_root(tmp_path / "root", {
        "provider": {"aws": provider(moto_server.endpoint)},
        "module": {"review": {"source": "../tree/terraform/modules/usage-review",
                              "package_file": str(tmp_path / "review.zip"), "schedule_expression": "every 90 days",
                              "bucket_name": "Not_A_Bucket", "log_retention_days": 42, "days": 500,
                              "base_actions": ["not an action"]}},
    })
    tf.ok(["init", "-backend=false"], root)
    proc = tf.run(["plan"], root)
    assert proc.returncode == 1
    text = " ".join(proc.stderr.split())
    for name in ("schedule_expression", "bucket_name", "log_retention_days", "days", "base action"):
        assert f"The {name}" in text or f"Each {name}" in text, (name, text[:3000])


@requires_all
def test_plan_only_gives_the_role_no_permission_to_change_boundaries(tf, moto_server, tmp_path):  # noqa: F811
    copy_tree(tmp_path / "tree")
    (tmp_path / "review.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    root = write_root(tmp_path / "root", {
        "provider": {"aws": provider(moto_server.endpoint)},
        "module": {"review": {"source": "../tree/terraform/modules/usage-review",
                              "package_file": str(tmp_path / "review.zip"),
                              "policy_tf_command": [sys.executable, "-m", "policy_tf"]}},
    })
    tf.ok(["init", "-backend=false"], root)
    tf.ok(["plan", "-out", "plan.tfplan"], root)
    plan = json.loads(tf.ok(["show", "-json", "plan.tfplan"], root).stdout)
    changes = {c["address"]: c["change"]["after"] for c in plan["resource_changes"]}
    policies = {a: v for a, v in changes.items() if a.startswith("module.review.aws_iam_role_policy.")}
    assert list(policies) == ['module.review.aws_iam_role_policy.this["review"]']
    review = json.loads(policies['module.review.aws_iam_role_policy.this["review"]']["policy"])
    actions = {a for s in review["Statement"] for a in s["Action"]}
    assert not {a for a in actions if "PermissionsBoundary" in a or a.startswith("iam:CreatePolicy")}
    function = changes["module.review.aws_lambda_function.this"]
    assert function["environment"][0]["variables"]["POLICY_TF_ENFORCE"] == "false"


@requires_all
def test_the_example_validates(tf, tmp_path):  # noqa: F811
    tree = copy_tree(tmp_path / "tree")
    example = tree / "examples" / "terraform" / "usage-review"
    (example / "build").mkdir()
    (example / "build" / "usage-review.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)  # `usage-review package` first
    tf.ok(["init", "-backend=false"], example)
    report = json.loads(tf.run(["validate", "-json"], example).stdout)
    assert report["valid"] and report["warning_count"] == 0, report["diagnostics"]


@requires_all
@pytest.mark.parametrize("expression", ["rate(1 days)", "rate(7 day)"])
def test_a_rate_takes_the_singular_unit_for_1_and_the_plural_for_more(tf, moto_server, tmp_path, expression):  # noqa: F811
    # EventBridge refuses rate(1 days) and rate(7 day) at apply: the variable refuses them at plan.
    copy_tree(tmp_path / "tree")
    (tmp_path / "review.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    root = write_root(tmp_path / "root", {
        "provider": {"aws": provider(moto_server.endpoint)},
        "module": {"review": {"source": "../tree/terraform/modules/usage-review",
                              "package_file": str(tmp_path / "review.zip"), "schedule_expression": expression}},
    })
    tf.ok(["init", "-backend=false"], root)
    proc = tf.run(["plan"], root)
    assert proc.returncode == 1 and "The schedule_expression" in " ".join(proc.stderr.split())


@requires_all
def test_a_default_bucket_name_longer_than_s3_allows_is_refused_at_plan(tf, moto_server, tmp_path):  # noqa: F811
    # 40 characters of name, the account and a 14-character region: 68 characters, S3 takes 63.
    copy_tree(tmp_path / "tree")
    (tmp_path / "review.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    root = write_root(tmp_path / "root", {
        "provider": {"aws": {**provider(moto_server.endpoint), "region": "ap-southeast-2"}},
        "module": {"review": {"source": "../tree/terraform/modules/usage-review", "name": "r" * 40,
                              "package_file": str(tmp_path / "review.zip"),
                              "policy_tf_command": [sys.executable, "-m", "policy_tf"]}},
    })
    tf.ok(["init", "-backend=false"], root)
    proc = tf.run(["plan"], root)
    text = " ".join(proc.stderr.split())
    assert proc.returncode == 1 and "is not a valid S3 bucket name" in text and "set bucket_name" in text
