"""Principals as IAM validates them, and who a trust policy lets in."""
from __future__ import annotations

import pytest

from policy_tf.analysis.checks import check_policy
from policy_tf.analysis.model import PolicyInput

OBJECTS = "arn:aws:s3:::acme-data/*"


def _trust(principal, condition=None, effect="Allow"):
    st = {"Effect": effect, "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        st["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [st]}


def _bucket(principal):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject",
                                                    "Resource": OBJECTS}]}


def _codes(kind, doc, account=None):
    return {f.code for f in check_policy(PolicyInput("p.json", "p", kind, doc, account=account))}


@pytest.mark.parametrize("value",
                         ["arn:aws:iam::*:root", "arn:aws:iam::123456789012:role/*", "arn:aws:iam::12345678901?:root",
                                   "arn:aws:sts::123456789012:assumed-role/*/s"])
def test_a_wildcard_in_a_principal_arn_is_refused_as_iam_refuses_it(value):
    assert "WILDCARD_IN_PRINCIPAL" in _codes("trust", _trust({"AWS": value}))


def test_a_wildcard_account_in_a_trust_policy_reads_as_anyone():
    assert {"WILDCARD_IN_PRINCIPAL", "TRUST_ANYONE"} <= _codes("trust", _trust({"AWS": "arn:aws:iam::*:root"}))


@pytest.mark.parametrize("principal", [
    {"AWS": "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2EXAMPLE1ABCD"},
    {"AWS": "123456789012"}, {"AWS": "arn:aws:iam::123456789012:root"},
    {"AWS": "arn:aws:iam::123456789012:user/path/ana"},
    {"AWS": "arn:aws:sts::123456789012:assumed-role/app/session"},
    {"AWS": "arn:aws:sts::123456789012:federated-user/bob"},
    {"AWS": "arn:aws-cn:iam::123456789012:role/app"}, {"AWS": "AROAEXAMPLEEXAMPLE12"},
    {"Service": "cloudfront.amazonaws.com"},
    {"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
    {"Federated": "arn:aws:iam::123456789012:saml-provider/okta"}, {"Federated": "cognito-identity.amazonaws.com"},
])
def test_valid_principals_of_every_type_raise_no_validity_finding(principal):
    codes = _codes("resource", _bucket(principal))
    assert not codes & {"INVALID_AWS_PRINCIPAL", "WILDCARD_IN_PRINCIPAL", "INVALID_SERVICE_PRINCIPAL",
                        "INVALID_FEDERATED_PRINCIPAL", "INVALID_CANONICAL_USER", "UNKNOWN_PRINCIPAL_TYPE"}


@pytest.mark.parametrize("principal, code", [
    ({"AWS": "arn:aws:iam::123456789012:group/admins"}, "INVALID_AWS_PRINCIPAL"),
    ({"AWS": "arn:aws:iam::cloudfront:user/someone else"}, "INVALID_AWS_PRINCIPAL"),
    ({"Service": "lambda"}, "INVALID_SERVICE_PRINCIPAL"),
    ({"Service": "*.amazonaws.com"}, "WILDCARD_IN_PRINCIPAL"),
    ({"Federated": "okta"}, "INVALID_FEDERATED_PRINCIPAL"),
    ({"CanonicalUser": "not-a-canonical-id"}, "INVALID_CANONICAL_USER"),
])
def test_invalid_principals_are_named_by_type(principal, code):
    assert code in _codes("resource", _bucket(principal))


@pytest.mark.parametrize("principal, condition, present, absent", [
    ("*", None, "TRUST_ANYONE", "TRUST_ANYONE_WITH_CONDITION"),
    ({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}, "TRUST_ANYONE_WITH_CONDITION", "TRUST_ANYONE"),
    ({"AWS": "*"}, {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, "TRUST_ANYONE",
     "TRUST_ANYONE_WITH_CONDITION"),
    ({"AWS": "arn:aws:iam::111122223333:root"}, None, "TRUST_CROSS_ACCOUNT", "TRUST_ANYONE"),
    ({"AWS": "arn:aws:iam::111122223333:root"}, {"StringEquals": {"sts:ExternalId": "x"}}, None, "TRUST_CROSS_ACCOUNT"),
    ({"Service": "lambda.amazonaws.com"}, None, "TRUST_COMPUTE_SERVICE", "TRUST_ANYONE"),
    ({"Service": "ec2.amazonaws.com"}, {"StringEquals": {"aws:SourceAccount": "123456789012"}}, "TRUST_COMPUTE_SERVICE",
     None),
])
def test_trust_any_principal_cross_account_and_compute_with_and_without_conditions(principal, condition, present,
                                                                                    absent):
    codes = _codes("trust", _trust(principal, condition), account="123456789012")
    if present:
        assert present in codes
    if absent:
        assert absent not in codes


def test_a_trust_statement_whose_condition_can_never_hold_lets_no_one_in():
    codes = _codes("trust", _trust("*", {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}))
    assert not codes & {"TRUST_ANYONE", "TRUST_ANYONE_WITH_CONDITION"} and "IMPOSSIBLE_CONDITION" in codes


def test_the_own_account_is_no_cross_account_trust():
    assert "TRUST_CROSS_ACCOUNT" not in _codes("trust", _trust({"AWS": "arn:aws:iam::123456789012:root"}),
                                               account="123456789012")
