"""diff: an Allow on NotResource X is the same access as an Allow on * with a Deny on X (both ways)."""
from __future__ import annotations

import pytest

from policy_tf.analysis.access_changes import access_of
from policy_tf.analysis.access_diff import added
from policy_tf.analysis.expand import action_index
from policy_tf.analysis.model import PolicyInput

HIDDEN = "arn:aws:s3:::hidden/*"


def policy(*statements) -> PolicyInput:
    return PolicyInput("p.json", "p", "identity", {"Version": "2012-10-17", "Statement": list(statements)})


NOT_RESOURCE = policy({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": HIDDEN})
DENIED = policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:GetObject", "Resource": HIDDEN})


def new_access(old, new) -> list:
    index = action_index()
    return added(access_of([old], index), access_of([new], index))


@pytest.mark.parametrize("old, new", [(NOT_RESOURCE, DENIED), (DENIED, NOT_RESOURCE)],
                         ids=["to-deny", "to-notresource"])
def test_not_resource_and_a_deny_on_the_same_resources_are_no_change(old, new):
    assert new_access(old, new) == []


def test_a_deny_narrower_than_the_not_resource_is_new_access():
    narrower = policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                      {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::hidden/a*"})
    assert new_access(NOT_RESOURCE, narrower)


def test_a_conditioned_deny_does_not_stand_for_a_not_resource():
    conditioned = policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                         {"Effect": "Deny", "Action": "s3:GetObject", "Resource": HIDDEN,
                          "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    assert new_access(NOT_RESOURCE, conditioned)


def test_a_not_resource_wider_than_the_deny_is_no_new_access_but_the_other_way_is():
    wider = policy({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::hid*"})
    assert new_access(DENIED, wider) == []
    assert new_access(wider, DENIED)
