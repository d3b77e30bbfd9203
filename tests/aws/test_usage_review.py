"""The usage-review Lambda handler, invoked in-process against the moto server (tests/aws_harness.py).

Configuration lists live in S3 as the Terraform module writes them; every run stores its plan
and summary in S3; with enforce it applies, the journal in S3, and a rollback event undoes it
from that journal.
"""
from __future__ import annotations

import json
import types

import pytest

pytest.importorskip("moto.server")

from policy_tf.aws import review_lambda  # noqa: E402
from policy_tf.core.errors import InputError  # noqa: E402
from tests.aws_harness import FIXTURES_USAGE, aws, iam_client, load_usage, moto_server  # noqa: E402,F401

ACCOUNT = "123456789012"
BUCKET = "usage-review-config"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
ANY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/policy_tf/policy_tf-boundary-role-app"
CONFIG = {"exceptions": "role/keep-me\n", "do-not-tag": "quiet  # a comment\n",
          "base-actions": '["sts:GetCallerIdentity", "s3:ListAllMyBuckets"]\n', "always-keep": "kms:Decrypt\n"}


def s3():
    import boto3

    return boto3.client("s3", region_name="us-east-1")


@pytest.fixture
def account(aws, monkeypatch, tmp_path):
    monkeypatch.setattr("policy_tf.aws.advisor.FIRST_POLL", 0.01)
    iam = iam_client()
    for name in ("app", "keep-me", "quiet"):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
        iam.put_role_policy(RoleName=name, PolicyName="all", PolicyDocument=ANY)
    aws.usage.update(load_usage(FIXTURES_USAGE))
    aws.usage[f"arn:aws:iam::{ACCOUNT}:role/quiet"] = {"services": [{"namespace": "sqs", "days_ago": 3}]}
    client = s3()
    client.create_bucket(Bucket=BUCKET)
    client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    for name, text in CONFIG.items():
        client.put_object(Bucket=BUCKET, Key=f"config/{name}.txt", Body=text.encode())
        monkeypatch.setenv(f"POLICY_TF_{name.upper().replace('-', '_')}", f"s3://{BUCKET}/config/{name}.txt")
    monkeypatch.setenv("POLICY_TF_BUCKET", BUCKET)
    monkeypatch.setenv("POLICY_TF_MIN_AGE_DAYS", "0")
    monkeypatch.setenv("POLICY_TF_WORKDIR", str(tmp_path))
    monkeypatch.delenv("POLICY_TF_ENFORCE", raising=False)
    return aws


def invoke(event=None, request_id="req-1"):
    return review_lambda.handler(event or {"source": "aws.events", "detail-type": "Scheduled Event"},
                                 types.SimpleNamespace(aws_request_id=request_id))


def stored(url: str) -> dict:
    bucket, key = url[5:].split("/", 1)
    return json.loads(s3().get_object(Bucket=bucket, Key=key)["Body"].read())


def boundary(name: str) -> str | None:
    return (iam_client().get_role(RoleName=name)["Role"].get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")


def tags(name: str) -> dict:
    return {t["Key"]: t["Value"] for t in iam_client().list_role_tags(RoleName=name)["Tags"]}


def test_a_scheduled_run_tags_and_plans_and_changes_no_boundary(account, capsys):
    summary = invoke()
    assert summary["enforce"] is False and summary["journal"] is None and summary["applied"] == 0
    assert tags("app")["policy_tf:services-used"] == "2" and tags("keep-me")
    assert not any(k.startswith("policy_tf:") for k in tags("quiet"))  # on the do-not-tag list
    plan = stored(summary["plan"])
    entries = {e["name"]: e for e in plan["accounts"][0]["entities"]}
    assert entries["app"]["action"] == "attach" and entries["keep-me"]["reason"] == "on the exceptions list"
    assert "kms:Decrypt" in entries["app"]["document"]["Statement"][0]["Action"]  # always-keep from S3
    assert stored(summary["summary_url"])["planned"] == summary["planned"] == 2
    assert boundary("app") is None and account.calls["PutRolePermissionsBoundary"] == 0
    events = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    detail = next(e for e in events if e["msgtype"] == "detail" and e["service"] == "s3")
    assert detail["entity_type"] == "role" and detail["entity_name"] == "app" and detail["authenticated_entities"] == 1
    assert events[-1]["msgtype"] == "summary" and events[-1]["planned"] == 2


def test_enforce_applies_with_the_journal_in_s3_and_rollback_undoes_it_from_there(account, monkeypatch):
    monkeypatch.setenv("POLICY_TF_ENFORCE", "true")
    summary = invoke()
    assert summary["applied"] == 2 and summary["apply_problems"] == 0
    assert boundary("app") == BOUNDARY and boundary("keep-me") is None
    journal = stored(summary["journal"])
    assert {r["name"] for r in journal["accounts"][0]["entries"]} == {"app", "quiet"}
    result = invoke({"rollback": summary["journal"]}, "req-2")
    assert result["rolled_back"] == 2 and result["problems"] == 0
    assert boundary("app") is None and boundary("quiet") is None
    assert stored(result["summary_url"])["rollback_of"] == summary["journal"]


def test_each_run_keeps_its_own_objects(account):
    first, second = invoke(request_id="aaaa"), invoke(request_id="bbbb")
    assert first["plan"] != second["plan"]
    keys = [o["Key"] for o in s3().list_objects_v2(Bucket=BUCKET, Prefix="runs/")["Contents"]]
    assert len([k for k in keys if k.endswith("/plan.json")]) == 2


def test_a_missing_list_object_stops_the_run_before_any_change(account, monkeypatch, capsys):
    monkeypatch.setenv("POLICY_TF_ENFORCE", "true")
    monkeypatch.setenv("POLICY_TF_EXCEPTIONS", f"s3://{BUCKET}/config/missing.txt")
    with pytest.raises(InputError, match="missing.txt: cannot read: NoSuchKey"):
        invoke()
    assert account.calls["TagRole"] == 0 and account.calls["PutRolePermissionsBoundary"] == 0
    assert "Contents" not in s3().list_objects_v2(Bucket=BUCKET, Prefix="runs/")
    assert json.loads(capsys.readouterr().err.splitlines()[-1])["msgtype"] == "error"


def test_a_rollback_journal_from_another_bucket_is_refused(account):
    with pytest.raises(InputError, match="not in the review's bucket"):
        invoke({"rollback": "s3://another-bucket/runs/x/journal.json"})


@pytest.mark.parametrize("name, value", [("POLICY_TF_DAYS", "0"), ("POLICY_TF_ENFORCE", "maybe"),
                                         ("POLICY_TF_EXCEPTIONS", "/etc/passwd"), ("POLICY_TF_BUCKET", "Bad_Bucket")])
def test_a_bad_setting_is_an_error_naming_it(name, value, monkeypatch):
    monkeypatch.setenv("POLICY_TF_BUCKET", BUCKET)
    monkeypatch.setenv(name, value)
    with pytest.raises(InputError, match=name):
        review_lambda.config_from_environment()


def test_the_package_runs_with_only_the_runtime_s_boto3_beside_it(tmp_path):
    """The zip, unpacked, imports the handler and everything a review uses in an interpreter whose
    only other packages are those the Lambda runtime brings (boto3 and its dependencies)."""
    import subprocess
    import sys
    import zipfile
    from pathlib import Path

    import boto3
    import botocore

    from policy_tf.aws.package import build_package

    info = build_package(tmp_path / "review.zip")
    assert build_package(tmp_path / "again.zip")["sha256_base64"] == info["sha256_base64"]  # reproducible
    zipfile.ZipFile(tmp_path / "review.zip").extractall(tmp_path / "task")
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    site = Path(botocore.__file__).parent.parent
    for name in ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "six.py"):
        if (site / name).exists():
            (runtime / name).symlink_to(site / name)
    assert Path(boto3.__file__).parent.parent == site
    script = ("import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
              "import policy_tf.aws.review_lambda, policy_tf.aws.review\n"
              "from policy_tf.aws.boundary import kept_actions\n"
              "from policy_tf.core.safeload import loads\n"
              "entry = {'services': [{'namespace': 's3', 'used': True, 'tracked_actions': False, 'actions': []}]}\n"
              "assert kept_actions(entry, [], [])[0] == ['s3:*']\n"
              "assert loads('[role/a, b]', 'list') == ['role/a', 'b']\n"
              "print(policy_tf.__file__)\n")
    proc = subprocess.run([sys.executable, "-S", "-c", script, str(tmp_path / "task"), str(runtime)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(tmp_path / "task" / "policy_tf" / "__init__.py")


def test_every_command_in_the_docs_page_parses():
    """docs/usage-review.md's policy_tf commands are ones the CLI accepts, options and all."""
    import re
    import shlex
    from pathlib import Path

    from policy_tf.cli import build_parser

    text = (Path(__file__).resolve().parents[2] / "docs" / "usage-review.md").read_text(encoding="utf-8")
    commands = [" ".join(c.split("#", 1)[0].split()) for c in
                re.findall(r"^policy_tf (.+?)(?<!\\)$", text.replace("\\\n", " "), re.M)]
    assert len(commands) >= 5
    for command in commands:
        argv = shlex.split(command)
        assert build_parser(argv).parse_args(argv).func, command


def _role_policies(tag: bool = True) -> list[dict]:
    """The module's execution-role policies for this account, as the module renders its templates and
    policy_tf writes them (Terraform's templatefile: ${name} interpolations and one %{ if tag } block)."""
    import re
    from pathlib import Path

    import yaml

    from policy_tf.writing.pipeline import write_policy

    folder = Path(__file__).resolve().parents[2] / "terraform" / "modules" / "usage-review" / "templates"
    values = {"roles": f"arn:aws:iam::{ACCOUNT}:role/*", "users": f"arn:aws:iam::{ACCOUNT}:user/*",
              "boundaries": f"arn:aws:iam::{ACCOUNT}:policy/policy_tf/policy_tf-boundary-*",
              "config_objects": f"arn:aws:s3:::{BUCKET}/config/*", "run_objects": f"arn:aws:s3:::{BUCKET}/runs/*",
              "log_streams": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/r:log-stream:*"}
    policies = []
    for name in ("review", "enforce", "attach"):
        text = (folder / f"{name}.yml.tftpl").read_text(encoding="utf-8")
        text = re.sub(r"%\{ if tag ~\}\n(.*?)%\{ endif ~\}\n", lambda m: m.group(1) if tag else "", text, flags=re.S)
        text = re.sub(r"\$\{(\w+)\}", lambda m: values.get(m.group(1), "Policy"), text)
        policies.append(write_policy(yaml.safe_load(text)))
    return policies


def test_the_module_s_role_policies_allow_every_iam_call_of_a_review_apply_and_rollback(account, monkeypatch):
    """moto does not evaluate IAM policies: what the role needs is checked here, call by call."""
    from fnmatch import fnmatchcase

    monkeypatch.setenv("POLICY_TF_ENFORCE", "true")
    account.calls.clear()
    summary = invoke()
    invoke({"rollback": summary["journal"]}, "req-2")
    called = {f"iam:{action}" for action in account.calls}
    assert {"iam:TagRole", "iam:CreatePolicy", "iam:PutRolePermissionsBoundary",
            "iam:DeleteRolePermissionsBoundary", "iam:DeletePolicy"} <= called
    granted = [(s["Action"], s["Resource"]) for p in _role_policies() for s in p["Statement"] if s["Effect"] == "Allow"]
    missing = sorted(a for a in called if not any(fnmatchcase(a, pattern) for actions,
                                                  _ in granted for pattern in actions))
    assert missing == [], missing
    assert all(r == "*" or r.startswith((f"arn:aws:iam::{ACCOUNT}:", f"arn:aws:s3:::{BUCKET}/", "arn:aws:logs:"))
               for _, resources in granted for r in resources)


def test_the_store_never_replaces_a_record_it_did_not_write_in_this_run(account):
    from policy_tf.aws.s3 import S3Store

    store = S3Store(BUCKET, "runs/r1/")
    store.create("plan.json", b"{}")
    with pytest.raises(InputError, match="already exists; policy_tf never replaces"):
        store.create("plan.json", b'{"edited": true}')
    store.replace("journal.json", b"1")
    store.replace("journal.json", b"2")
    assert store.names() == ["journal.json", "plan.json"] and store.read("plan.json") == b"{}"
