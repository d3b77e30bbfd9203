"""Resource-policy escalation: rewriting the policy of a resource the holder also uses."""
from __future__ import annotations

import pytest

from policy_tf.analysis import risklists
from policy_tf.analysis.checks import check_policy
from policy_tf.analysis.expand import action_index
from policy_tf.analysis.model import PolicyInput

BUCKET, OBJECTS = "arn:aws:s3:::acme-data", "arn:aws:s3:::acme-data/*"
QUEUE = "arn:aws:sqs:eu-west-1:123456789012:jobs"


def _found(*statements):
    doc = {"Version": "2012-10-17",
           "Statement": [{"Effect": "Allow", "Action": a, "Resource": r} for a, r in statements]}
    return [f for f in check_policy(PolicyInput("p.json", "p", "identity", doc))
            if f.code == "RESOURCE_POLICY_ESCALATION"]


def test_put_bucket_policy_with_get_object_on_that_bucket_is_an_escalation_there():
    found = _found(("s3:PutBucketPolicy", BUCKET), ("s3:GetObject", OBJECTS))
    assert len(found) == 1
    assert found[0].actions == ("s3:PutBucketPolicy",)
    assert BUCKET in found[0].message and "s3:GetObject" in found[0].message


@pytest.mark.parametrize("statements", [
    [(["sqs:SetQueueAttributes", "sqs:ReceiveMessage"], QUEUE)],
    [("sqs:AddPermission", QUEUE), ("sqs:SendMessage", QUEUE)],
    [(["lambda:AddPermission", "lambda:InvokeFunction"], "arn:aws:lambda:eu-west-1:123456789012:function:app")],
    [(["kms:PutKeyPolicy", "kms:Decrypt"], "arn:aws:kms:eu-west-1:123456789012:key/abc")],
    [(["secretsmanager:PutResourcePolicy", "secretsmanager:GetSecretValue"], "*")],
])
def test_every_kind_of_resource_policy_writer_on_a_resource_in_use_is_reported(statements):
    assert _found(*statements)


@pytest.mark.parametrize("statements", [
    [("s3:PutBucketPolicy", BUCKET)],
    [("s3:PutBucketPolicy", BUCKET), ("s3:GetObject", "arn:aws:s3:::other-bucket/*")],
    [("s3:PutBucketPolicy", BUCKET), ("sqs:ReceiveMessage", QUEUE)],
    [("s3:GetObject", OBJECTS)],
    [("s3:*", "*")],  # every S3 action already: rewriting a bucket policy adds nothing for the holder
])
def test_a_writer_alone_or_on_another_resource_is_no_escalation(statements):
    assert not _found(*statements)


def test_every_listed_writer_exists_in_the_database():
    index = action_index()
    assert [e.action for e in risklists.actions("resource-policy-escalation")
            if index.canonical(e.action) != e.action] == []
