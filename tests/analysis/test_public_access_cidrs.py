"""audit --no-public-access: weak forms of aws:SourceIp (ranges that let every address in) and aws:SourceArn."""
from __future__ import annotations

import json

import pytest

from policy_tf.analysis.expand import action_index
from policy_tf.analysis.public_access import exposures
from policy_tf.cli import main

GET = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}


def doc(*statements) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


@pytest.mark.parametrize("cidrs, public", [
    (["0.0.0.0/1", "128.0.0.0/1"], True),                    # every IPv4 address, as 0.0.0.0/0
    (["::/1", "8000::/1"], True),                            # every IPv6 address
    (["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1"], True),
    (["0.0.0.0/1", "128.0.0.0/2"], False),                   # a quarter of the addresses is left out
    (["0.0.0.0/1", "8000::/1"], False),                      # half of each family
    (["203.0.113.0/24", "198.51.100.7"], False),
])
def test_cidrs_that_together_cover_every_address_do_not_restrict(cidrs, public):
    statement = dict(GET, Condition={"IpAddress": {"aws:SourceIp": cidrs}})
    assert bool(exposures(doc(statement), action_index())) is public


def test_a_deny_outside_cidrs_that_cover_every_address_denies_no_one():
    fence = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*",
             "Condition": {"NotIpAddress": {"aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"]}}}
    assert exposures(doc(GET, fence), action_index())
    narrow = dict(fence, Condition={"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}})
    assert exposures(doc(GET, narrow), action_index()) == []


def test_the_audit_reports_such_a_bucket_policy_as_public(tmp_path, capsys):
    path = tmp_path / "bucket.json"
    path.write_text(json.dumps(doc(dict(GET, Condition={"IpAddress": {"aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"]}}))))
    main(["audit", str(path), "--no-public-access", "--fmt", "json"])
    assert "PUBLIC_ACCESS" in capsys.readouterr().out


@pytest.mark.parametrize("source, public", [
    ("arn:aws:sns:us-east-1:123456789012:*", False),        # any topic of one account: tied to that account
    ("arn:aws:sns:us-east-1:*:*", True),                     # any account
    ("arn:aws:s3:::*", True),                                # any bucket: S3 ARNs name no account
    ("arn:aws:s3:::logs-bucket", False),
    ("arn:aws:*:us-east-1:123456789012:*", True),           # a wildcard service stays weak (as documented)
    ("arn:aws:sns:us-east-1:12345678901?:*", True),          # a wildcard in the account
])
def test_a_source_arn_restricts_when_it_fixes_an_account_or_a_resource(source, public):
    statement = dict(GET, Condition={"ArnLike": {"aws:SourceArn": source}})
    assert bool(exposures(doc(statement), action_index())) is public
