"""boundary plan / apply / rollback against a real local endpoint, through the CLI."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("moto.server")

from policy_tf.cli import main  # noqa: E402
from tests.aws_harness import FIXTURES_USAGE, aws, iam_client, load_usage, moto_server  # noqa: E402,F401

pytestmark = [pytest.mark.aws, pytest.mark.slow]  # a local moto server

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
USER = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/policy_tf/policy_tf-boundary-role-app"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]})
ANY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


@pytest.fixture
def account(aws, monkeypatch):
    monkeypatch.setattr("policy_tf.aws.advisor.FIRST_POLL", 0.01)
    iam = iam_client()
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="app", PolicyName="all", PolicyDocument=ANY)
    iam.create_user(UserName="alice")
    aws.usage.update(load_usage(FIXTURES_USAGE))
    return aws


def _plan(capsys, tmp_path, *args: str) -> tuple[int, dict, str]:
    path = tmp_path / "plan.json"
    code = main(["boundary", "plan", "--output", str(path), "--min-age-days", "0", *args])
    err = capsys.readouterr().err
    return code, json.loads(path.read_text()) if path.exists() else {}, err


def _entry(plan: dict, arn: str) -> dict:
    return next(e for a in plan["accounts"] for e in a["entities"] if e["arn"] == arn)


def _boundary(kind: str, name: str) -> str | None:
    iam = iam_client()
    item = iam.get_role(RoleName=name)["Role"] if kind == "role" else iam.get_user(UserName=name)["User"]
    return (item.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")


def _allowed(document: dict) -> list[str]:
    return document["Statement"][0]["Action"]


# --- plan ---------------------------------------------------------------------------------------

def test_plan_is_a_dry_run(account, capsys, tmp_path):
    code, plan, err = _plan(capsys, tmp_path)
    assert code == 0 and "dry run" in err
    assert _entry(plan, ROLE)["action"] == "attach"
    assert _boundary("role", "app") is None
    assert account.calls["CreatePolicy"] == 0


def test_boundary_keeps_used_services_and_untracked_actions_not_unused_tracked_ones(account, capsys, tmp_path):
    from policy_tf.writing.minimize import _matcher

    allowed = _allowed(_entry(_plan(capsys, tmp_path)[1], ROLE)["document"])
    grants = lambda action: any(_matcher(pattern)(action) for pattern in allowed)  # noqa: E731
    assert grants("logs:PutLogEvents")  # used, tracked at service level only
    assert grants("s3:ListAllMyBuckets")  # a tracked action, used
    assert grants("s3:GetObject")  # untracked: never cut off
    assert not grants("s3:CreateBucket")  # tracked and unused
    assert not grants("dynamodb:GetItem")  # last used 200 days ago
    assert grants("iam:PassRole")  # always kept: Access Advisor cannot see it
    assert "s3:*" not in allowed and "*" not in allowed


def test_boundary_is_fitted_by_minimizing_never_widening(account, capsys, tmp_path):
    from policy_tf.writing.minimize import _matcher

    # EC2 tracked at action level: hundreds of untracked actions, far over 6,144 characters as a list.
    account.usage[ROLE]["services"].append({"namespace": "ec2", "days_ago": 1, "actions": [
        {"name": "RunInstances", "days_ago": 1}, {"name": "TerminateInstances", "days_ago": None}]})
    entry = _entry(_plan(capsys, tmp_path)[1], ROLE)
    assert entry["size"] <= 6144
    assert any("minimized actions" in note for note in entry["notes"])
    allowed = _allowed(entry["document"])
    assert "ec2:*" not in allowed and "s3:*" not in allowed
    assert not any(_matcher(pattern)("ec2:TerminateInstances") for pattern in allowed)
    assert any(_matcher(pattern)("ec2:DescribeInstances") for pattern in allowed)


def test_an_entity_that_used_nothing_gets_the_base_set(account, capsys, tmp_path):
    base = tmp_path / "base.txt"
    base.write_text("sts:GetCallerIdentity\nec2:DescribeRegions\n")
    entry = _entry(_plan(capsys, tmp_path, "--base-actions", str(base))[1], USER)
    assert _allowed(entry["document"]) == ["ec2:DescribeRegions", "iam:PassRole", "sts:GetCallerIdentity"]


def test_boundary_denies_changing_or_removing_itself(account, capsys, tmp_path):
    statements = _entry(_plan(capsys, tmp_path)[1], ROLE)["document"]["Statement"][1:]
    denied = {a for s in statements if s["Effect"] == "Deny" for a in s["Action"]}
    assert {"iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary", "iam:PutUserPermissionsBoundary",
            "iam:DeleteUserPermissionsBoundary", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion",
            "iam:DeletePolicy", "iam:DeletePolicyVersion"} <= denied
    assert statements[0]["Resource"] == f"arn:aws:iam::{ACCOUNT}:policy/*policy_tf-boundary-*"


def test_plan_shows_the_diff_against_the_current_boundary(account, capsys, tmp_path):
    entry = _entry(_plan(capsys, tmp_path)[1], ROLE)
    assert entry["current_boundary"] is None
    assert "iam:PassRole" in entry["diff"]["added"] and entry["diff"]["removed"] == []
    assert entry["diff"]["unified"][0] == "--- current"


def test_keep_adds_to_every_boundary(account, capsys, tmp_path):
    assert "kms:Decrypt" in _allowed(_entry(_plan(capsys, tmp_path, "--keep", "kms:Decrypt")[1], USER)["document"])


@pytest.mark.parametrize("option", [["--keep", "not an action"], ["--days", "0"]])
def test_bad_options_are_usage_errors(account, capsys, tmp_path, option):
    try:
        code = main(["boundary", "plan", "--output", str(tmp_path / "p.json"), *option])
    except SystemExit as exc:
        code = exc.code
    assert code == 2 and not (tmp_path / "p.json").exists()


# --- safety gates ---------------------------------------------------------------------------------

def test_a_service_linked_role_is_left_alone(account, capsys, tmp_path):
    iam_client().create_role(RoleName="AWSServiceRoleForThing", Path="/aws-service-role/thing.amazonaws.com/",
                             AssumeRolePolicyDocument=TRUST)
    entry = _entry(_plan(capsys, tmp_path)[1], f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/thing.amazonaws.com/"
                                                 "AWSServiceRoleForThing")
    assert entry["action"] == "skip" and "service-linked" in entry["reason"]


def test_a_foreign_boundary_is_replaced_only_on_request(account, capsys, tmp_path):
    iam = iam_client()
    theirs = iam.create_policy(PolicyName="TheirBoundary", PolicyDocument=ANY)["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName="app", PermissionsBoundary=theirs)
    entry = _entry(_plan(capsys, tmp_path)[1], ROLE)
    assert entry["action"] == "skip" and "did not write" in entry["reason"]
    entry = _entry(_plan(capsys, tmp_path, "--replace-foreign")[1], ROLE)
    assert entry["action"] == "attach" and entry["current_boundary"] == theirs
    assert entry["diff"]["removed"] == ["*"]


def test_entities_on_the_exceptions_list_and_too_young_are_left_alone(account, capsys, tmp_path):
    exceptions = tmp_path / "exceptions.txt"
    exceptions.write_text("user/ali*\n")
    plan = _plan(capsys, tmp_path, "--exceptions", str(exceptions))[1]
    assert _entry(plan, USER)["reason"] == "on the exceptions list"
    path = tmp_path / "young.json"
    main(["boundary", "plan", "--output", str(path), "--days", "30"])  # min age: --days
    assert "too new" in _entry(json.loads(path.read_text()), ROLE)["reason"]


def test_stale_or_failed_usage_data_is_not_planned_on(account, capsys, tmp_path):
    account.usage[ROLE]["job_age_hours"] = 72
    account.usage[USER]["job"] = "FAILED"
    code, plan, _ = _plan(capsys, tmp_path)
    assert code == 1  # reported, and the plan still written for the others
    assert "freshness limit" in _entry(plan, ROLE)["reason"]
    assert "FAILED" in _entry(plan, USER)["reason"]


def _assume(role_name: str, monkeypatch) -> None:
    """Run as the role from now on (environment credentials, as any CLI user would)."""
    credentials = __import__("boto3").client("sts", region_name="us-east-1").assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{role_name}", RoleSessionName="ci")["Credentials"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", credentials["SessionToken"])


def test_the_principal_running_policy_tf_is_never_planned(account, capsys, tmp_path, monkeypatch):
    iam_client().create_role(RoleName="deployer", AssumeRolePolicyDocument=TRUST)
    _assume("deployer", monkeypatch)
    entry = _entry(_plan(capsys, tmp_path)[1], f"arn:aws:iam::{ACCOUNT}:role/deployer")
    assert entry["action"] == "skip" and "principal running policy_tf" in entry["reason"]


def test_apply_refuses_the_principal_running_it(account, capsys, tmp_path, monkeypatch):
    iam_client().create_role(RoleName="deployer", AssumeRolePolicyDocument=TRUST)
    account.usage[f"arn:aws:iam::{ACCOUNT}:role/deployer"] = account.usage[ROLE]
    _plan(capsys, tmp_path)  # planned by someone else: deployer is in the plan
    _assume("deployer", monkeypatch)
    assert main(["boundary", "apply", str(tmp_path / "plan.json")]) == 1
    assert "refused  arn:aws:iam::123456789012:role/deployer: the principal running" in capsys.readouterr().err
    assert _boundary("role", "deployer") is None


# --- apply and rollback ---------------------------------------------------------------------------

def test_apply_attaches_exactly_the_planned_boundaries(account, capsys, tmp_path):
    _, plan, _ = _plan(capsys, tmp_path)
    assert main(["boundary", "apply", str(tmp_path / "plan.json")]) == 0
    assert _boundary("role", "app") == BOUNDARY
    assert _boundary("user", "alice") == f"arn:aws:iam::{ACCOUNT}:policy/policy_tf/policy_tf-boundary-user-alice"
    iam = iam_client()
    version = iam.get_policy(PolicyArn=BOUNDARY)["Policy"]["DefaultVersionId"]
    stored = iam.get_policy_version(PolicyArn=BOUNDARY, VersionId=version)["PolicyVersion"]["Document"]
    assert stored == _entry(plan, ROLE)["document"]
    assert (tmp_path / "plan.journal.json").is_file()


def test_apply_refuses_an_entity_that_changed_since_the_plan(account, capsys, tmp_path):
    _plan(capsys, tmp_path)
    iam_client().put_role_policy(RoleName="app", PolicyName="more", PolicyDocument=ANY)
    assert main(["boundary", "apply", str(tmp_path / "plan.json")]) == 1
    assert "changed since the plan" in capsys.readouterr().err
    assert _boundary("role", "app") is None and _boundary("user", "alice") is not None


def test_apply_updates_within_the_five_version_limit(account, capsys, tmp_path):
    iam = iam_client()
    # Five versions from earlier runs, the newest the default and alice's boundary.
    arn = iam.create_policy(PolicyName="policy_tf-boundary-user-alice", Path="/policy_tf/",
                            PolicyDocument=ANY)["Policy"]["Arn"]
    for _ in range(4):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=ANY, SetAsDefault=True)
    iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=arn)
    _, plan, _ = _plan(capsys, tmp_path)
    assert main(["boundary", "apply", str(tmp_path / "plan.json")]) == 0, capsys.readouterr().err
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert sorted(v["VersionId"] for v in versions) == ["v2", "v3", "v4", "v5", "v6"]  # the oldest made room
    default = next(v for v in versions if v["IsDefaultVersion"])["VersionId"]
    assert default == "v6"
    assert iam.get_policy_version(PolicyArn=arn, VersionId="v6")["PolicyVersion"]["Document"] == \
        _entry(plan, USER)["document"]
    assert main(["boundary", "rollback", str(tmp_path / "plan.journal.json")]) == 0
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v5"


def test_rollback_restores_the_previous_boundary_or_none(account, capsys, tmp_path):
    iam = iam_client()
    theirs = iam.create_policy(PolicyName="TheirBoundary", PolicyDocument=ANY)["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName="app", PermissionsBoundary=theirs)
    _plan(capsys, tmp_path, "--replace-foreign")
    main(["boundary", "apply", str(tmp_path / "plan.json"), "--journal", str(tmp_path / "undo.json")])
    assert _boundary("role", "app") == BOUNDARY
    assert main(["boundary", "rollback", str(tmp_path / "undo.json")]) == 0
    assert _boundary("role", "app") == theirs
    assert _boundary("user", "alice") is None
    names = [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]]
    assert names == ["TheirBoundary"]  # the policies apply created are gone


def test_rollback_leaves_alone_a_boundary_changed_since_apply(account, capsys, tmp_path):
    _plan(capsys, tmp_path)
    main(["boundary", "apply", str(tmp_path / "plan.json")])
    iam = iam_client()
    other = iam.create_policy(PolicyName="Other", PolicyDocument=ANY)["Policy"]["Arn"]
    iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=other)
    assert main(["boundary", "rollback", str(tmp_path / "plan.journal.json")]) == 1
    assert _boundary("user", "alice") == other and _boundary("role", "app") is None


@pytest.mark.parametrize("field, value, message", [
    ("document", "everything", "'document' must be a dict"),
    # A plan may only attach policy_tf's own boundary policies.
    ("policy_arn", "arn:aws:iam::aws:policy/AdministratorAccess", "policy_arn must be"),
])
def test_a_tampered_plan_is_refused_before_any_change(account, capsys, tmp_path, field, value, message):
    from policy_tf.aws.records import seal

    _, plan, _ = _plan(capsys, tmp_path)
    _entry(plan, ROLE)[field] = value
    (tmp_path / "plan.json").write_bytes(seal(plan))  # its digest recomputed: the shape checks still refuse it
    assert main(["boundary", "apply", str(tmp_path / "plan.json")]) == 2
    assert message in capsys.readouterr().err
    assert _boundary("role", "app") is None and _boundary("user", "alice") is None


def test_a_malformed_journal_is_refused(account, capsys, tmp_path):
    from policy_tf.aws.records import seal

    journal = tmp_path / "journal.json"
    journal.write_bytes(seal({"format": "policy_tf-boundary-journal/2", "account": ACCOUNT,
                              "created": "2026-01-01T00:00:00+00:00", "accounts": [
                                  {"account": ACCOUNT, "entries": [{"arn": ROLE}]}]}))
    assert main(["boundary", "rollback", str(journal)]) == 2
    assert "each entry needs 'type'" in capsys.readouterr().err
    journal.write_text("{not json")
    assert main(["boundary", "rollback", str(journal)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
