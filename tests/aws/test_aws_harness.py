"""The test harness itself enforces the AWS limits that moto does not (so the other tests mean something)."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("moto.server")

from botocore.exceptions import ClientError  # noqa: E402

from tests.aws_harness import aws, iam_client, moto_server  # noqa: E402,F401

pytestmark = [pytest.mark.aws, pytest.mark.slow]  # a local moto server

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


@pytest.fixture
def iam(aws):
    client = iam_client()
    client.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
    client.create_user(UserName="alice")
    return client


def _code(call, **kwargs) -> str:
    with pytest.raises(ClientError) as error:
        call(**kwargs)
    return error.value.response["Error"]["Code"]


def test_no_more_than_50_tags_counting_those_already_there(iam):
    iam.tag_role(RoleName="app", Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(49)])
    assert _code(iam.tag_role, RoleName="app", Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]) == \
        "LimitExceeded"
    iam.tag_user(UserName="alice", Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    assert _code(iam.tag_user, UserName="alice", Tags=[{"Key": "one-more", "Value": "v"}]) == "LimitExceeded"


def test_tag_values_outside_the_iam_character_set_are_refused(iam):
    assert _code(iam.tag_role, RoleName="app", Tags=[{"Key": "k", "Value": "a,b"}]) == "InvalidInput"
    assert _code(iam.tag_user, UserName="alice", Tags=[{"Key": "k;", "Value": "v"}]) == "InvalidInput"


def test_tag_keys_differing_only_in_case_are_the_same_tag(iam):
    iam.tag_role(RoleName="app", Tags=[{"Key": "Team", "Value": "blue"}])
    iam.tag_role(RoleName="app", Tags=[{"Key": "team", "Value": "red"}])
    assert iam.list_role_tags(RoleName="app")["Tags"] == [{"Key": "team", "Value": "red"}]
    assert _code(iam.tag_user, UserName="alice", Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}]) == \
        "InvalidInput"


def test_managed_policies_are_at_most_6144_characters(iam):
    document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": [f"s3:Get{i:05d}" for i in range(500)], "Resource": "*"}]}
    assert _code(iam.create_policy, PolicyName="big", PolicyDocument=json.dumps(document)) == "LimitExceeded"


def test_user_permissions_boundaries_are_kept_and_service_linked_roles_refuse_them(iam):
    arn = iam.create_policy(PolicyName="b", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))["Policy"]["Arn"]
    iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=arn)
    assert iam.get_user(UserName="alice")["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == arn
    iam.delete_user_permissions_boundary(UserName="alice")
    assert "PermissionsBoundary" not in iam.get_user(UserName="alice")["User"]
    iam.create_role(RoleName="AWSServiceRoleForX", Path="/aws-service-role/x.amazonaws.com/",
                    AssumeRolePolicyDocument=TRUST)
    assert _code(iam.put_role_permissions_boundary, RoleName="AWSServiceRoleForX", PermissionsBoundary=arn) == \
        "UnmodifiableEntity"
