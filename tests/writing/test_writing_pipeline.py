"""Each step of the writing pipeline on its own: template -> requests -> grants -> statements -> document."""
from __future__ import annotations

import pytest

from policy_tf.core.diagnostics import UNUSED_EXCLUSION, Diagnostic
from policy_tf.core.errors import InputError
from policy_tf.iamdb.arn import parse_arn
from policy_tf.iamdb.catalog import catalog
from policy_tf.writing.exclude_actions import exclude, unused
from policy_tf.writing.grants import Grants, grant
from policy_tf.writing.pipeline import document
from policy_tf.writing.requested import LevelRequest, requests
from policy_tf.writing.scope import Context, fill, under
from policy_tf.writing.statements import statements
from policy_tf.writing.template import parse

ACCOUNT = "123456789012"


def template(**keys):
    return parse({"mode": "crud", **keys}, "t.yml")


def test_requests_resolve_each_arn_to_its_resource_type():
    (request,) = requests(template(read=["arn:aws:s3:::b/*"]), catalog(), [])
    assert request == LevelRequest("read", "t.yml: read[0]", "Read", parse_arn("arn:aws:s3:::b/*"), [("s3", "object")])


def test_requests_parse_every_arn_before_resolving_any():
    arns = [f"arn:aws:s3:::bucket-{i}" for i in range(50)] + ["arn:aws:s3"]
    with pytest.raises(InputError, match=r"read\[50\].*expected 6"):
        requests(template(read=arns), catalog(), [])


def test_a_bad_sts_arn_is_reported_before_any_level_arn_is_matched(monkeypatch):
    cat = catalog()
    monkeypatch.setattr(cat, "match", lambda arn: pytest.fail("matched before every ARN was parsed"))
    with pytest.raises(InputError, match=r"sts.assume-role\[0\]: not an ARN"):
        requests(template(read=["arn:aws:s3:::b/*"], sts={"assume-role": ["role/x"]}), cat, [])


def test_grants_hold_one_service_level_and_resource_type_each():
    t = template(write=[f"arn:aws:sqs:eu-west-1:{ACCOUNT}:q"])
    (only,) = list(grant(t, requests(t, catalog(), []), catalog(), []))
    assert (only.sid, only.level, only.resources) == ("SqsWriteQueue", "Write", {f"arn:aws:sqs:eu-west-1:{ACCOUNT}:q"})
    assert "sqs:SendMessage" in only.actions


def test_exclusions_remove_actions_and_remember_which_patterns_matched():
    grants = Grants()
    grants.get("read", "s3", "Read", "object").add("arn:aws:s3:::b/*",
                                                   frozenset({"s3:GetObject", "s3:GetObjectTagging"}))
    matched: set[int] = set()
    exclude(grants, ["s3:getobjectt*", "ec2:*"], matched)
    assert next(iter(grants)).actions == {"s3:GetObject"} and matched == {0}
    assert unused(template(read=["arn:aws:s3:::b/*"], **{"exclude-actions": ["s3:getobjectt*", "ec2:*"]}), matched) == [
        Diagnostic(UNUSED_EXCLUSION, "t.yml: exclude-actions[1]", "ec2:* excluded nothing")]


def test_a_dependent_format_under_the_grants_own_format_is_scoped_under_its_arn():
    table = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders"
    context = Context("aws", "eu-west-1", ACCOUNT, table, ("dynamodb", "table"))
    parents = ["arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}"]
    assert under(parents[0] + "/index/${IndexName}", context, parents) == table + "/index/*"
    assert under("arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}", context, parents) is None
    assert fill("arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}", context) \
        == f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/*"


def test_statements_are_sorted_by_sid_with_sorted_actions_and_resources():
    grants = Grants()
    for resource in ("arn:b", "arn:a"):
        grants.get("write", "sqs", "Write", "queue").add(resource, frozenset({"sqs:SendMessage", "sqs:DeleteMessage"}))
        grants.get("read", "s3", "Read", "object").add(resource, frozenset({"s3:GetObject"}))
    found = statements(grants, template(read=["arn:aws:s3:::b/*"]), {}, catalog(), [])
    assert [s["Sid"] for s in found] == ["S3ReadObject", "SqsWriteQueue"]
    assert found[1] == {"Sid": "SqsWriteQueue", "Effect": "Allow", "Action": ["sqs:DeleteMessage", "sqs:SendMessage"],
                        "Resource": ["arn:a", "arn:b"]}
    assert document(found) == {"Version": "2012-10-17", "Statement": found}
