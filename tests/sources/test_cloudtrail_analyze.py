"""The analyzer counts calls by key and analyses each distinct one once: that must give exactly
the evidence of analysing every record on its own, whatever the records hold."""
from __future__ import annotations

from cloudtrail_events import ACCOUNT, analyzer_parts, event
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_tf.sources.cloudtrail.evidence import Analyzer, Filters

OBJECT, BUCKET = "arn:aws:s3:::acme/k1", "arn:aws:s3:::acme"


def role(name: str, session: str) -> dict:
    return {"type": "AssumedRole", "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/{session}", "accountId": ACCOUNT,
            "sessionContext": {"sessionIssuer": {"type": "Role", "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}"}}}


IDENTITIES = [
    role("app", "s1"), role("app", "s2"), role("ci", "s1"),
    {"type": "IAMUser", "arn": f"arn:aws:iam::{ACCOUNT}:user/alice", "accountId": ACCOUNT},
    {"type": "AWSService", "invokedBy": "s3.amazonaws.com"}, {"type": "AssumedRole", "arn": "x"},
    {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/\u0430lice"},
    {"type": "AssumedRole", "arn": "a", "sessionContext": "oops"}, {"type": {"x": 1}}, {"type": 7},
    {"type": "AssumedRole", "sessionContext": {"sessionIssuer": [1]}}, {"accountId": "12"}, "root", [], None,
]
CALLS = [("s3.amazonaws.com", "GetObject"), ("s3.amazonaws.com", "PutObject"), ("s3.amazonaws.com", "ListBuckets"),
         ("dynamodb.amazonaws.com", "PutItem"), ("sqs.amazonaws.com", "SendMessage"),
         ("\u212ams.amazonaws.com", "Decrypt"),
         ("s3.amazonaws.com", "Get*"), (7, "GetObject"), (["s3"], "x"), (None, None)]
FIELDS = {
    "eventTime": ["2026-11-02T10:00:00Z", "2026-11-01T00:00:00Z", "2026-11-03T23:00:00Z", "", None, 7, ["t"]],
    "errorCode": [None, "AccessDenied", "NoSuchKey", 5, {"c": 1}],
    "readOnly": [None, True, False, "true", 1, 0, 1.0],
    "eventType": [None, "AwsApiCall", "AwsServiceEvent", ["AwsApiCall"]],
    "awsRegion": [None, "eu-west-1", "us-east-1", "eu west", 3],
    "recipientAccountId": [None, ACCOUNT, "", "444455556666", "12"],
    "resources": [None, [{"ARN": OBJECT}], [{"ARN": OBJECT}, {"ARN": BUCKET, "type": "AWS::S3::Bucket"}], [{}],
                  "x", [1], [{"ARN": 5}], [{"ARN": [1]}], {"ARN": OBJECT}],
    "requestParameters": [None, {}, {"bucketName": "acme", "key": "k2"}, {"tableName": "orders", "n": {"x": [1]}},
                          {"queueUrl": f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/jobs"}, "str", [1]],
}


def typed(value, field: str) -> bool:
    """A value the fast reader can type (the containers stay raw JSON: any value)."""
    if field in ("resources", "requestParameters", "userIdentity"):
        return True
    if field == "readOnly":
        return value is None or type(value) is bool
    return value is None or type(value) is str


@st.composite
def records(draw, only_typed: bool = False):
    kind = draw(st.integers(0, 20))
    if kind == 0:
        return draw(st.sampled_from([{}, {"other": 1}] if only_typed else [{}, {"other": 1}, "not a record", 5, None,
                                                                           [1]]))
    calls = [c for c in CALLS if typed(c[0], "") and typed(c[1], "")] if only_typed else CALLS
    source, name = draw(st.sampled_from(calls))
    record = event(source, name)
    record["userIdentity"] = draw(st.sampled_from(IDENTITIES))
    for field, choices in FIELDS.items():
        value = draw(st.sampled_from([c for c in choices if typed(c, field)] if only_typed else choices))
        if value is None and draw(st.booleans()):
            record.pop(field, None)  # absent, not null
        else:
            record[field] = value
    return record


parts = analyzer_parts


def seen(s) -> tuple:
    return s.count, s.first, s.last


def snapshot(evidence) -> dict:
    principals = {}
    for principal, p in evidence.principals.items():
        principals[principal] = (
            seen(p.events), p.read_only, p.denied_calls, p.failed_calls, p.accounts, p.regions, p.partitions,
            *({k: seen(v) for k, v in getattr(p, t).items()} for t in ("granted", "denied", "unresolved", "unmapped")))
    return {"principals": principals, "skipped": dict(evidence.skipped), "bad": dict(evidence.bad_records),
            "first_bad": evidence.first_bad, "records": evidence.records}


def one_by_one(batch: list, filters: Filters) -> dict:
    mapper, finder = parts()
    analyzer = Analyzer(mapper, finder, filters)
    for index, record in enumerate(batch):
        # Each record alone, at its place in the file (the report names where it was).
        known = set(analyzer.evidence.first_bad)
        analyzer.add([record], "f")
        analyzer.flush()
        for problem in set(analyzer.evidence.first_bad) - known:
            analyzer.evidence.first_bad[problem] = f"f, record {index + 1}"
    return snapshot(analyzer.evidence)


def keyed(batch: list, filters: Filters) -> dict:
    mapper, finder = parts()
    analyzer = Analyzer(mapper, finder, filters)
    analyzer.add(batch, "f")
    return snapshot(analyzer.result())


WINDOWS = st.sampled_from([Filters(), Filters(since="2026-11-02T00:00:00Z"),
                           Filters(since="2026-11-01T00:00:00Z", until="2026-11-02T23:59:59Z"),
                           Filters(principals=(f"arn:aws:iam::{ACCOUNT}:role/a*",))])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records(), max_size=25), WINDOWS)
def test_counting_by_key_gives_the_evidence_of_every_record_alone(batch, filters):
    assert keyed(batch, filters) == one_by_one(batch, filters)


def test_repeated_calls_are_analysed_once_with_their_count_and_times():
    batch = [event("s3.amazonaws.com", "ListBuckets", when=w) for w in
             ("2026-11-02T10:00:00Z", "2026-11-01T09:00:00Z", "", "2026-11-03T08:00:00Z")]
    mapper, finder = parts()
    analyzer = Analyzer(mapper, finder, Filters())
    analyzer.add(batch, "f")
    assert len(analyzer._memo) == 1
    (granted,) = analyzer.result().principals[f"arn:aws:iam::{ACCOUNT}:role/app"].granted.values()
    assert seen(granted) == (4, "2026-11-01T09:00:00Z", "2026-11-03T08:00:00Z")


def read_with(data: bytes, fast: bool, filters: Filters, monkeypatch) -> dict:
    from policy_tf.sources.cloudtrail import records as reader

    monkeypatch.setattr(reader, "USE_FAST", fast)
    mapper, finder = parts()
    analyzer = Analyzer(mapper, finder, filters)
    analyzer.add(reader.parse_records(data), "f")
    return snapshot(analyzer.result())


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(records(only_typed=True), max_size=25), WINDOWS, st.booleans())
def test_the_fast_reader_gives_the_evidence_of_the_plain_reader(monkeypatch, batch, filters, ascii_only):
    import json

    import pytest

    pytest.importorskip("msgspec")
    from policy_tf.sources.cloudtrail import records as reader

    monkeypatch.setattr(reader, "USE_FAST", True)
    data = json.dumps({"Records": batch}, ensure_ascii=ascii_only).encode()
    records = reader.parse_records(data)
    assert not records or not isinstance(records[0], dict)  # the fast reader took it
    assert read_with(data, True, filters, monkeypatch) == read_with(data, False, filters, monkeypatch)


def test_the_fast_reader_reads_typed_files_and_leaves_the_others_to_the_plain_reader():
    import pytest

    pytest.importorskip("msgspec")
    from policy_tf.sources.cloudtrail.records import parse_records

    typed = parse_records(b'{"Records": [{"eventName": "GetObject", "userIdentity": {"type": "IAMUser"}}]}')
    assert typed[0].eventName == "GetObject" and bytes(typed[0].userIdentity) == b'{"type": "IAMUser"}'
    assert parse_records(b'{"Records": [{"eventName": 5}]}') == [{"eventName": 5}]
