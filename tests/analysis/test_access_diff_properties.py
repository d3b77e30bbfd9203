"""The access diff's semantics as properties, over random policies built from the IAM database,
checked against brute-force evaluation of sampled requests (``request_eval``):

* ``diff(A, A)`` is empty;
* ``diff(A, B)`` added is empty exactly when every sampled request B allows, A allows too;
* adding a Deny to B never adds access.
"""
from __future__ import annotations

from functools import lru_cache
from itertools import product

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_tf.analysis.access_diff import access, added
from policy_tf.analysis.applicability import resolver
from policy_tf.analysis.document import normalize
from policy_tf.analysis.expand import action_index
from policy_tf.analysis.request_eval import Request, allows

ACCOUNT = "123456789012"
TEAM, STAGE = "aws:principaltag/team", "aws:requesttag/stage"


@lru_cache(maxsize=1)
def _index():
    return action_index()


@lru_cache(maxsize=1)
def _action_pool() -> tuple:
    """Actions from the database (s3 object and bucket actions, some sqs), and patterns over them."""
    index = _index()
    s3 = index.names("s3")
    picked = [a for a in s3 if a in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectTagging",
                                     "s3:ListBucket", "s3:GetBucketPolicy", "s3:ListAllMyBuckets",
                                     "s3:PutBucketTagging")]
    sqs = [a for a in index.names("sqs") if a in ("sqs:SendMessage", "sqs:ReceiveMessage", "sqs:ListQueues")]
    return tuple(picked + sqs)


PATTERNS = ("s3:Get*", "s3:*Object", "s3:*", "S3:getobject", "sqs:*", "s3:Put?ucketTagging", "s3:List*")
RESOURCES = ("*", "arn:aws:s3:::b1", "arn:aws:s3:::b1/*", "arn:aws:s3:::b1/x*", "arn:aws:s3:::b1/x/y",
             "arn:aws:s3:::b2/*", "arn:aws:s3:::*", "arn:aws:s3:::b?/*",
             f"arn:aws:sqs:eu-west-1:{ACCOUNT}:q", f"arn:aws:sqs:*:{ACCOUNT}:*")
# Concrete resources requests are made on: instances of every pattern above, and some of none.
CONCRETE = ("arn:aws:s3:::b1", "arn:aws:s3:::b2", "arn:aws:s3:::b3", "arn:aws:s3:::b1/x", "arn:aws:s3:::b1/x/y",
            "arn:aws:s3:::b1/xz", "arn:aws:s3:::b1/z", "arn:aws:s3:::b2/x", "arn:aws:s3:::b3/q",
            "arn:aws:s3:::other", "arn:aws:s3:::other/k", "arn:aws:sqs:eu-west-1:999999999999:q",  # outside all but *
            f"arn:aws:sqs:eu-west-1:{ACCOUNT}:q", f"arn:aws:sqs:us-east-1:{ACCOUNT}:r", "*",
            # what NotResource leaves: objects and buckets reached through access points
            f"arn:aws:s3:eu-west-1:{ACCOUNT}:accesspoint/ap", f"arn:aws:s3:eu-west-1:{ACCOUNT}:accesspoint/ap/object/k")
CONTEXTS = [{k: v for k, v in (("aws:principaltag/team", team), ("aws:requesttag/stage", stage)) if v is not None}
            for team, stage in product((None, "a", "b", "c"), (None, "dev", "prod"))]


def _conditions():
    values = st.lists(st.sampled_from(("a", "b", "c")), min_size=1, max_size=2, unique=True)
    stage = st.lists(st.sampled_from(("dev", "prod")), min_size=1, max_size=2, unique=True)
    team = st.one_of(st.builds(lambda v: {"StringEquals": {"aws:PrincipalTag/team": v}}, values),
                     st.builds(lambda v: {"StringNotEquals": {"aws:PrincipalTag/team": v}}, values))
    both = st.builds(lambda v, s: {"StringEquals": {"aws:PrincipalTag/team": v, "aws:RequestTag/stage": s}}, values,
                     stage)
    return st.one_of(st.none(), team, both, st.builds(lambda s: {"StringEquals": {"aws:RequestTag/stage": s}}, stage))


@st.composite
def statements(draw, effect=None):
    pool = _action_pool()
    actions = draw(st.lists(st.sampled_from(pool + PATTERNS), min_size=1, max_size=3, unique=True))
    statement = {"Effect": effect or draw(st.sampled_from(("Allow", "Allow", "Deny")))}
    if draw(st.integers(0, 5)) == 0:
        statement["NotAction"] = actions
    else:
        statement["Action"] = actions
    resources = draw(st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2, unique=True))
    statement["NotResource" if draw(st.integers(0, 7)) == 0 else "Resource"] = resources
    condition = draw(_conditions())
    if condition:
        statement["Condition"] = condition
    return statement


def policies(min_size=1):
    return st.lists(statements(), min_size=min_size, max_size=3)


def _statements(raw: list) -> list:
    return list(normalize({"Version": "2012-10-17", "Statement": raw}).statements)


def _access(raw: list):
    return access([(0, s) for s in _statements(raw)], ["p"], _index())


@lru_cache(maxsize=1)
def _requests() -> tuple:
    """Every valid request of the sample: an action on a resource of one of its types (or "*"
    for actions that have none), in every context."""
    index = _index()
    res = resolver(index.catalog)
    pairs = []
    for action in _action_pool():
        typed = bool(res.action_types(action))
        for arn in CONCRETE:
            if (arn == "*" and not typed) or (arn != "*" and typed and res.applies(action, arn)):
                pairs.append((action, arn))
    return tuple(Request(a, r, None, c) for a, r in pairs for c in CONTEXTS)


def _escapes(old: list, new: list) -> list:
    """Sampled requests ``new`` allows and ``old`` does not."""
    index = _index()
    a, b = _statements(old), _statements(new)
    return [r for r in _requests() if allows(b, r, index) and not allows(a, r, index)]


SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(policies())
def test_a_policy_grants_nothing_beyond_itself(policy):
    assert added(_access(policy), _access(policy)) == []


@SETTINGS
@given(policies(), policies())
def test_added_is_empty_exactly_when_every_request_new_allows_old_allows(old, new):
    found = added(_access(old), _access(new))
    escapes = _escapes(old, new)
    if not found:
        assert escapes == [], f"the diff found nothing, yet {escapes[0]} is new"
    else:
        # each block reported, as far as the sample's actions go, holds a request that really is new
        new_actions = {r.action for r in escapes}
        for block, actions, _ in found:
            sampled = actions & set(_action_pool())
            assert not sampled or sampled & new_actions, f"{block} {sorted(sampled)}: no sampled request is new"


@SETTINGS
@given(policies(), statements(effect="Deny"))
def test_adding_a_deny_never_adds_access(policy, deny):
    assert added(_access(policy), _access(policy + [deny])) == []
    assert _escapes(policy, policy + [deny]) == []
