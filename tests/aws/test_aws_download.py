"""download-policies against a real local endpoint (moto + tests/aws_harness.py), through the CLI."""
from __future__ import annotations

import hashlib
import json

import pytest

pytest.importorskip("moto.server")

from policy_tf.cli import main  # noqa: E402
from tests.aws_harness import aws, iam_client, moto_server  # noqa: E402,F401

pytestmark = [pytest.mark.aws, pytest.mark.slow]  # a local moto server

ACCOUNT = "123456789012"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _policy(*actions: str) -> str:
    return json.dumps({"Version": "2012-10-17",
                       "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]})


@pytest.fixture
def account(aws):
    iam = iam_client()
    reader = iam.create_policy(PolicyName="Reader", PolicyDocument=_policy("s3:GetObject"))["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=reader, PolicyDocument=_policy("s3:GetObject", "s3:ListBucket"),
                              SetAsDefault=True)
    iam.create_policy(PolicyName="Unused", PolicyDocument=_policy("sqs:SendMessage"))
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
    iam.attach_role_policy(RoleName="app", PolicyArn=reader)
    iam.put_role_policy(RoleName="app", PolicyName="logs", PolicyDocument=_policy("logs:PutLogEvents"))
    iam.create_role(RoleName="..", AssumeRolePolicyDocument=TRUST)  # a legal IAM name, not a path
    iam.put_role_policy(RoleName="..", PolicyName="x", PolicyDocument=_policy("sns:Publish"))
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="own", PolicyDocument=_policy("ec2:DescribeInstances"))
    iam.create_group(GroupName="devs")
    iam.attach_group_policy(GroupName="devs", PolicyArn=reader)
    iam.put_group_policy(GroupName="devs", PolicyName="team", PolicyDocument=_policy("kms:Decrypt"))
    return {"reader": reader}


def _files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_download_saves_managed_and_inline_policies_under_the_account(account, tmp_path, capsys):
    assert main(["download-policies", "--output-dir", str(tmp_path)]) == 0
    root = tmp_path / ACCOUNT
    assert _files(root) == ["customer-managed/Reader.json", "inline/groups/devs/team.json", "inline/roles/_../x.json",
                            "inline/roles/app/logs.json", "inline/users/alice/own.json", "manifest.json"]
    assert json.loads((root / "customer-managed/Reader.json").read_text())["Statement"][0]["Action"] == [
        "s3:GetObject", "s3:ListBucket"]
    assert "6 files" in capsys.readouterr().err


def test_manifest_records_arn_version_sha256_and_attachments(account, tmp_path):
    main(["download-policies", "--output-dir", str(tmp_path)])
    root = tmp_path / ACCOUNT
    manifest = json.loads((root / "manifest.json").read_text())
    entry = next(p for p in manifest["policies"] if p["name"] == "Reader")
    assert entry["arn"] == account["reader"] and entry["version_id"] == "v2"
    assert entry["sha256"] == hashlib.sha256((root / entry["file"]).read_bytes()).hexdigest()
    assert entry["attached_to"]["roles"] == [f"arn:aws:iam::{ACCOUNT}:role/app"]
    assert entry["attached_to"]["groups"] == [f"arn:aws:iam::{ACCOUNT}:group/devs"]


def test_unattached_policies_and_old_versions_only_on_request(account, tmp_path):
    main(["download-policies", "--output-dir", str(tmp_path), "--include-unattached", "--all-versions"])
    files = _files(tmp_path / ACCOUNT)
    assert "customer-managed/Unused.json" in files
    assert "customer-managed/Reader.versions/v1.json" in files


def test_a_rerun_leaves_unchanged_files_untouched(account, tmp_path, capsys):
    main(["download-policies", "--output-dir", str(tmp_path)])
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / ACCOUNT).rglob("*.json")}
    capsys.readouterr()
    main(["download-policies", "--output-dir", str(tmp_path)])
    assert {p: p.stat().st_mtime_ns for p in before} == before
    assert "0 written, 6 unchanged" in capsys.readouterr().err


def test_every_page_of_the_authorization_details_is_read(account, tmp_path, aws):
    main(["download-policies", "--output-dir", str(tmp_path)])
    # Six entities and policies, two a page: all three pages were asked for (and their files written).
    assert aws.calls["GetAccountAuthorizationDetails"] == 3


def test_authorization_details_saved_as_the_aws_cli_prints_them(account, tmp_path):
    main(["download-policies", "--output-dir", str(tmp_path), "--authorization-details"])
    text = (tmp_path / ACCOUNT / "account-authorization-details.json").read_text()
    details = json.loads(text)
    assert set(details) == {"UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"}
    assert text.startswith('{\n    "UserDetailList"')  # the CLI indents by four
    role = next(r for r in details["RoleDetailList"] if r["RoleName"] == "app")
    assert role["RolePolicyList"][0]["PolicyDocument"]["Statement"][0]["Action"] == ["logs:PutLogEvents"]
    assert "T" in role["CreateDate"] and role["CreateDate"].endswith("+00:00")


def test_throttling_is_retried_not_fatal(account, tmp_path, aws):
    aws.throttle["GetAccountAuthorizationDetails"] = 1
    assert main(["download-policies", "--output-dir", str(tmp_path)]) == 0
    assert (tmp_path / ACCOUNT / "manifest.json").is_file()


def test_a_policy_gone_from_the_account_is_removed_on_the_next_run(account, tmp_path, capsys):
    main(["download-policies", "--output-dir", str(tmp_path)])
    (tmp_path / ACCOUNT / "notes.txt").write_text("mine")  # not policy_tf's: never touched
    iam_client().delete_role_policy(RoleName="app", PolicyName="logs")
    capsys.readouterr()
    main(["download-policies", "--output-dir", str(tmp_path)])
    assert not (tmp_path / ACCOUNT / "inline/roles/app").exists()
    assert (tmp_path / ACCOUNT / "notes.txt").read_text() == "mine"
    assert "1 removed" in capsys.readouterr().err
