"""List files from S3 (--exceptions, --do-not-tag, --base-actions, --always-keep), JSON event logs, and
rollback from a journal in S3, through the CLI against the moto server."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("moto.server")

from policy_tf.cli import main  # noqa: E402
from tests.aws_harness import FIXTURES_USAGE, aws, iam_client, load_usage, moto_server  # noqa: E402,F401

ACCOUNT = "123456789012"
BUCKET = "lists"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]})
ANY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
FIELDS = {"msgtype", "entity_type", "entity_name", "service", "authenticated_entities", "message"}


def s3():
    import boto3

    return boto3.client("s3", region_name="us-east-1")


def put(key: str, body: bytes) -> str:
    s3().put_object(Bucket=BUCKET, Key=key, Body=body)
    return f"s3://{BUCKET}/{key}"


@pytest.fixture
def account(aws, monkeypatch):
    monkeypatch.setattr("policy_tf.aws.advisor.FIRST_POLL", 0.01)
    iam = iam_client()
    for name in ("app", "other"):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
        iam.put_role_policy(RoleName=name, PolicyName="all", PolicyDocument=ANY)
    aws.usage.update(load_usage(FIXTURES_USAGE))
    s3().create_bucket(Bucket=BUCKET)
    return aws


def plan(tmp_path, capsys, *args: str) -> tuple[int, dict, str]:
    path = tmp_path / "plan.json"
    code = main(["boundary", "plan", "--output", str(path), "--min-age-days", "0", *args])
    return code, json.loads(path.read_text()) if path.exists() else {}, capsys.readouterr().err


def entry(document: dict, name: str) -> dict:
    return next(e for e in document["accounts"][0]["entities"] if e["name"] == name)


def test_boundary_plan_reads_its_lists_from_s3(account, tmp_path, capsys):
    code, document, err = plan(tmp_path, capsys, "--exceptions", put("exceptions.txt", b"role/other # never\n"),
                               "--base-actions", put("base.json", b'["sts:GetCallerIdentity"]'),
                               "--always-keep", put("keep.txt", b"kms:Decrypt\n"))
    assert code == 0, err
    assert entry(document, "other")["reason"] == "on the exceptions list"
    assert "kms:Decrypt" in entry(document, "app")["document"]["Statement"][0]["Action"]


def test_access_advisor_reads_do_not_tag_from_s3(account, capsys):
    code = main(["access-advisor", "--tag", "--entities", "roles", "--do-not-tag", put("quiet.txt", b"other\n")])
    assert code == 0
    assert "other: not tagged: on the do-not-tag list" in capsys.readouterr().err
    assert iam_client().list_role_tags(RoleName="other")["Tags"] == []


@pytest.mark.parametrize("body, message", [
    (None, "cannot read: NoSuchKey"),
    (b"\xff\xfe role/app", "not a UTF-8 text file"),
    (b"[!!python/object/apply:os.system [echo pwned]]", "s3://lists/list.txt"),
    (b'["a", {"k": 1, "k": 2}]', "duplicate key 'k'"),
    (b'["a", {"k": 1}]', "expected a list of strings"),
    (b"[" * 100 + b"]" * 100, "s3://lists/list.txt"),
])
def test_a_bad_or_missing_s3_list_is_one_clean_error_before_any_change(account, tmp_path, capsys, body, message):
    url = put("list.txt", body) if body is not None else f"s3://{BUCKET}/missing.txt"
    code, document, err = plan(tmp_path, capsys, "--exceptions", url)
    assert code == 2 and document == {} and "Traceback" not in err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and message in errors[0] and "s3://lists/" in errors[0], err
    assert account.calls["GenerateServiceLastAccessedDetails"] == 0


def test_a_missing_do_not_tag_object_stops_tagging_before_any_tag(account, capsys):
    code = main(["access-advisor", "--tag", "--do-not-tag", f"s3://{BUCKET}/nothing.txt"])
    assert code == 2 and "cannot read: NoSuchKey" in capsys.readouterr().err
    assert account.calls["TagRole"] == 0 and account.calls["GenerateServiceLastAccessedDetails"] == 0


def test_an_s3_list_over_the_size_cap_is_refused_while_reading(account, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("policy_tf.safeload.MAX_CHARS", 16)
    code, _, err = plan(tmp_path, capsys, "--exceptions", put("big.txt", b"role/x\n" * 100))
    assert code == 2 and "larger than the 64-byte limit" in err


@pytest.mark.parametrize("url", ["s3://Upper_Case/key", "s3://bucket", "s3://bucket/", "s3://b/key"])
def test_a_malformed_s3_url_is_a_usage_error(url, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["boundary", "plan", "--output", "plan.json", "--exceptions", url])
    assert exc.value.code == 2 and "expected s3://BUCKET/KEY" in capsys.readouterr().err


def test_log_format_json_is_one_object_per_event_with_the_sample_s_fields(account, capsys):
    code = main(["access-advisor", "--tag", "--entities", "roles", "--log-format", "json"])
    assert code == 0
    events = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert events and all(FIELDS <= set(e) for e in events)
    s3_use = next(e for e in events if e["service"] == "s3" and e["entity_name"] == "app")
    assert s3_use["msgtype"] == "detail" and s3_use["entity_type"] == "role" and s3_use["authenticated_entities"] == 1
    assert events[-1]["msgtype"] == "summary" and events[-1]["account"] == ACCOUNT


def test_boundary_plan_log_format_json(account, tmp_path, capsys):
    code, _, err = plan(tmp_path, capsys, "--log-format", "json")
    events = [json.loads(line) for line in err.splitlines()]
    assert code == 0 and {e["status"] for e in events if e["msgtype"] == "detail"} == {"attach"}
    assert events[-1]["msgtype"] == "summary" and events[-1]["planned"] == 2


def test_boundary_rollback_reads_a_review_s_journal_from_s3(account, tmp_path, capsys):
    from policy_tf.aws.eventlog import EventLog
    from policy_tf.aws.review import ReviewConfig, run_review
    from policy_tf.aws.session import session

    summary = run_review(session(), ReviewConfig(bucket=BUCKET, min_age_days=0, enforce=True, tag=False),
                         EventLog("json"), workdir=tmp_path)
    assert summary["applied"] == 2
    capsys.readouterr()
    assert main(["boundary", "rollback", summary["journal"]]) == 0
    assert "rolled back" in capsys.readouterr().err
    assert "PermissionsBoundary" not in iam_client().get_role(RoleName="app")["Role"]
