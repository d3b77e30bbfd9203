"""Queries resolve concrete condition keys (<key> and ${TagKey} placeholders, global aws: keys)
and print every table as CSV with a header row."""
from __future__ import annotations

import csv
import io
import json

import pytest

from policy_tf.writing.pipeline import build


@pytest.mark.parametrize("name, documented", [
    ("s3:ExistingObjectTag/backup", "s3:ExistingObjectTag/<key>"),
    ("s3:RequestObjectTag/team", "s3:RequestObjectTag/<key>"),
    ("aws:ResourceTag/Owner", "aws:ResourceTag/${TagKey}"),
])
def test_condition_table_resolves_a_concrete_key_to_its_documented_pattern(cli, name, documented):
    code, out, _ = cli("query", "condition-table", "--service", "s3", "--name", name, "--fmt", "json")
    assert code == 0 and [r["condition_key"] for r in json.loads(out)] == [documented]


def test_condition_table_names_a_global_key_the_service_does_not_list(cli):
    code, out, _ = cli("query", "condition-table", "--service", "s3", "--name", "aws:PrincipalTag/Owner", "--fmt",
                       "json")
    assert code == 0 and json.loads(out)[0]["condition_key"] == "aws:PrincipalTag/${TagKey}"
    assert json.loads(out)[0]["service"] == "aws"


def test_action_table_filters_on_a_placeholder_key_filled_in(cli):
    code, out, _ = cli("query", "action-table", "--service", "s3", "--condition", "s3:ExistingObjectTag/backup",
                       "--fmt", "json")
    assert code == 0 and "s3:GetObject" in json.loads(out) and "s3:CreateBucket" not in json.loads(out)


def test_action_table_with_a_global_key_lists_every_action(cli):
    _, every, _ = cli("query", "action-table", "--service", "sqs", "--fmt", "json")
    _, out, _ = cli("query", "action-table", "--service", "sqs", "--condition", "aws:SourceIp", "--fmt", "json")
    assert json.loads(out) == json.loads(every)


def test_action_table_with_an_unknown_global_key_is_an_error(cli):
    assert cli("query", "action-table", "--service", "s3", "--condition", "aws:NoSuchKey")[0] == 2


def test_a_conditions_block_accepts_a_placeholder_key_filled_in():
    policy = build({"mode": "crud", "read": ["arn:aws:s3:::b/*"], "include-dependent-actions": False,
                    "conditions": {"read": {"StringEquals": {"s3:ExistingObjectTag/backup": "true"}}}}).policy
    with_key = [s for s in policy["Statement"] if "Condition" in s]
    assert with_key and "s3:GetObject" in with_key[0]["Action"]
    assert with_key[0]["Condition"] == {"StringEquals": {"s3:ExistingObjectTag/backup": "true"}}


@pytest.mark.parametrize("argv, header", [
    (["action-table", "--service", "s3"], ["action", "access_level", "documented", "resource_types"]),
    (["action-table", "--service", "s3", "--name", "GetObject"], None),
    (["arn-table", "--service", "s3"], ["service", "resource_type", "arn_format", "condition_keys"]),
    (["condition-table", "--service", "s3"], ["service", "condition_key", "type", "description"]),
    (["service-table"], ["prefix", "service_name"]),
])
def test_every_query_table_prints_csv_with_a_header_row(cli, argv, header):
    code, out, _ = cli("query", *argv, "--fmt", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert code == 0 and len(rows) > 1 and all(len(r) == len(rows[0]) for r in rows)
    if header:
        assert rows[0] == header
    else:
        assert rows[0][0] == "action" and rows[1][0] == "s3:GetObject"
