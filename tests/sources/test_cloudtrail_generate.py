"""generate-template --cloudtrail over hand-written logs: principals, actions, resources, evidence."""
from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import yaml
from cloudtrail_events import ACCOUNT, ALICE, CI_DEPLOY, FIXTURE_LOGS, ORDERS_APP, ROLE, event, write_log

from policy_tf.core.errors import InputError
from policy_tf.sources.cloudtrail.generate import generate, parse_when, write_templates
from policy_tf.writing import template as templates


def data(result, principal: str) -> dict:
    return yaml.safe_load(result.templates[principal])


@pytest.fixture(scope="module")
def fixture_result():
    return generate(str(FIXTURE_LOGS), progress=False)


def test_assumed_role_sessions_collapse_to_the_role_with_its_path(fixture_result):
    assert sorted(fixture_result.templates) == [CI_DEPLOY, ORDERS_APP, ALICE]


def test_s3_data_events_grant_the_object_at_the_level_used(fixture_result):
    read = data(fixture_result, ORDERS_APP)["read"]
    assert "arn:aws:s3:::acme-invoices/2026/11/inv-1.pdf" in read
    assert data(fixture_result, ORDERS_APP)["write"].count("arn:aws:s3:::acme-reports/daily.csv") == 1


def test_an_event_needing_a_mapping_gets_the_mapped_action(fixture_result):
    template = data(fixture_result, ORDERS_APP)
    assert template["list"] == ["arn:aws:s3:::acme-invoices"]  # ListObjectsV2 -> s3:ListBucket
    assert "arn:aws:sqs:eu-west-1:111122223333:order-events" in template["write"]  # SendMessageBatch, queue URL
    assert "arn:aws:lambda:eu-west-1:111122223333:function:pricing" in template["write"]  # Invoke


def test_resources_without_an_arn_are_built_from_request_parameters(fixture_result):
    assert "arn:aws:dynamodb:eu-west-1:111122223333:table/orders" in data(fixture_result, ORDERS_APP)["read"]


def test_an_action_that_supports_only_star_goes_to_wildcard_only(fixture_result):
    assert data(fixture_result, ALICE)["wildcard-only"] == {"single-actions": ["s3:ListAllMyBuckets"]}


def test_an_optional_resource_type_the_event_does_not_name_is_reported_not_widened_to_star(fixture_result):
    # cloudwatch:PutMetricData may name a dataset (October 2026 data): no dataset in the call, so no '*' either.
    assert "wildcard-only" not in data(fixture_result, ORDERS_APP)
    unresolved = fixture_result.evidence.principals[ORDERS_APP].unresolved
    assert "cloudwatch:PutMetricData" in [key[0] for key in unresolved]


def test_denied_calls_are_counted_and_listed_but_not_granted(fixture_result):
    text = fixture_result.templates[ORDERS_APP]
    assert "acme-archive" not in str(data(fixture_result, ORDERS_APP))
    assert "#   s3:PutObject on arn:aws:s3:::acme-archive/daily.csv: 1 call" in text
    assert "1 denied, 1 failed with other errors" in text


def test_a_call_whose_resource_is_unknown_is_reported_not_granted(fixture_result):
    text = fixture_result.templates[ORDERS_APP]
    assert "#   dynamodb:Query (Read): 1 call" in text
    seen = fixture_result.evidence.principals[ORDERS_APP]
    assert not any(action == "dynamodb:Query" for action, _, _ in seen.granted)


def test_events_that_map_to_nothing_are_reported(fixture_result):
    assert "widgets.example.amazonaws.com SpinWidget" in fixture_result.templates[CI_DEPLOY]
    assert "signin.amazonaws.com ConsoleLogin: 1 call" in fixture_result.templates[ALICE]


def test_events_without_a_principal_are_counted_as_skipped(fixture_result):
    assert fixture_result.evidence.skipped == {"call made by an AWS service": 1,
                                                "AwsCloudTrailInsight event (not an API call)": 1}


def test_templates_carry_counts_and_first_and_last_seen(fixture_result):
    text = fixture_result.templates[ORDERS_APP]
    assert "# s3:GetObject: 2 calls, 2026-11-02T08:00:00Z .. 2026-11-02T08:05:00Z" in text
    assert "# Events: 11 calls, 2026-11-02T08:00:00Z .. 2026-11-02T10:04:00Z" in text


def test_every_template_is_read_by_write_policy(fixture_result):
    for principal, text in fixture_result.templates.items():
        assert templates.loads(text, principal)[0].mode == "crud"


def test_principal_filter_keeps_only_that_principal():
    result = generate(str(FIXTURE_LOGS), principals=(CI_DEPLOY,), progress=False)
    assert list(result.templates) == [CI_DEPLOY] and result.missing == []


def test_a_principal_pattern_that_matches_nothing_is_reported():
    result = generate(str(FIXTURE_LOGS), principals=("arn:aws:iam::*:role/nobody",), progress=False)
    assert result.templates == {} and result.missing == ["arn:aws:iam::*:role/nobody"]


def test_since_and_until_keep_events_inside_the_window():
    result = generate(str(FIXTURE_LOGS), since=parse_when("2026-11-04", "--since"), progress=False)
    assert list(result.templates) == [CI_DEPLOY]
    assert data(result, CI_DEPLOY)["read"] == ["arn:aws:s3:::acme-artifacts/build.zip"]
    result = generate(str(FIXTURE_LOGS), until=parse_when("2026-11-03", "--until", end=True), progress=False)
    assert "read" not in data(result, CI_DEPLOY)  # the 11-05 GetObject is outside


def test_since_skips_files_delivered_before_it_without_reading_them(tmp_path):
    old = tmp_path / "AWSLogs" / ACCOUNT / "CloudTrail" / "eu-west-1" / "2026" / "10" / "01" / "x.json.gz"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"not gzip at all")
    result = generate(str(tmp_path), since=parse_when("2026-11-01", "--since"), progress=False)
    assert result.bad_files == [] and result.evidence.files == 0


def test_dates_accept_a_day_or_a_utc_time():
    assert parse_when("2026-11-01", "--since") == "2026-11-01T00:00:00Z"
    assert parse_when("2026-11-01", "--until", end=True) == "2026-11-01T23:59:59Z"
    assert parse_when("2026-11-01T12:00:00+02:00", "--since") == "2026-11-01T10:00:00Z"
    with pytest.raises(InputError, match="--since: expected a date"):
        parse_when("last week", "--since")


def test_actions_mode_lists_the_exact_actions_scoped_to_the_one_account_and_region():
    result = generate(str(FIXTURE_LOGS), principals=(ORDERS_APP,), mode="actions", progress=False)
    template = data(result, ORDERS_APP)
    assert template["actions"] == ["cloudwatch:PutMetricData", "dynamodb:GetItem", "dynamodb:Query",
                                   "lambda:InvokeFunction",
                                   "s3:GetObject", "s3:ListBucket", "s3:PutObject", "sqs:SendMessage"]
    assert (template["account"], template["region"]) == (ACCOUNT, "eu-west-1")


def test_copy_object_reads_the_source_and_writes_the_destination(tmp_path):
    write_log(tmp_path / "a.json.gz", [event("s3.amazonaws.com", "CopyObject", requestParameters={
        "bucketName": "dst", "key": "new.txt", "x-amz-copy-source": "src/old%7Ename.txt?versionId=3"},
        resources=[{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::dst/new.txt"},
                   {"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::src/old~name.txt"}])])
    template = data(generate(str(tmp_path), progress=False), ROLE)
    assert (template["read"], template["write"]) == (["arn:aws:s3:::src/old~name.txt"], ["arn:aws:s3:::dst/new.txt"])


def test_an_object_key_with_whitespace_is_reported_not_granted(tmp_path):
    write_log(tmp_path / "a.json.gz", [event("s3.amazonaws.com", "GetObject", resources=[
        {"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::b/old name.txt"}])])
    result = generate(str(tmp_path), progress=False)
    assert result.templates == {} and result.nothing_granted == [ROLE]
    (key, seen), = result.evidence.principals[ROLE].unresolved.items()
    assert key[0] == "s3:GetObject" and "whitespace" in key[2]


def test_a_name_built_from_a_parameter_with_a_control_character_is_reported_not_granted(tmp_path):
    from policy_tf.sources.cloudtrail.resources import WHITESPACE

    url = f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/jobs\r"  # "jobs\r" must not become queue "jobs"
    write_log(tmp_path / "a.json.gz", [event("sqs.amazonaws.com", "SendMessage", requestParameters={"queueUrl": url})])
    result = generate(str(tmp_path), progress=False)
    assert result.templates == {} and result.nothing_granted == [ROLE]
    (key, _seen), = result.evidence.principals[ROLE].unresolved.items()
    assert key == ("sqs:SendMessage", "Write", WHITESPACE)


def test_a_resource_name_with_iam_wildcards_is_never_granted(tmp_path):
    write_log(tmp_path / "a.json.gz", [
        event("s3.amazonaws.com", "GetObject", resources=[{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::b/*"}]),
        event("s3.amazonaws.com", "GetObject",
              resources=[{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::b/${aws:username}"}]),
    ])
    result = generate(str(tmp_path), progress=False)
    assert result.templates == {} and result.nothing_granted == [ROLE]
    (key, seen), = result.evidence.principals[ROLE].unresolved.items()
    assert key[0] == "s3:GetObject" and "wildcard" in key[2] and seen.count == 2


def test_hostile_event_text_stays_inside_comments(tmp_path):
    write_log(tmp_path / "a.json.gz", [
        event("s3.amazonaws.com", "ListBuckets"),
        event("s3.amazonaws.com", "Evil\nmode: actions\nactions: ['*']"),
    ])
    text = generate(str(tmp_path), progress=False).templates[ROLE]
    assert yaml.safe_load(text) == {"mode": "crud", "name": "app",
                                    "wildcard-only": {"single-actions": ["s3:ListAllMyBuckets"]}}


def test_an_object_key_with_yaml_syntax_is_quoted(tmp_path):
    arn = 'arn:aws:s3:::b/a:"b"#c,[d]&e\u00e9'
    write_log(tmp_path / "a.json.gz",
              [event("s3.amazonaws.com", "GetObject", resources=[{"type": "AWS::S3::Object", "ARN": arn}])])
    assert data(generate(str(tmp_path), progress=False), ROLE)["read"] == [arn]


def test_bad_files_are_reported_and_the_others_still_read(tmp_path):
    write_log(tmp_path / "good.json.gz", [event("s3.amazonaws.com", "ListBuckets")])
    (tmp_path / "broken.json.gz").write_bytes(gzip.compress(b'{"Records": [')[:-4])
    (tmp_path / "notjson.json.gz").write_bytes(gzip.compress(b"hello"))
    (tmp_path / "norecords.json").write_text('{"records": []}')
    result = generate(str(tmp_path), progress=False)
    assert list(result.templates) == [ROLE]
    reasons = {Path(b.name).name: b.reason for b in result.bad_files}
    assert sorted(reasons) == ["broken.json.gz", "norecords.json", "notjson.json.gz"]
    assert "not valid JSON" in reasons["notjson.json.gz"] and "'Records'" in reasons["norecords.json"]


def test_a_missing_input_is_an_input_error():
    with pytest.raises(InputError, match="no such file or folder"):
        generate("/nonexistent/trail", progress=False)


def test_templates_are_written_one_file_per_principal(tmp_path, fixture_result):
    written = write_templates(fixture_result.templates, str(tmp_path / "out"))
    assert sorted(Path(p).name for p in written) == [
        "111122223333-role-ci-deploy.yml", "111122223333-role-service-orders-app.yml", "111122223333-user-alice.yml"]


def test_existing_templates_are_kept_without_force(tmp_path, fixture_result):
    out = tmp_path / "out"
    write_templates(fixture_result.templates, str(out))
    (out / "111122223333-user-alice.yml").write_text("# my edits\n")
    with pytest.raises(InputError, match="already exists"):
        write_templates(fixture_result.templates, str(out))
    assert (out / "111122223333-user-alice.yml").read_text() == "# my edits\n"
    write_templates(fixture_result.templates, str(out), force=True)
    assert "mode: crud" in (out / "111122223333-user-alice.yml").read_text()


def test_cli_writes_templates_and_reports_what_it_could_not_grant(cli_process, tmp_path):
    proc = cli_process("generate-template", "--cloudtrail", str(FIXTURE_LOGS), "--output-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert len(list(tmp_path.glob("*.yml"))) == 3
    assert "2 calls whose resource could not be determined" in proc.stderr
    assert "widgets.example.amazonaws.com SpinWidget" in proc.stderr
    assert "1 denied calls" in proc.stderr


def test_cli_exits_2_naming_a_bad_file_after_writing_the_good_ones(cli_process, tmp_path):
    logs = tmp_path / "logs"
    write_log(logs / "good.json.gz", [event("s3.amazonaws.com", "ListBuckets")])
    (logs / "bad.json.gz").write_bytes(b"\x1f\x8bgarbage")
    proc = cli_process("generate-template", "--cloudtrail", str(logs), "--output-dir", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "bad.json.gz: not a valid gzip file" in proc.stderr and "Traceback" not in proc.stderr
    assert len(list((tmp_path / "out").glob("*.yml"))) == 1


def test_cli_bad_date_is_exit_2(cli_process):
    proc = cli_process("generate-template", "--cloudtrail", str(FIXTURE_LOGS), "--since", "yesterday")
    assert proc.returncode == 2 and "--since: expected a date" in proc.stderr


def test_worker_processes_give_the_same_templates(monkeypatch, fixture_result):
    from policy_tf.sources.cloudtrail import scan

    monkeypatch.setattr(scan, "FILES_PER_TASK", 1)  # one task per file: three parts to merge
    result = generate(str(FIXTURE_LOGS), workers=2, progress=False)
    assert result.templates == fixture_result.templates
    assert result.evidence.skipped == fixture_result.evidence.skipped


def test_a_file_too_large_uncompressed_is_refused_without_reading_it_all(tmp_path, monkeypatch):
    from policy_tf.sources.cloudtrail import records

    monkeypatch.setattr(records, "MAX_FILE_BYTES", 1000)
    (tmp_path / "bomb.json.gz").write_bytes(gzip.compress(b'{"Records": [' + b" " * 10_000_000 + b"]}"))
    result = generate(str(tmp_path), workers=1, progress=False)
    assert [b.reason for b in result.bad_files] == ["larger than 0 MiB uncompressed; not a CloudTrail log file"]


def test_events_without_a_time_are_counted_when_a_window_is_given(tmp_path):
    write_log(tmp_path / "a.json.gz", [event("s3.amazonaws.com", "ListBuckets", when=None)])
    result = generate(str(tmp_path), since="2026-11-01T00:00:00Z", progress=False)
    assert result.evidence.skipped == {"no eventTime to compare with --since/--until": 1}


def test_the_public_api_names_the_generator():
    import policy_tf

    assert policy_tf.templates_from_cloudtrail is generate


def test_records_of_the_wrong_shape_are_reported_one_problem_each_and_the_others_still_read(tmp_path):
    write_log(tmp_path / "a.json.gz", [
        event("s3.amazonaws.com", "ListBuckets"),
        event("s3.amazonaws.com", "ListBuckets", eventType=["AwsApiCall"]),
        event("s3.amazonaws.com", "ListBuckets", errorCode={"code": "AccessDenied"}),
        event(7, "ListBuckets"),
        event("s3.amazonaws.com", "ListBuckets", awsRegion=["eu-west-1"]),
        dict(event("s3.amazonaws.com", "ListBuckets"), userIdentity={"type": {"x": 1}}),
        "not an event",
    ])
    result = generate(str(tmp_path), progress=False)
    assert data(result, ROLE)["wildcard-only"] == {"single-actions": ["s3:ListAllMyBuckets"]}
    assert result.evidence.bad_records == {
        "eventType is a list, expected a string": 1, "errorCode is an object, expected a string": 1,
        "eventSource is a number, expected a string": 1, "awsRegion is a list, expected a string": 1,
        "userIdentity.type is an object, expected a string": 1, "the record is a string, expected an object": 1}
    assert result.evidence.first_bad["eventSource is a number, expected a string"].endswith("a.json.gz, record 4")
    assert result.evidence.principals[ROLE].events.count == 1


def test_a_deeply_nested_file_is_a_bad_file_not_a_crash(tmp_path):
    write_log(tmp_path / "good.json.gz", [event("s3.amazonaws.com", "ListBuckets")])
    (tmp_path / "deep.json").write_text("[" * 100_000)
    result = generate(str(tmp_path), progress=False)
    assert list(result.templates) == [ROLE]
    assert [(Path(b.name).name, "nested too deeply" in b.reason) for b in result.bad_files] == [("deep.json", True)]


def test_a_time_holding_yaml_never_becomes_a_grant(tmp_path):
    injection = "0\nwrite:\n  - 'arn:aws:s3:::*'\n#"
    write_log(tmp_path / "a.json.gz", [event("s3.amazonaws.com", "ListBuckets", when=injection)])
    for mode in ("crud", "actions"):
        text = generate(str(tmp_path), mode=mode, progress=False).templates[ROLE]
        loaded = yaml.safe_load(text)
        assert "write" not in loaded and "arn:aws:s3:::*" not in str(loaded)
        assert "0?write:?  - 'arn:aws:s3:::*'?#" in text  # in a comment, on one line
