"""download-policies, then audit the folder: policy_tf's own manifest is not a policy, and each
policy is audited once although the folder holds it twice (its file and the account details)."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("moto.server")

from policy_tf.cli import main  # noqa: E402
from tests.aws_harness import aws, iam_client, moto_server  # noqa: E402,F401

ACCOUNT = "123456789012"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
READ = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-reports/*"}]})


@pytest.fixture
def downloaded(aws, tmp_path, capsys):
    iam = iam_client()
    reader = iam.create_policy(PolicyName="Reader", PolicyDocument=READ)["Policy"]["Arn"]
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
    iam.attach_role_policy(RoleName="app", PolicyArn=reader)
    iam.put_role_policy(RoleName="app", PolicyName="logs", PolicyDocument=READ)
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="own", PolicyDocument=READ)
    assert main(["download-policies", "--output", str(tmp_path / "dl"), "--authorization-details"]) == 0
    capsys.readouterr()
    return tmp_path / "dl"


def _audit(capsys, *args) -> tuple:
    code = main(["audit", *args, "--fmt", "json"])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def test_audit_of_a_download_folder_reads_each_policy_once_and_never_the_manifest(downloaded, capsys):
    assert (downloaded / ACCOUNT / "manifest.json").is_file()
    assert (downloaded / ACCOUNT / "account-authorization-details.json").is_file()
    code, report, err = _audit(capsys, str(downloaded))
    assert code == 0, (report, err)
    names = sorted(p["policy"] for p in report["policies"])
    # three real policies (and the role's trust policy), each once: from the account details
    assert names == ["policy/Reader", "role/app/inline/logs", "role/app/trust", "user/alice/inline/own"]
    assert not any(f["code"] in ("MISSING_STATEMENT", "UNKNOWN_POLICY_ELEMENT") for f in report["findings"])


def test_a_download_without_account_details_audits_the_policy_files_but_not_the_manifest(aws, tmp_path, capsys):
    iam = iam_client()
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="app", PolicyName="logs", PolicyDocument=READ)
    assert main(["download-policies", "--output", str(tmp_path / "dl")]) == 0
    capsys.readouterr()
    code, report, _ = _audit(capsys, str(tmp_path / "dl"))
    assert code == 0
    assert [p["policy"] for p in report["policies"]] == [f"{ACCOUNT}/inline/roles/app/logs"]
    code, report, _ = _audit(capsys, str(tmp_path / "dl" / ACCOUNT / "manifest.json"))
    assert code == 0 and report["policies"] == [] and report["findings"] == []
