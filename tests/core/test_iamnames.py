"""IAM names are ASCII: one grammar and one wildcard matcher, the same in every layer.

Look-alike characters (KELVIN SIGN for K, LONG S for s) must never become real actions, and
every action of the bundled database must be accepted, expanded, excluded and audited alike.
"""
from __future__ import annotations

import json

import pytest

from policy_tf.core import iamnames
from policy_tf.core.errors import InputError

KELVIN = "\u212a"  # looks like K; Python's lower() makes it "k"
LONG_S = "\u017f"  # looks like s; re.IGNORECASE matches it with "s"


@pytest.fixture(scope="module")
def every_action() -> list[str]:
    from policy_tf.iamdb.database import get

    db = get()
    return sorted(f"{p}:{n}" for p, n in db.execute("SELECT prefix, name FROM actions"))


# -- the grammar and the matcher ---------------------------------------------------------------

def test_every_action_of_the_database_is_in_the_grammar(every_action):
    assert every_action, "the bundled database has actions"
    assert [a for a in every_action if not iamnames.is_action(a)] == []


def test_hyphens_are_part_of_names_as_aws_uses_them():
    assert iamnames.is_action("vpc-lattice:AssociateViaAWSService-EventsAndStates")
    assert iamnames.is_pattern("vpc-lattice:Associate*-Events?ndStates")


@pytest.mark.parametrize("text", [f"{KELVIN}ms:*", f"secretsmanager:Get{LONG_S}ecret*", "s3:GetObject ",
                                  " s3:GetObject", "s3:GetObjec[t]", "s3:Get.Object", "s3", "s3:", ":Get", "",
                                  "s3:Get\nObject", "s3:Get:Object", "ｓ3:GetObject"])
def test_what_is_not_an_action_pattern(text):
    assert not iamnames.is_pattern(text)
    assert iamnames.problem(text).startswith(repr(text))


def test_the_problem_names_a_look_alike_character():
    assert "U+212A KELVIN SIGN" in iamnames.problem(f"{KELVIN}ms:*")
    assert "U+017F LATIN SMALL LETTER LONG S" in iamnames.problem(f"secretsmanager:Get{LONG_S}ecret*")


def test_matching_folds_ascii_letters_only():
    assert iamnames.matches("S3:get*", "s3:GetObject")
    assert iamnames.matches("s3:GetObjec?", "s3:GetObject")
    assert not iamnames.matches(f"{KELVIN}ms:*", "kms:Decrypt")
    assert not iamnames.matches(f"secretsmanager:Get{LONG_S}ecret*", "secretsmanager:GetSecretValue")
    assert not iamnames.matches(f"{KELVIN}MS:DECRYPT", "kms:Decrypt")
    assert iamnames.fold(f"{KELVIN}MS") == f"{KELVIN}ms"


def test_brackets_are_literal_not_character_classes():
    assert not iamnames.matches("s3:GetObjec[t]", "s3:GetObject")
    assert iamnames.glob("a[b]", "a[b]") and not iamnames.glob("a[b]", "ab")


# -- every layer, over every action of the database ---------------------------------------------

def test_writing_accepts_every_action_in_actions_mode(every_action):
    from policy_tf.writing.pipeline import write_policy

    policy = write_policy({"mode": "actions", "actions": every_action})
    granted = {a for s in policy["Statement"] for a in s["Action"]}
    assert granted == set(every_action)


def test_writing_exclude_actions_matches_every_action_by_its_own_name(every_action):
    from policy_tf.writing.exclude_actions import exclude
    from policy_tf.writing.grants import Grants

    grants = Grants()
    grants.get("all", "x", "Read", "").add("*", frozenset(every_action))
    matched: set[int] = set()
    exclude(grants, [a.upper() for a in every_action], matched)
    assert next(iter(grants)).actions == set() and matched == set(range(len(every_action)))


def test_expansion_finds_every_action_by_its_name_in_any_ascii_case(every_action):
    from policy_tf.analysis.expand import action_index

    index = action_index()
    assert [a for a in every_action if index.expand(a) != {a}] == []
    assert [a for a in every_action if index.expand(a.swapcase()) != {a}] == []


def test_audit_knows_every_action(tmp_path, every_action):
    from policy_tf.analysis.audit import audit

    path = tmp_path / "all.json"
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": every_action, "Resource": "*"}]}))
    result = audit([str(path)])
    assert result.errors == []
    assert [f for f in result.findings if f.code == "UNKNOWN_ACTION"] == []


# -- look-alikes in every layer -----------------------------------------------------------------

@pytest.mark.parametrize("pattern", [f"{KELVIN}ms:*", f"secretsmanager:Get{LONG_S}ecret*", f"{KELVIN}ms:Decrypt"])
def test_a_look_alike_expands_to_nothing(pattern):
    from policy_tf.analysis.expand import action_index

    assert action_index().expand(pattern) == frozenset()
    assert action_index().canonical(pattern) is None


@pytest.mark.parametrize("key", ["actions", "exclude-actions"])
def test_writing_refuses_a_look_alike(key):
    from policy_tf.writing.pipeline import write_policy

    data = {"mode": "actions", "actions": ["kms:Decrypt"], key: [f"{KELVIN}ms:Decrypt"]}
    with pytest.raises(InputError, match="KELVIN SIGN"):
        write_policy(data)


def test_exclude_actions_refuses_brackets_instead_of_matching_a_class():
    from policy_tf.writing.pipeline import write_policy

    with pytest.raises(InputError, match=r"exclude-actions\[0\].*'\['"):
        write_policy({"mode": "actions", "actions": ["s3:GetObject"], "exclude-actions": ["s3:GetObjec[t]"]})


def test_a_look_alike_service_name_is_not_a_service():
    from policy_tf.writing.pipeline import write_policy

    with pytest.raises(InputError, match="service"):
        write_policy({"mode": "crud", "wildcard-only": {"service-read": [f"{KELVIN}ms"]}})


def test_audit_exclusions_match_actions_with_the_one_matcher():
    from policy_tf.analysis.accepted_findings import parse
    from policy_tf.analysis.model import Finding

    finding = Finding("X", "ERROR", "risk", "m", "f.json", "p", actions=("s3:GetObject",))
    upper, = parse([{"actions": ["S3:GETOBJEC?"], "reason": "r"}], "x.yml")
    assert upper.matches(finding, None)
    for bad in ("s3:GetObjec[t]", f"{KELVIN}ms:*"):
        with pytest.raises(InputError, match=r"exclusion 1: actions\[0\]"):
            parse([{"actions": [bad], "reason": "r"}], "x.yml")


def test_audit_exclusion_globs_treat_brackets_as_literals():
    from policy_tf.analysis.accepted_findings import parse
    from policy_tf.analysis.model import Finding

    entry, = parse([{"policies": ["aws_iam_role.x[0]*"], "reason": "r"}], "x.yml")
    assert entry.matches(Finding("X", "ERROR", "risk", "m", "f.json", "aws_iam_role.x[0].inline"), None)
    assert not entry.matches(Finding("X", "ERROR", "risk", "m", "f.json", "aws_iam_role.x0.inline"), None)


def test_boundary_base_actions_accept_every_action(every_action):
    from policy_tf.cli.aws import _checked_actions

    assert _checked_actions(every_action, "base actions") == every_action
    with pytest.raises(InputError, match="KELVIN|not service:Action"):
        _checked_actions([f"{KELVIN}ms:Decrypt"], "base actions")


def test_aws_entity_patterns_use_the_one_matcher():
    from policy_tf.aws.entities import Entity, matches

    role = Entity("roles", "Deployer", "arn:aws:iam::123456789012:role/Deployer", "/", None)
    assert matches(role, ["deploy*"]) and matches(role, ["role/DEPLOYER"])
    assert not matches(role, ["[d]eployer"])
    assert not matches(Entity("roles", "kms-admin", "arn:aws:iam::123456789012:role/kms-admin", "/", None),
                       [f"{KELVIN}ms-admin"])


@pytest.mark.parametrize("source,name", [(f"{KELVIN}ms.amazonaws.com", "Decrypt"), ("s3.amazonaws.com", "GetObjec?"),
                                         ("s3.amazonaws.com", "*"), ("s3.amazonaws.com", f"Get{LONG_S}bject")])
def test_cloudtrail_events_with_look_alikes_or_wildcards_map_to_no_action(source, name):
    from policy_tf.iamdb.catalog import catalog
    from policy_tf.sources.cloudtrail import mapping

    mapper = mapping.EventMapper(catalog(), mapping.Mappings({}, {}, {}, {}), operations=None)
    assert mapper.resolve(source, name).actions == ()


def test_cloudtrail_maps_every_action_by_its_own_name(every_action):
    from policy_tf.iamdb.catalog import catalog
    from policy_tf.sources.cloudtrail import mapping

    mapper = mapping.EventMapper(catalog(), mapping.Mappings({}, {}, {}, {}), operations=None)
    wrong = [a for a in every_action
             if [p.action for p in mapper.resolve(f"{a.split(':')[0]}.amazonaws.com", a.split(":")[1]).actions] != [a]]
    assert wrong == []
