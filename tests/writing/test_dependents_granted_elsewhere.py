"""A dependent action granted on one ARN is still granted where another ARN's actions need it:
asking for more elsewhere never takes a dependent away silently."""
from __future__ import annotations

from policy_tf.writing.pipeline import build

ACCOUNT = "123456789012"
CONNECT = f"arn:aws:connect:us-east-1:{ACCOUNT}:instance"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table"


def pairs_on(policy: dict, resource_prefix: str) -> set[tuple[str, str]]:
    return {(a, r) for s in policy["Statement"] for a in s["Action"] for r in s["Resource"]
            if r.startswith(resource_prefix)}


def test_a_dependent_named_on_one_instance_is_still_granted_where_another_action_needs_it():
    # connect:AssociateTrafficDistributionGroupUser needs connect:SearchUsers on its instance.
    result = build({"mode": "crud", "named-actions": {
        "connect:SearchUsers": [f"{CONNECT}/aaa"],
        "connect:AssociateTrafficDistributionGroupUser": [f"{CONNECT}/bbb"]}})
    found = pairs_on(result.policy, CONNECT)
    assert ("connect:SearchUsers", f"{CONNECT}/aaa") in found
    assert ("connect:SearchUsers", f"{CONNECT}/bbb") in found


def test_what_one_table_gets_does_not_depend_on_what_another_table_asks_for():
    alone = build({"mode": "crud", "write": [f"{TABLE}/b"]}).policy
    beside = build({"mode": "crud", "read": [f"{TABLE}/a"], "write": [f"{TABLE}/b"]}).policy
    assert pairs_on(beside, f"{TABLE}/b") == pairs_on(alone, f"{TABLE}/b")


def test_a_dependent_already_granted_on_the_same_arn_is_not_granted_twice():
    result = build({"mode": "crud", "read": [f"{TABLE}/b"], "write": [f"{TABLE}/b"]})
    statements = [s for s in result.policy["Statement"] if "dynamodb:GetItem" in s["Action"]]
    assert [s["Sid"] for s in statements] == ["DynamodbReadTable"]
