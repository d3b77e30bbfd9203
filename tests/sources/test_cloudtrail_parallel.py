"""A run over worker processes gives what one process gives: its two phases (count in parts,
then analyse and render by principal) change where the work happens, never the result."""
from __future__ import annotations

import pytest
from cloudtrail_events import ACCOUNT, event, write_log

from policy_tf.sources.cloudtrail import evidence as analysis
from policy_tf.sources.cloudtrail import scan
from policy_tf.sources.cloudtrail.aggregate import Evidence
from policy_tf.sources.cloudtrail.generate import generate


def summary(result) -> dict:
    ev = result.evidence
    return {"templates": result.templates, "nothing": result.nothing_granted, "skipped": dict(ev.skipped),
            "bad": dict(ev.bad_records), "first_bad": ev.first_bad, "records": ev.records, "files": ev.files,
            "not_granted": ev.not_granted(), "principals": sorted(ev.principals),
            "evidence": sorted(p.plain() for p in ev.principals.values())}


def logs(folder, files: int = 6) -> str:
    """``files`` log files where several roles call S3, KMS and SQS, some denied, some ill-shaped,
    some by AWS services: calls repeat within and across files."""
    for f in range(files):
        records = []
        for i in range(40):
            role = f"app-{(f + i) % 5}"
            records.append(event("s3.amazonaws.com", "GetObject" if i % 3 else "PutObject", role=role,
                                 when=f"2026-11-0{1 + f % 3}T0{i % 10}:00:00Z",
                                 resources=[{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::b-{role}/k{i % 7}"}]))
            records.append(event("kms.amazonaws.com", "Decrypt", role=role, errorCode="AccessDenied" if i % 4 else None,
                                 resources=[{"ARN": f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/k-{i % 2}"}]))
        records.append(event(7, "ListBuckets"))                        # ill-shaped: in every file
        records.append(event("sqs.amazonaws.com", "SendMessage", eventType=["x"]) if f == 4 else {})
        records.append(dict(event("kms.amazonaws.com", "GenerateDataKey"),
                            userIdentity={"type": "AWSService", "invokedBy": "s3.amazonaws.com"}))
        write_log(folder / f"f{f:02d}.json.gz", records)
    return str(folder)


@pytest.fixture()
def one_process(tmp_path):
    return summary(generate(logs(tmp_path), workers=1, progress=False)), tmp_path


def test_two_workers_give_what_one_process_gives(one_process):
    expected, folder = one_process
    assert summary(generate(str(folder), workers=2, progress=False)) == expected


def test_three_workers_split_principals_three_ways_and_still_agree(one_process):
    expected, folder = one_process
    assert summary(generate(str(folder), workers=3, progress=False)) == expected


def test_the_first_ill_shaped_record_named_is_the_earliest_in_file_order(one_process):
    expected, _folder = one_process
    assert expected["first_bad"]["eventSource is a number, expected a string"].endswith("f00.json.gz, record 81")


def test_a_reader_with_too_many_distinct_calls_analyses_them_itself(one_process, monkeypatch):
    expected, folder = one_process
    monkeypatch.setattr(analysis, "MEMO_KEYS", 3)  # every part overflows: its evidence travels whole
    assert summary(generate(str(folder), workers=2, progress=False)) == expected


def test_the_actions_mode_renders_alike_in_parallel(one_process):
    _expected, folder = one_process
    one = generate(str(folder), workers=1, progress=False, mode="actions")
    assert generate(str(folder), workers=2, progress=False, mode="actions").templates == one.templates


def test_a_principal_part_is_chosen_by_a_stable_hash_not_by_the_process_seed():
    verdict = ("ok", f"arn:aws:iam::{ACCOUNT}:role/app", ACCOUNT)
    assert analysis.part_of(verdict, 2) == analysis.part_of(verdict, 2) == 1
    assert analysis.part_of(("skip", "no userIdentity"), 4) == 0


def test_evidence_travels_as_plain_data_and_comes_back_equal(one_process, tmp_path):
    import marshal

    _expected, folder = one_process
    ev = generate(str(folder), workers=1, progress=False).evidence
    back = Evidence.from_plain(scan._loads(marshal.dumps(ev.plain())))
    assert back.plain() == ev.plain()
    assert {p: s.granted for p, s in back.principals.items()}.keys() == ev.principals.keys()


def test_rows_between_processes_are_packed_and_unpacked_unchanged():
    rows = [((("ok", "arn:aws:iam::1:role/a", "1"), "s3.amazonaws.com", "GetObject", None, None, True, "eu-west-1",
              "1", 0), b'[{"ARN": "arn:aws:s3:::b/k"}]', None, 3, "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z",
             "f.json.gz", 0, 7)]
    assert list(scan.unpack(scan.pack(rows))) == rows
    many = rows * 12_001  # several batches
    assert list(scan.unpack(scan.pack(iter(many)))) == many
