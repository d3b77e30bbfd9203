"""access-advisor (and --tag) against a real local endpoint, through the CLI."""
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
GROUP = f"arn:aws:iam::{ACCOUNT}:group/devs"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


@pytest.fixture
def account(aws, monkeypatch):
    monkeypatch.setattr("policy_tf.aws.advisor.FIRST_POLL", 0.01)  # the harness's jobs finish at once
    iam = iam_client()
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST, Tags=[{"Key": "team", "Value": "blue"}])
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="devs")
    aws.usage.update(load_usage(FIXTURES_USAGE))
    return aws


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["access-advisor", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _entity(report: dict, arn: str) -> dict:
    return next(e for e in report["entities"] if e["arn"] == arn)


def test_report_counts_services_used_within_the_days(account, capsys):
    code, out, _ = _run(capsys, "--days", "90")
    assert code == 0
    role = _entity(json.loads(out), ROLE)
    assert role["type"] == "role"
    assert role["services_granted"] == ["dynamodb", "logs", "s3"]
    assert role["services_used"] == ["logs", "s3"]
    assert role["services_unused"] == ["dynamodb"]
    assert role["coverage_percent"] == 66.7


def test_report_gives_last_access_and_region_per_service(account, capsys):
    s3 = next(s for s in _entity(json.loads(_run(capsys)[1]), ROLE)["services"] if s["namespace"] == "s3")
    assert s3["region"] == "eu-west-1" and s3["last_accessed"].startswith("20")


def test_action_level_jobs_report_each_tracked_action(account, capsys):
    s3 = next(s for s in _entity(json.loads(_run(capsys)[1]), ROLE)["services"] if s["namespace"] == "s3")
    assert [(a["action"], a["used"]) for a in s3["actions"]] == [("s3:CreateBucket", False),
                                                                 ("s3:ListAllMyBuckets", True)]


def test_service_granularity_reports_no_actions(account, capsys):
    role = _entity(json.loads(_run(capsys, "--granularity", "service")[1]), ROLE)
    assert all(s["actions"] == [] and not s["tracked_actions"] for s in role["services"])


def test_group_services_name_the_members_that_used_them(account, capsys):
    group = _entity(json.loads(_run(capsys)[1]), GROUP)
    s3 = next(s for s in group["services"] if s["namespace"] == "s3")
    assert [m["arn"] for m in s3["used_by"]] == [USER]


def test_entities_option_limits_the_kinds(account, capsys):
    report = json.loads(_run(capsys, "--entities", "users")[1])
    assert [e["arn"] for e in report["entities"]] == [USER]


def test_every_page_of_a_job_is_read(account, capsys):
    # The harness answers two services a page; the role has three.
    role = _entity(json.loads(_run(capsys)[1]), ROLE)
    assert len(role["services"]) == 3


def test_a_failed_job_is_reported_once_and_not_polled_again(account, capsys):
    account.usage[ROLE]["job"] = "FAILED"
    code, out, err = _run(capsys, "--entities", "roles")
    assert code == 1
    assert "FAILED" in _entity(json.loads(out), ROLE)["error"] and "FAILED" in err
    assert account.calls["GetServiceLastAccessedDetails"] == 2  # one IN_PROGRESS poll, then FAILED: no more


def test_a_job_older_than_the_freshness_limit_is_refused(account, capsys):
    account.usage[ROLE]["job_age_hours"] = 48
    code, out, _ = _run(capsys, "--entities", "roles", "--max-data-age", "24")
    assert code == 1
    assert "freshness limit" in _entity(json.loads(out), ROLE)["error"]


def test_a_job_that_never_completes_times_out(account, capsys):
    account.usage[ROLE]["in_progress_polls"] = 1000
    code, out, _ = _run(capsys, "--entities", "roles", "--timeout", "1")
    assert code == 1 and "did not complete within 1 s" in _entity(json.loads(out), ROLE)["error"]


def test_throttled_polls_are_retried(account, capsys):
    account.throttle["GetServiceLastAccessedDetails"] = 1
    code, out, _ = _run(capsys, "--entities", "roles")
    assert code == 0 and _entity(json.loads(out), ROLE)["services_used"] == ["logs", "s3"]


def test_table_and_html_formats(account, capsys):
    table = _run(capsys, "--fmt", "table")[1]
    assert table.splitlines()[0].split()[:5] == ["ENTITY", "TYPE", "GRANTED", "USED", "COVERAGE"]
    assert any(line.startswith(ROLE) and "66.7%" in line for line in table.splitlines())
    page = _run(capsys, "--fmt", "html")[1]
    assert page.startswith("<!DOCTYPE html>") and f"<h2>{ROLE}</h2>" in page


def test_days_beyond_the_tracking_period_is_a_usage_error(account, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["access-advisor", "--days", "401"])
    assert exit_info.value.code == 2


# --- --tag ---------------------------------------------------------------------------------------

def _role_tags() -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in iam_client().list_role_tags(RoleName="app")["Tags"]}


def test_tag_writes_namespaced_usage_tags_and_keeps_others(account, capsys):
    assert _run(capsys, "--tag")[0] == 0
    tags = _role_tags()
    assert tags["team"] == "blue"
    assert tags["policy_tf:coverage-percent"] == "66.7"
    assert tags["policy_tf:services-granted"] == "3"
    assert tags["policy_tf:services-unused"] == "dynamodb"
    assert tags["policy_tf:last-audit"].endswith("Z")


def test_tag_removes_its_own_stale_tags_whatever_their_case(account, capsys):
    iam_client().tag_role(RoleName="app", Tags=[{"Key": "POLICY_TF:old-figure", "Value": "1"},
                                                {"Key": "POLICY_TF:Coverage-Percent", "Value": "5"}])
    _run(capsys, "--tag")
    _run(capsys, "--tag")  # a second run renumbers nothing and adds nothing
    keys = sorted(k.lower() for k in _role_tags())
    assert "policy_tf:old-figure" not in keys
    assert keys.count("policy_tf:coverage-percent") == 1
    assert len(keys) == 7


def test_tag_respects_the_50_tag_limit_counting_existing_tags(account, capsys):
    iam_client().tag_role(RoleName="app", Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(46)])
    code, _, err = _run(capsys, "--tag")
    assert code == 0
    tags = _role_tags()
    assert len(tags) == 50
    assert "policy_tf:last-audit" in tags and "policy_tf:services-unused" not in tags
    assert "50-tag limit left out" in err


def test_tag_honours_the_do_not_tag_list_and_reports_groups(account, capsys, tmp_path):
    listing = tmp_path / "do-not-tag.txt"
    listing.write_text("# never tag the app role\nrole/app\n")
    _, _, err = _run(capsys, "--tag", "--do-not-tag", str(listing))
    assert not any(k.startswith("policy_tf:") for k in _role_tags())
    assert f"{ROLE}: not tagged: on the do-not-tag list" in err
    assert f"{GROUP}: not tagged: IAM groups cannot be tagged" in err
    user_tags = {t["Key"] for t in iam_client().list_user_tags(UserName="alice")["Tags"]}
    assert "policy_tf:coverage-percent" in user_tags
