"""IAM semantics the analysis relies on: wildcards, expansion, Resource applicability, Allow minus Deny."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_tf.analysis import wildcard
from policy_tf.analysis.applicability import resolver
from policy_tf.analysis.document import normalize
from policy_tf.analysis.effective import evaluate
from policy_tf.analysis.expand import action_index, statement_actions


@pytest.fixture
def index():
    return action_index()


@pytest.mark.parametrize("pattern, action, expected", [
    ("s3:Get*", "s3:GetObject", True),
    ("S3:GET*", "s3:GetObject", True),
    ("s3:Get?bject", "s3:GetObject", True),
    ("s3:Get?", "s3:GetObject", False),
    ("s3:[G]etObject", "s3:GetObject", False),  # '[' is a literal for IAM, not a character class
    ("*", "iam:PassRole", True),
    ("s3:*Object", "s3:GetObject", True),
])
def test_action_wildcards_are_case_insensitive_with_star_and_question_mark(pattern, action, expected):
    assert wildcard.action_matches(pattern, action) is expected


@pytest.mark.parametrize("pattern, arn, expected", [
    ("arn:aws:s3:::b/*", "arn:aws:s3:::b/k/x", True),
    ("arn:aws:s3:::B/*", "arn:aws:s3:::b/k", False),          # ARNs are case-sensitive
    ("arn:aws:s3:::*", "arn:aws:s3:::b/k", True),              # '*' crosses '/'
    ("arn:aws:dynamodb:*:123456789012:table/t", "arn:aws:dynamodb:eu-west-1:123456789012:table/t", True),
    ("arn:aws:dynamodb:*:123456789012:table/t", "arn:aws:dynamodb:eu-west-1:999999999999:table/t", False),
    ("arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/alice/k", True),
    ("*", "arn:aws:iam::123456789012:role/x", True),
])
def test_arn_wildcards_match_field_by_field_case_sensitively(pattern, arn, expected):
    assert wildcard.arn_matches(pattern, arn) is expected


def test_glob_containment_and_overlap():
    assert wildcard.resource_contains("arn:aws:s3:::b/*", "arn:aws:s3:::b/logs/*")
    assert not wildcard.resource_contains("arn:aws:s3:::b/logs/*", "arn:aws:s3:::b/*")
    assert wildcard.resource_overlap("arn:aws:s3:::b/logs/*", "arn:aws:s3:::b/*")
    assert not wildcard.resource_overlap("arn:aws:s3:::a/*", "arn:aws:s3:::b/*")


def test_expansion_is_case_insensitive_and_canonical(index):
    assert index.expand("S3:getobject") == {"s3:GetObject"}
    assert "s3:GetObjectAcl" in index.expand("s3:getobject*")
    assert index.expand("s3:NoSuchAction") == frozenset()


def test_not_action_is_the_explicit_complement(index):
    statement = normalize({"Statement": {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}}).statements[0]
    actions = statement_actions(statement, index)
    assert "s3:GetObject" not in actions and "ec2:RunInstances" in actions
    assert len(actions) == len(index.all) - len(index.expand("s3:*"))


@pytest.mark.parametrize("action, resource, expected", [
    ("s3:ListBucket", "arn:aws:s3:::b", True),
    ("s3:ListBucket", "arn:aws:s3:::b/*", False),     # an object ARN is no bucket
    ("s3:GetObject", "arn:aws:s3:::b", False),
    ("s3:GetObject", "arn:aws:s3:::*", True),         # '*' reaches objects too
    ("s3:ListAllMyBuckets", "arn:aws:s3:::*", False),  # supports only '*'
    ("s3:ListAllMyBuckets", "*", True),
    ("logs:PutLogEvents", "arn:aws:logs:*:*:log-group:/aws/lambda/*", True),
    ("iam:PassRole", "arn:aws:iam::123456789012:role/app/*", True),
    ("ebs:ListSnapshotBlocks", "arn:aws:ec2:eu-west-1::snapshot/*", True),  # a format of another service field
])
def test_an_action_applies_only_to_resources_of_its_types(index, action, resource, expected):
    assert resolver(index.catalog).applies(action, resource) is expected


def _effective(index, *statements):
    return evaluate([(0, s) for s in normalize({"Version": "2012-10-17", "Statement": list(statements)}).statements],
                    index)


def test_an_unconditioned_deny_removes_the_action(index):
    e = _effective(index, {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
                   {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"})
    assert "s3:GetObject" not in e.actions() and "s3:GetObjectAcl" in e.actions()


def test_a_conditioned_deny_removes_nothing_and_is_a_partial_restriction(index):
    e = _effective(index, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                   {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*",
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    assert "s3:GetObject" in e.actions()
    assert [(r.deny_statement, r.allow_statement, r.actions, r.reason) for r in e.restrictions] \
        == [(1, 0, ("s3:GetObject",), "condition")]


def test_a_deny_on_part_of_the_resource_leaves_the_rest(index):
    e = _effective(index, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
                   {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/private/*"})
    assert "s3:GetObject" in e.actions() and e.restrictions[0].reason == "resource"


def test_a_deny_covering_the_resource_removes_it(index):
    e = _effective(index, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/private/*"},
                   {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"})
    assert e.actions() == frozenset() and e.denied == ((0, 0, frozenset({"s3:GetObject"})),)


def test_a_deny_with_not_resource_removes_what_lies_outside_it(index):
    e = _effective(index, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::other/*"},
                   {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::b/*"})
    assert e.actions() == frozenset()


def test_allow_star_with_not_resource_grants_nearly_everything(index):
    e = _effective(index, {"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::b"})
    assert len(e.actions(unconstrained_only=True)) == len(index.all)


def test_a_scoped_grant_is_not_unconstrained(index):
    e = _effective(index, {"Effect": "Allow", "Action": ["s3:GetObject", "iam:PassRole"],
                           "Resource": ["arn:aws:s3:::b/*", "arn:aws:iam::123456789012:role/*"]})
    assert e.actions(unconstrained_only=True) == {"iam:PassRole"}


def test_not_resource_excludes_only_what_it_covers_entirely(index):
    e = _effective(index, {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::*"})
    allowed = e.actions()
    assert "s3:DeleteBucket" not in allowed                    # every bucket is excluded
    assert "s3:ListBucket" in allowed                          # access points are not
    assert "s3:GetObject" in allowed                           # still granted through access points
    assert "s3:ListAllMyBuckets" in allowed                    # supports only "*", which is not excluded


_GLOB = st.text(alphabet="ab/*?", max_size=6)


def _instances(glob: str) -> list[str]:
    """A few strings a glob matches: each * as '', 'a', 'b/a'; each ? as 'a' or '/'."""
    out = [""]
    for ch in glob:
        options = ["", "a", "b/a"] if ch == "*" else ["a", "/"] if ch == "?" else [ch]
        out = [o + x for o in out for x in options][:200]
    return out


@settings(max_examples=300, deadline=None)
@given(_GLOB, _GLOB)
def test_glob_containment_is_sound(outer, inner):
    if wildcard.glob_contains(outer, inner):
        assert all(wildcard.action_regex(outer).fullmatch(s) for s in _instances(inner))


@settings(max_examples=500, deadline=None)
@given(st.one_of(_GLOB, _GLOB.map(lambda g: g.replace("*", "").replace("?", "")),
                 _GLOB.map(lambda g: g.replace("*", "").replace("?", "") + "*")), _GLOB)
def test_glob_containment_answered_directly_is_what_the_search_finds(outer, inner):
    # literal globs and those ending in their only * skip the search: the same answer
    assert wildcard.glob_contains(outer, inner) == wildcard._contains_search(outer, inner)


@settings(max_examples=300, deadline=None)
@given(_GLOB, _GLOB)
def test_glob_overlap_is_complete(a, b):
    if any(wildcard.action_regex(a).fullmatch(s) for s in _instances(b)):
        assert wildcard.glob_overlap(a, b)


def test_a_conditioned_deny_on_other_resources_restricts_nothing(index):
    e = _effective(index, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
                   {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::other/*",
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    assert e.restrictions == () and "s3:GetObject" in e.actions()
