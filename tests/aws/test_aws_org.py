"""Org mode (--accounts FILE / --org with --assume-role-name) against a real local endpoint."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("moto.server")

from policy_tf.cli import main  # noqa: E402
from tests.aws_harness import aws, moto_server  # noqa: E402,F401

pytestmark = [pytest.mark.aws, pytest.mark.slow]  # a local moto server

ACCOUNTS = ["111111111111", "222222222222"]
ANY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _iam_in(account: str):
    """An IAM client in ``account``, through the role policy_tf assumes there too."""
    import boto3

    credentials = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/Audit", RoleSessionName="setup")["Credentials"]
    return boto3.client("iam", region_name="us-east-1", aws_access_key_id=credentials["AccessKeyId"],
                        aws_secret_access_key=credentials["SecretAccessKey"],
                        aws_session_token=credentials["SessionToken"])


@pytest.fixture
def accounts(aws, tmp_path, monkeypatch):
    monkeypatch.setattr("policy_tf.aws.advisor.FIRST_POLL", 0.01)
    for account in ACCOUNTS:
        iam = _iam_in(account)
        iam.create_role(RoleName=f"app-{account[0]}", AssumeRolePolicyDocument=TRUST)
        iam.put_role_policy(RoleName=f"app-{account[0]}", PolicyName="all", PolicyDocument=ANY)
        aws.usage[f"arn:aws:iam::{account}:role/app-{account[0]}"] = {
            "services": [{"namespace": "sqs", "days_ago": 1}]}
    listing = tmp_path / "accounts.txt"
    listing.write_text("# the audited accounts\n" + "\n".join(ACCOUNTS) + "\n")
    return listing


def test_download_runs_in_each_listed_account(accounts, tmp_path, capsys):
    code = main(["download-policies", "--output-dir", str(tmp_path / "out"), "--accounts", str(accounts),
                 "--assume-role-name", "Audit"])
    assert code == 0
    for account in ACCOUNTS:
        assert (tmp_path / "out" / account / "inline" / "roles" / f"app-{account[0]}" / "all.json").is_file()
    err = capsys.readouterr().err
    assert "accounts: 2 done, 0 failed" in err


def test_one_account_failing_does_not_stop_the_others(accounts, tmp_path, capsys, aws):
    aws.denied_accounts.add(ACCOUNTS[1])
    code = main(["download-policies", "--output-dir", str(tmp_path / "out"), "--accounts", str(accounts),
                 "--assume-role-name", "Audit"])
    assert code == 1
    assert (tmp_path / "out" / ACCOUNTS[0] / "manifest.json").is_file()
    err = capsys.readouterr().err
    assert "accounts: 1 done, 1 failed" in err
    assert f"{ACCOUNTS[1]}: FAILED: AccessDenied" in err and f"{ACCOUNTS[0]}: ok" in err


def test_org_runs_in_every_account_of_the_organization(aws, capsys, monkeypatch):
    import boto3

    monkeypatch.setattr("policy_tf.aws.advisor.FIRST_POLL", 0.01)
    organizations = boto3.client("organizations", region_name="us-east-1")
    organizations.create_organization(FeatureSet="ALL")
    organizations.create_account(AccountName="workload", Email="workload@example.com")
    members = sorted(a["Id"] for a in organizations.list_accounts()["Accounts"])
    assert main(["access-advisor", "--org", "--assume-role-name", "Audit", "--entities", "roles"]) == 0
    reports = json.loads(capsys.readouterr().out)["accounts"]
    assert sorted(r["account"] for r in reports) == members and len(members) == 2


def test_boundaries_are_planned_applied_and_rolled_back_across_accounts(accounts, tmp_path, capsys):
    plan = tmp_path / "plan.json"
    assert main(["boundary", "plan", "--output", str(plan), "--min-age-days", "0", "--accounts", str(accounts),
                 "--assume-role-name", "Audit"]) == 0
    assert [a["account"] for a in json.loads(plan.read_text())["accounts"]] == ACCOUNTS
    assert main(["boundary", "apply", str(plan)]) == 0
    for account in ACCOUNTS:
        role = _iam_in(account).get_role(RoleName=f"app-{account[0]}")["Role"]
        assert role["PermissionsBoundary"]["PermissionsBoundaryArn"].startswith(f"arn:aws:iam::{account}:policy/")
    assert main(["boundary", "rollback", str(tmp_path / "plan.journal.json")]) == 0
    for account in ACCOUNTS:
        assert "PermissionsBoundary" not in _iam_in(account).get_role(RoleName=f"app-{account[0]}")["Role"]


def test_accounts_need_a_role_to_assume(accounts, tmp_path, capsys):
    assert main(["download-policies", "--output-dir", str(tmp_path), "--accounts", str(accounts)]) == 2
    assert "--assume-role-name" in capsys.readouterr().err


def test_a_malformed_accounts_file_is_a_usage_error(aws, tmp_path, capsys):
    listing = tmp_path / "accounts.txt"
    listing.write_text("12345\n")
    assert main(["download-policies", "--output-dir", str(tmp_path), "--accounts", str(listing),
                 "--assume-role-name", "Audit"]) == 2
    assert "not 12-digit account IDs: 12345" in capsys.readouterr().err
