"""fit_policy: keep policies within AWS's size limits by minimizing, then splitting managed policies."""
from __future__ import annotations

import copy
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_tf.core.errors import InputError, PolicyTfError
from policy_tf.iamdb import query
from policy_tf.writing.fit import LIMITS, fit_policy, policy_size


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def statement(sid: str, actions: list[str], resources: list[str] = ("*",), **extra) -> dict:
    return {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": list(resources), **extra}


def fake_actions(service: str, count: int) -> list[str]:
    # An unknown service: minimizing leaves these untouched, so sizes stay predictable.
    return [f"{service}:DoSomethingUseful{i:04d}" for i in range(count)]


def big_policy(statements: int = 40, actions: int = 30) -> dict:
    return policy(*(statement(f"Stmt{i}", fake_actions(f"fake{i}", actions)) for i in range(statements)))


def all_actions(policies: list[dict]) -> list[str]:
    return sorted(a for p in policies for s in p["Statement"] for a in s["Action"])


@pytest.mark.parametrize("document, counted", [
    ({"a": "b c"}, '{"a":"bc"}'),
    ({"Sid": "A B", "List": ["x", "y  z"]}, '{"Sid":"AB","List":["x","yz"]}'),
    ({"a": "x\ny"}, '{"a":"x\\ny"}'),  # JSON escapes count: AWS sees the escaped text
    ({"Version": "2012-10-17",
      "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my bucket/*"}]},
     '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::mybucket/*"}]}'),
], ids=["space-in-string", "spaces-in-list", "escaped-newline", "policy"])
def test_policy_size_counts_compact_json_without_any_whitespace(document, counted):
    assert policy_size(document) == len(counted)


def test_limits_are_those_aws_documents():
    assert LIMITS == {"managed": 6144, "inline-role": 10240, "inline-user": 2048, "inline-group": 5120}


@pytest.mark.parametrize("target", sorted(LIMITS))
def test_a_policy_within_the_limit_comes_back_unchanged(target):
    document = policy(statement("S3ReadObject", ["s3:GetObject"], ["arn:aws:s3:::b/*"]))
    result = fit_policy(document, target)
    assert (result.policies, result.sizes, result.limit) == ([document], [policy_size(document)], LIMITS[target])
    assert not result.minimized and result.notes == []


def test_a_policy_exactly_at_the_limit_fits():
    document = policy(statement("S1", ["fake:A"], ["x"]))
    document["Statement"][0]["Resource"] = ["x" * (LIMITS["inline-user"] - policy_size(document) + 1)]
    assert policy_size(document) == LIMITS["inline-user"]
    assert fit_policy(document, "inline-user").policies == [document]


def test_a_policy_too_large_as_is_is_minimized_when_that_makes_it_fit():
    describes = [a for a in query.action_names("ec2") if a.startswith("ec2:Describe")]
    document = policy(statement("Ec2Describe", describes))
    assert policy_size(document) > LIMITS["inline-user"]
    result = fit_policy(document, "inline-user")
    assert result.minimized and len(result.policies) == 1
    assert result.sizes == [policy_size(result.policies[0])] and result.sizes[0] <= LIMITS["inline-user"]
    assert len(result.policies[0]["Statement"][0]["Action"]) < len(describes)
    assert any("minimized" in note for note in result.notes)


def test_a_large_managed_policy_is_split_into_policies_under_the_limit():
    document = big_policy()
    result = fit_policy(document, "managed", minimize_chars=None)
    assert len(result.policies) > 1 and not result.minimized
    assert result.sizes == [policy_size(p) for p in result.policies]
    assert all(size <= LIMITS["managed"] for size in result.sizes)


def test_split_policies_hold_every_statement_once_each_with_the_version():
    document = big_policy()
    result = fit_policy(document, "managed", minimize_chars=None)
    assert all(p["Version"] == "2012-10-17" for p in result.policies)
    placed = [s for p in result.policies for s in p["Statement"]]
    assert sorted(placed, key=lambda s: s["Sid"]) == sorted(document["Statement"], key=lambda s: s["Sid"])


def test_statements_are_packed_first_fit_in_their_given_order():
    # The large statements fill one policy each; the small last one goes back into the first.
    large = [statement(f"Big{i}", fake_actions(f"big{i}", 150)) for i in range(3)]
    small = statement("Small", ["fake:Tiny"])
    result = fit_policy(policy(*large, small), "managed", minimize_chars=None)
    assert [[s["Sid"] for s in p["Statement"]] for p in result.policies] == [["Big0", "Small"], ["Big1"], ["Big2"]]


def test_a_single_oversized_statement_is_split_by_its_actions():
    actions = fake_actions("fake", 600)
    result = fit_policy(policy(statement("S3ReadObject", actions)), "managed", minimize_chars=None)
    parts = [s for p in result.policies for s in p["Statement"]]
    assert len(parts) > 1 and all(size <= LIMITS["managed"] for size in result.sizes)
    assert all_actions(result.policies) == sorted(actions)


@settings(max_examples=40, deadline=None)
@given(lengths=st.lists(st.integers(1, 60), min_size=150, max_size=900), sid=st.text("Ab9", min_size=1, max_size=40))
def test_every_part_of_any_split_statement_fits_and_together_they_hold_every_action(lengths, sid):
    actions = [f"fake:{'A' * n}{i}" for i, n in enumerate(lengths)]
    result = fit_policy(policy(statement(sid, actions)), "managed", minimize_chars=None)
    assert all(policy_size(p) <= LIMITS["managed"] for p in result.policies)
    assert all_actions(result.policies) == sorted(actions)
    sids = [s["Sid"] for p in result.policies for s in p["Statement"]]
    assert len(sids) == len(set(sids))


@pytest.mark.parametrize("padding", range(40))
def test_numbering_the_parts_never_pushes_one_over_the_limit(padding):
    # Varying the first action's length makes some part fill its policy to the last character.
    actions = [f"fake:{'A' * padding}", *fake_actions("fake", 600)]
    result = fit_policy(policy(statement("Sid", actions)), "managed", minimize_chars=None)
    assert all(size <= LIMITS["managed"] for size in result.sizes)


def test_parts_of_a_split_statement_get_numbered_alphanumeric_sids():
    result = fit_policy(policy(statement("S3ReadObject", fake_actions("fake", 600))), "managed", minimize_chars=None)
    sids = [s["Sid"] for p in result.policies for s in p["Statement"]]
    assert sids == [f"S3ReadObject{i}" for i in range(1, len(sids) + 1)]
    assert all(re.fullmatch(r"[A-Za-z0-9]+", sid) for sid in sids)


def test_part_sids_skip_sids_the_policy_already_uses():
    document = policy(statement("Big", fake_actions("fake", 600)), statement("Big2", ["fake:Other"]))
    result = fit_policy(document, "managed", minimize_chars=None)
    sids = [s["Sid"] for p in result.policies for s in p["Statement"]]
    assert len(sids) == len(set(sids)) and sids.count("Big2") == 1


def test_parts_of_a_split_statement_keep_its_effect_resources_and_condition():
    condition = {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
    whole = statement("Big", fake_actions("fake", 600), ["arn:aws:s3:::b/*"], Condition=condition)
    result = fit_policy(policy(whole), "managed", minimize_chars=None)
    for part in (s for p in result.policies for s in p["Statement"]):
        assert {k: v for k, v in part.items() if k not in ("Sid", "Action")} == \
            {k: v for k, v in whole.items() if k not in ("Sid", "Action")}


def test_a_single_action_statement_too_large_is_split_by_its_resources():
    resources = [f"arn:aws:s3:::bucket-number-{i:04d}/*" for i in range(400)]
    result = fit_policy(policy(statement("Objects", ["s3:GetObject"], resources)), "managed", minimize_chars=None)
    parts = [s for p in result.policies for s in p["Statement"]]
    assert len(parts) > 1 and all(part["Action"] == ["s3:GetObject"] for part in parts)
    assert sorted(r for part in parts for r in part["Resource"]) == sorted(resources)
    assert all(size <= LIMITS["managed"] for size in result.sizes)


def test_one_action_on_one_resource_too_large_for_a_policy_is_an_error():
    huge = statement("Huge", ["s3:GetObject"], ["arn:aws:s3:::" + "b" * 7000])
    with pytest.raises(PolicyTfError, match="Huge"):
        fit_policy(policy(huge), "managed", minimize_chars=None)


def test_an_oversized_not_action_statement_is_an_error_rather_than_a_broader_split():
    document = policy({"Sid": "Deny", "Effect": "Deny", "NotAction": fake_actions("fake", 600), "Resource": "*"})
    with pytest.raises(PolicyTfError, match="NotAction"):
        fit_policy(document, "managed", minimize_chars=None)


def test_splitting_is_deterministic():
    document = policy(*big_policy(12, 30)["Statement"], statement("Big", fake_actions("fake", 600)))
    first = fit_policy(document, "managed", minimize_chars=None)
    second = fit_policy(copy.deepcopy(document), "managed", minimize_chars=None)
    assert first == second


def test_fitting_does_not_mutate_the_input():
    document = policy(statement("Big", fake_actions("fake", 600)))
    before = copy.deepcopy(document)
    fit_policy(document, "managed")
    assert document == before


def test_more_than_ten_managed_policies_come_with_a_quota_note():
    result = fit_policy(big_policy(50, 40), "managed", minimize_chars=None)
    assert 10 < len(result.policies) <= 20
    assert any("quota of 10" in note for note in result.notes)


def test_more_than_twenty_managed_policies_come_with_a_maximum_note():
    result = fit_policy(big_policy(120, 40), "managed", minimize_chars=None)
    assert len(result.policies) > 20
    assert any("maximum of 20" in note for note in result.notes)


@pytest.mark.parametrize("target, identity",
                         [("inline-user", "user"), ("inline-role", "role"), ("inline-group", "group")])
def test_an_inline_policy_over_the_limit_is_an_error_naming_size_and_limit(target, identity):
    document = big_policy(30, 30)
    size, limit = policy_size(document), LIMITS[target]
    with pytest.raises(PolicyTfError) as raised:
        fit_policy(document, target)
    message = str(raised.value)
    assert str(size) in message and str(limit) in message and identity in message and "--fit managed" in message


def test_an_unknown_target_is_an_input_error_listing_the_choices():
    with pytest.raises(InputError) as raised:
        fit_policy(policy(), "inline-robot")
    assert all(choice in str(raised.value) for choice in LIMITS)
