"""Conditions decidable offline (dates against now) and Deny as IAM reads them."""
from __future__ import annotations

import pytest

from policy_tf.analysis import decidable
from policy_tf.analysis.checks import check_policy
from policy_tf.analysis.model import PolicyInput

PAST, FUTURE = "2020-01-01T00:00:00Z", "2999-01-01T00:00:00Z"


def _doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(action, condition=None):
    st = {"Effect": "Allow", "Action": action, "Resource": "*"}
    if condition:
        st["Condition"] = condition
    return st


def _deny(action, condition=None):
    return {**_allow(action, condition), "Effect": "Deny"}


def _found(doc):
    return check_policy(PolicyInput("p.json", "p", "identity", doc))


def _privesc(doc):
    return [f for f in _found(doc) if f.code == "PRIVESC_CREATE_POLICY_VERSION"]


@pytest.mark.parametrize("condition", [
    {"DateLessThan": {"aws:TokenIssueTime": "2020-01-01"}},
    {"DateLessThan": {"aws:CurrentTime": PAST}},
    {"DateLessThanEquals": {"aws:CurrentTime": "1577836800"}},
    {"DateEquals": {"aws:CurrentTime": PAST}},
    {"DateLessThan": {"aws:CurrentTime": [PAST, "2021-06-01"]}},
    {"DateLessThan": {"aws:CurrentTime": PAST}, "StringEquals": {"aws:PrincipalTag/team": "x"}},
])
def test_a_date_condition_that_can_never_hold_grants_nothing_and_is_reported(condition):
    found = _found(_doc(_allow("iam:CreatePolicyVersion", condition)))
    assert "IMPOSSIBLE_CONDITION" in [f.code for f in found]
    assert not [f for f in found if f.category == "privilege-escalation"]


@pytest.mark.parametrize("condition", [
    {"DateGreaterThan": {"aws:CurrentTime": PAST}},
    {"DateNotEquals": {"aws:CurrentTime": PAST}},
    {"DateGreaterThanIfExists": {"aws:TokenIssueTime": PAST}},
])
def test_a_date_condition_that_always_holds_counts_as_unconditioned(condition):
    found = _privesc(_doc(_allow("iam:CreatePolicyVersion", condition)))
    assert found and "under a Condition" not in found[0].message
    assert "IMPOSSIBLE_CONDITION" not in [f.code for f in _found(_doc(_allow("iam:CreatePolicyVersion", condition)))]


@pytest.mark.parametrize("condition", [
    {"DateLessThan": {"aws:CurrentTime": FUTURE}},
    {"DateGreaterThan": {"aws:TokenIssueTime": PAST}},  # long-term credentials carry no token time
    {"DateGreaterThan": {"aws:CurrentTime": "${aws:PrincipalTag/start}"}},
    {"DateLessThan": {"aws:EpochTime": PAST}},
])
def test_a_condition_that_depends_on_the_request_stays_a_condition(condition):
    found = _privesc(_doc(_allow("iam:CreatePolicyVersion", condition)))
    assert found and "under a Condition" in found[0].message


def test_a_token_issued_within_the_longest_session_may_still_be_in_use(monkeypatch):
    monkeypatch.setattr(decidable, "now", lambda: decidable.parse_time("2030-01-02T00:00:00Z"))
    recent = {"DateLessThan": {"aws:TokenIssueTime": "2030-01-01T12:00:00Z"}}
    old = {"DateLessThan": {"aws:TokenIssueTime": "2029-12-30T00:00:00Z"}}
    assert decidable.verdict(recent) is None
    assert decidable.verdict(old) is False


def test_a_deny_that_can_never_hold_removes_nothing():
    doc = _doc(_allow("iam:CreatePolicyVersion"), _deny("iam:*", {"DateLessThan": {"aws:CurrentTime": PAST}}))
    codes = [f.code for f in _found(doc)]
    assert "PRIVESC_CREATE_POLICY_VERSION" in codes and "PARTIAL_DENY" not in codes


def test_a_deny_that_always_holds_removes_the_allow_entirely():
    doc = _doc(_allow("iam:CreatePolicyVersion"), _deny("iam:*", {"DateGreaterThan": {"aws:CurrentTime": PAST}}))
    codes = [f.code for f in _found(doc)]
    assert "PRIVESC_CREATE_POLICY_VERSION" not in codes and "STATEMENT_FULLY_DENIED" in codes


def test_dates_parse_as_iso_8601_or_epoch_seconds():
    assert decidable.parse_time("2020-01-01") == decidable.parse_time("2020-01-01T00:00:00Z") == 1577836800
    assert decidable.parse_time("2020-01-01T01:00:00+01:00") == 1577836800
    assert decidable.parse_time("not a date") is None and decidable.parse_time(True) is None


# --- Deny in another policy, per principal (account mode) --------------------------------------

import json  # noqa: E402

from policy_tf.analysis.audit import audit  # noqa: E402

ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
DENY_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                  "Action": "sts:AssumeRole"}]}


def _account(tmp_path, roles):
    """roles: name -> (attach the Allow-all managed policy?, inline Deny-all?)"""
    details = {
        "Policies": [{"PolicyName": "everything", "Arn": "arn:aws:iam::123456789012:policy/everything",
                      "DefaultVersionId": "v1", "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True,
                                                                        "Document": ALLOW_ALL}]}],
        "RoleDetailList": [
            {"RoleName": name, "AssumeRolePolicyDocument": TRUST,
             "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::123456789012:policy/everything"}]
             if attach else [],
             "RolePolicyList": [{"PolicyName": "fence", "PolicyDocument": DENY_ALL}] if fenced else []}
            for name, (attach, fenced) in roles.items()],
        "UserDetailList": [], "GroupDetailList": [],
    }
    path = tmp_path / "account.json"
    path.write_text(json.dumps(details))
    return [f for f in audit([str(path)]).findings if f.policy == "policy/everything"]


def test_an_allow_all_denied_on_every_principal_it_is_attached_to_is_neutralised_not_live(tmp_path):
    found = _account(tmp_path, {"a": (True, True), "b": (True, True)})
    codes = {f.code for f in found}
    assert "NEUTRALISED_BY_DENY" in codes
    assert not codes & {"FULL_ADMIN", "PRIVESC_CREATE_POLICY_VERSION"}
    assert all("role/a" in f.message and "role/b" in f.message for f in found if f.code == "NEUTRALISED_BY_DENY")


def test_one_principal_without_the_deny_keeps_the_risk_live(tmp_path):
    codes = {f.code for f in _account(tmp_path, {"a": (True, True), "b": (True, False)})}
    assert "FULL_ADMIN" in codes and "NEUTRALISED_BY_DENY" not in codes
