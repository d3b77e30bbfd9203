"""A written policy allows only (action, resource) pairs that were asked for: a statement groups
actions asked for on exactly the same resources, so named-actions of one resource type never cross."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_tf.core.errors import InputError
from policy_tf.iamdb.arn import parse_arn
from policy_tf.iamdb.catalog import catalog
from policy_tf.writing.pipeline import write_policy
from policy_tf.writing.template import LEVEL_KEYS

ACCOUNT = "123456789012"
CONNECT = f"arn:aws:connect:us-east-1:{ACCOUNT}:instance"


def pairs(policy: dict) -> set[tuple[str, str]]:
    """Every (action, resource) pair the policy's statements allow, as written."""
    return {(a, r) for s in policy["Statement"] for a in s["Action"] for r in s["Resource"]}


def test_named_actions_on_different_objects_do_not_cross():
    policy = write_policy({"mode": "crud", "named-actions": {
        "s3:GetObject": ["arn:aws:s3:::a/x"], "s3:GetObjectTagging": ["arn:aws:s3:::b/y"],
        "s3:PutObject": ["arn:aws:s3:::a/x"], "s3:AbortMultipartUpload": ["arn:aws:s3:::b/y"]}})
    assert pairs(policy) == {("s3:GetObject", "arn:aws:s3:::a/x"), ("s3:GetObjectTagging", "arn:aws:s3:::b/y"),
                             ("s3:PutObject", "arn:aws:s3:::a/x"), ("s3:AbortMultipartUpload", "arn:aws:s3:::b/y")}
    assert all(len(s["Action"]) == 1 for s in policy["Statement"])


def test_actions_asked_for_on_the_same_resources_still_share_one_statement():
    both = ["arn:aws:s3:::b/y", "arn:aws:s3:::a/x"]
    policy = write_policy({"mode": "crud", "named-actions": {"s3:GetObject": both, "s3:GetObjectTagging": both}})
    assert policy["Statement"] == [{"Sid": "NamedS3ReadObject", "Effect": "Allow",
                                    "Action": ["s3:GetObject", "s3:GetObjectTagging"], "Resource": sorted(both)}]


def test_an_action_asked_for_on_more_resources_gets_a_statement_of_its_own():
    policy = write_policy({"mode": "crud", "named-actions": {
        "s3:GetObject": ["arn:aws:s3:::a/x", "arn:aws:s3:::b/y"], "s3:GetObjectTagging": ["arn:aws:s3:::a/x"]}})
    assert [(s["Sid"], s["Action"], s["Resource"]) for s in policy["Statement"]] == [
        ("NamedS3ReadObject1", ["s3:GetObject"], ["arn:aws:s3:::a/x", "arn:aws:s3:::b/y"]),
        ("NamedS3ReadObject2", ["s3:GetObjectTagging"], ["arn:aws:s3:::a/x"])]


def test_dependents_of_actions_on_different_instances_do_not_cross():
    # SearchUsers is a dependent of AssociateTrafficDistributionGroupUser, DescribePredefinedAttribute one of
    # SearchPredefinedAttributes; both are Read on connect's instance, so they share the dependents' grant.
    policy = write_policy({"mode": "crud", "named-actions": {
        "connect:AssociateTrafficDistributionGroupUser": [f"{CONNECT}/aaa"],
        "connect:SearchPredefinedAttributes": [f"{CONNECT}/bbb"]}})
    found = pairs(policy)
    assert ("connect:SearchUsers", f"{CONNECT}/aaa") in found
    assert ("connect:DescribePredefinedAttribute", f"{CONNECT}/bbb") in found
    assert ("connect:SearchUsers", f"{CONNECT}/bbb") not in found
    assert ("connect:DescribePredefinedAttribute", f"{CONNECT}/aaa") not in found


def test_the_same_template_is_written_the_same_way_whatever_the_order_of_its_keys():
    named = {"s3:GetObject": ["arn:aws:s3:::a/x"], "s3:GetObjectTagging": ["arn:aws:s3:::b/y", "arn:aws:s3:::a/x"],
             "s3:GetObjectAcl": ["arn:aws:s3:::b/y"]}
    reverse = {k: list(reversed(v)) for k, v in reversed(named.items())}
    assert write_policy({"mode": "crud", "named-actions": named}) == write_policy(
        {"mode": "crud", "named-actions": reverse})


# --- the property ---------------------------------------------------------------------------------------

ARNS = [
    "arn:aws:s3:::a/x", "arn:aws:s3:::b/y", "arn:aws:s3:::a", "arn:aws:s3:::b",
    f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/users",
    f"arn:aws:sqs:us-east-1:{ACCOUNT}:q1", f"arn:aws:sqs:us-east-1:{ACCOUNT}:q2",
    f"{CONNECT}/aaa", f"{CONNECT}/bbb",
    f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k1", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k2",
]


def own_types(arn: str) -> list[tuple[str, str]]:
    parsed = parse_arn(arn)
    return [(p, t) for p, t in catalog().match(parsed) if p == parsed.service]


def named_choices() -> list[tuple[str, str]]:
    """(action, ARN) pairs a template may name: the action acts on a resource type of the ARN."""
    cat = catalog()
    out = set()
    for arn in ARNS:
        for prefix, rtype in own_types(arn):
            out.update((f"{prefix}:{row.action}", arn) for row in cat.by_resource_type(prefix, rtype))
    return sorted(out)


NAMED = named_choices()


def asked(template: dict) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """What the template asks for, read from the database without the writer: (action, ARN) pairs, and the
    (dependent, ARN) pairs the database documents for them (same service; granted on that ARN or under it)."""
    cat = catalog()
    wanted: set[tuple[str, str, str]] = set()  # action, ARN, resource type
    for key, level in LEVEL_KEYS.items():
        for arn in template.get(key, []):
            for prefix, rtype in own_types(arn):
                wanted.update((f"{prefix}:{r.action}", arn, rtype)
                              for r in cat.by_resource_type(prefix, rtype) if r.level == level)
    for action, arns in template.get("named-actions", {}).items():
        prefix, name = action.split(":")
        typed = {r.resource_type for r in cat.rows(prefix, name)}
        wanted.update((action, arn, rtype) for arn in arns for p, rtype in own_types(arn) if rtype in typed)
    dependents = set()
    for action, arn, rtype in wanted:
        prefix, name = action.split(":")
        for row in cat.rows(prefix, name):
            if row.resource_type in ("", rtype):
                dependents.update((dep, arn) for dep in row.dependent_actions if dep.startswith(prefix + ":"))
    return {(a, arn) for a, arn, _ in wanted}, dependents


def allowed_as_asked(pair: tuple[str, str], wanted: set, dependents: set) -> bool:
    action, resource = pair
    if pair in wanted:
        return True
    # A dependent is scoped to the granted ARN itself or to resources under it (a table's indexes).
    return any(dep == action and (resource == arn or (resource.startswith(arn) and resource[len(arn)] in "/:"))
               for dep, arn in dependents)


templates = st.fixed_dictionaries(
    {"mode": st.just("crud")},
    optional={
        "named-actions": st.lists(st.integers(0, len(NAMED) - 1), min_size=1, max_size=12).map(
            lambda chosen: {NAMED[i][0]: sorted({arn for a, arn in map(NAMED.__getitem__, chosen) if a == NAMED[i][0]})
                            for i in chosen}),
        **{key: st.lists(st.sampled_from(ARNS), min_size=1, max_size=4, unique=True) for key in LEVEL_KEYS},
        "include-dependent-actions": st.sampled_from(["scoped", "none"]),
    },
).filter(lambda t: "named-actions" in t or any(k in t for k in LEVEL_KEYS))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(templates)
def test_every_pair_a_written_policy_allows_was_asked_for_or_is_a_documented_dependent_there(template):
    try:
        policy = write_policy(template)
    except InputError as exc:  # a template that grants nothing is refused, which allows nothing
        assert "grants nothing" in str(exc)
        return
    wanted, dependents = asked(template)
    crossed = sorted(p for p in pairs(policy) if not allowed_as_asked(p, wanted, dependents))
    assert crossed == []
    # Least privilege is not bought by dropping what was asked for: every asked pair is still allowed.
    assert wanted <= pairs(policy)
