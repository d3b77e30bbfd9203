"""Condition blocks: validated against the database and applied only where they are valid."""
from __future__ import annotations

import pytest

from policy_tf.core.errors import InputError
from policy_tf.writing.pipeline import build

ACCOUNT = "123456789012"


def with_conditions(conditions: dict, **levels) -> dict:
    return {"mode": "crud", "include-dependent-actions": False, "conditions": conditions,
            **(levels or {"read": ["arn:aws:s3:::b/*"]})}


def test_global_key_applies_to_every_statement():
    result = build(with_conditions({"all": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1"]}}},
                                   read=["arn:aws:s3:::b/*"], write=[f"arn:aws:sqs:eu-west-1:{ACCOUNT}:q"]))
    assert all(s["Condition"] == {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
               for s in result.policy["Statement"])


def test_section_condition_applies_only_to_that_section():
    policy = build(with_conditions({"write": {"StringEquals": {"aws:ResourceTag/team": "payments"}}},
                                   read=["arn:aws:s3:::b/*"], write=[f"arn:aws:sqs:eu-west-1:{ACCOUNT}:q"])).policy
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert "Condition" not in by_sid["S3ReadObject"]
    assert by_sid["SqsWriteQueue"]["Condition"] == {"StringEquals": {"aws:ResourceTag/team": "payments"}}


def test_service_key_lands_only_on_actions_that_support_it_and_the_split_is_reported():
    result = build(with_conditions({"write": {"StringEquals": {"s3:x-amz-acl": "private"}}},
                                   write=["arn:aws:s3:::b/*"]))
    with_key = [s for s in result.policy["Statement"] if "Condition" in s]
    without = [s for s in result.policy["Statement"] if "Condition" not in s]
    assert with_key and without
    assert "s3:PutObject" in with_key[0]["Action"] and "s3:DeleteObject" in without[0]["Action"]
    assert any("s3:x-amz-acl do not apply to" in str(w) for w in result.warnings)
    assert len({s["Sid"] for s in result.policy["Statement"]}) == len(result.policy["Statement"])


def test_kms_via_service_condition_is_valid_for_kms_actions():
    policy = build(with_conditions({"all": {"StringEquals": {"kms:ViaService": "ssm.eu-west-1.amazonaws.com"}}},
                                   write=[f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/k1"])).policy
    assert any("Condition" in s and "kms:Decrypt" in s["Action"] for s in policy["Statement"])


def test_condition_that_applies_nowhere_is_an_error():
    with pytest.raises(InputError, match="no action of this section supports this condition key"):
        build(with_conditions({"read": {"StringEquals": {"kms:ViaService": "x"}}}))


@pytest.mark.parametrize("block, message", [
    ({"StringEquals": {"nosuch:Key": "x"}}, "unknown condition key"),
    ({"NumericLessThan": {"aws:RequestedRegion": "3"}}, "does not suit a String key"),
    ({"Bool": {"aws:SourceIp": "true"}}, "does not suit a IPAddress key"),
    ({"ForAnyValue:StringEquals": {"aws:RequestedRegion": "x"}}, "is for multivalued keys"),
    ({"StringEqualz": {"aws:RequestedRegion": "x"}}, "unknown condition operator"),
    ({"Sometimes:StringEquals": {"aws:RequestedRegion": "x"}}, "unknown set operator"),
])
def test_bad_condition_blocks_are_errors_naming_the_path(block, message):
    with pytest.raises(InputError, match=message) as caught:
        build(with_conditions({"all": block}))
    assert "conditions.all." in str(caught.value)


def test_if_exists_and_null_operators_are_accepted():
    policy = build(with_conditions({"all": {"StringEqualsIfExists": {"aws:RequestedRegion": "eu-west-1"},
                                            "Null": {"aws:SourceVpc": "false"}}})).policy
    assert set(policy["Statement"][0]["Condition"]) == {"StringEqualsIfExists", "Null"}


def test_multivalued_key_without_set_operator_is_a_warning():
    result = build(with_conditions({"all": {"StringEquals": {"aws:PrincipalOrgPaths": "o-1/r-1/ou-1/"}}}))
    assert any("multivalued" in str(w) for w in result.warnings)
