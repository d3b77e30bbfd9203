"""minimize_policy: shortest prefix wildcards that grant exactly the requested actions."""
from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_tf.core.errors import InputError
from policy_tf.iamdb import database, query
from policy_tf.iamdb.database import Database
from policy_tf.iamdb.model import Action, ResourceRef, Service
from policy_tf.writing.minimize import minimize_policy
from tests.helpers import tiny_database

# A small service whose names share prefixes at several depths, some names being prefixes of others.
FAKE = [
    "DeleteObject", "DeleteObjectVersion", "Describe", "DescribeAll",
    "GenerateReport", "GetBucketAcl", "GetBucketPolicy", "GetBucketPolicyStatus",
    "GetObject", "GetObjectAcl", "GetObjectVersion", "GetObjectVersionAcl",
    "ListBucket", "ListBucketVersions", "ListBuckets", "ListObjects",
    "PutBucketPolicy", "PutObject", "PutObjectAcl",
]
OTHER = ["GetThing", "GetThings"]  # a second service whose prefix starts like the first


@pytest.fixture(scope="module")
def fake_db(tmp_path_factory):
    services = []
    for prefix, names in (("fake", FAKE), ("fakeother", OTHER)):
        service = Service(prefix, prefix.title(), [f"list_{prefix}.html"])
        service.actions = {n: Action(n, "Read", resources=[ResourceRef("")]) for n in names}
        services.append(service)
    db = Database(tiny_database(tmp_path_factory.mktemp("fake") / "iam.sqlite3", services))
    yield db
    db.close()


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def statement(actions, sid: str = "S1", **extra) -> dict:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": ["*"], **extra}


def minimized_actions(actions, db, min_chars: int = 0) -> list[str]:
    return minimize_policy(policy(statement(actions)), min_chars, db)["Statement"][0]["Action"]


def fake(*names: str) -> list[str]:
    return [f"fake:{n}" for n in names]


def expand(actions: list[str], db) -> set[str]:
    """Lower-cased database actions the entries match (entries end in '*' or are plain names)."""
    out = set()
    for action in actions:
        service, _, name = action.lower().partition(":")
        known = [a.lower() for a in query.action_names(service, db=db)]
        if name.endswith("*"):
            out.update(a for a in known if a.startswith(f"{service}:{name[:-1]}"))
        else:
            assert f"{service}:{name}" in known
            out.add(f"{service}:{name}")
    return out


@pytest.mark.parametrize("requested, expected", [
    (fake("GetObject", "GetObjectAcl", "GetObjectVersion", "GetObjectVersionAcl"), fake("GetO*")),
    (fake("GetBucketAcl", "GetBucketPolicy", "GetBucketPolicyStatus", "GetObject", "GetObjectAcl",
          "GetObjectVersion", "GetObjectVersionAcl"), fake("Get*")),
    (fake(*FAKE), ["fake:D*", "fake:G*", "fake:L*", "fake:P*"]),
    (fake("GetBucketPolicy", "GetBucketPolicyStatus", "PutObject"), fake("GetBucketP*", "PutObject")),
    (fake("ListBucket", "ListBucketVersions", "ListBuckets"), fake("ListB*")),
    (fake("Describe", "DescribeAll", "PutBucketPolicy"), fake("Des*", "PutBucketPolicy")),
], ids=["one-prefix", "whole-verb", "whole-service-without-service-wildcard", "mixed", "name-prefix-of-name",
        "single-match-stays-plain"])
def test_actions_become_the_shortest_wildcards_that_match_only_requested_actions(fake_db, requested, expected):
    assert minimized_actions(requested, fake_db) == expected


def test_an_action_whose_every_prefix_matches_an_unrequested_action_stays_as_is(fake_db):
    assert minimized_actions(fake("PutObject", "GetObject"), fake_db) == fake("GetObject", "PutObject")


def test_a_wildcard_that_would_match_only_one_action_is_written_as_the_plain_name(fake_db):
    assert minimized_actions(fake("DeleteObject"), fake_db) == fake("DeleteObject")


@pytest.mark.parametrize("min_chars, expected", [
    (0, fake("Get*")),
    (3, fake("Get*")),
    (4, fake("GetB*", "GetO*")),
    (9, fake("GetBucket*", "GetObject*")),
    (10, fake("GetBucketAcl", "GetBucketP*", "GetObject", "GetObjectAcl", "GetObjectV*")),
    (30, fake("GetBucketAcl", "GetBucketPolicy", "GetBucketPolicyStatus", "GetObject", "GetObjectAcl",
              "GetObjectVersion", "GetObjectVersionAcl")),
])
def test_min_chars_is_the_least_prefix_length_after_the_service(fake_db, min_chars, expected):
    gets = fake(*[n for n in FAKE if n.startswith("Get")])
    assert minimized_actions(gets, fake_db, min_chars) == sorted(expected)


def test_negative_min_chars_is_an_input_error(fake_db):
    with pytest.raises(InputError):
        minimize_policy(policy(), -1, fake_db)


def test_wildcards_keep_the_case_the_actions_were_written_in(fake_db):
    assert minimized_actions(["Fake:getobject", "Fake:getobjectacl", "Fake:getobjectversion",
                              "Fake:getobjectversionacl"],
                             fake_db) == ["Fake:geto*"]


def test_database_names_are_matched_case_insensitively(fake_db):
    assert minimized_actions(["FAKE:DELETEOBJECT", "fake:deleteobjectversion"], fake_db) == ["FAKE:DEL*"]


def test_services_whose_prefixes_start_alike_are_kept_apart(fake_db):
    assert minimized_actions(["fakeother:GetThing", "fakeother:GetThings", *fake("GetObject")], fake_db) == \
        ["fake:GetObject", "fakeother:G*"]


@pytest.mark.parametrize("action", ["fake:Get*", "fake:Get?bject", "*", "fake:*Acl"])
def test_actions_with_wildcards_are_kept_as_is(fake_db, action):
    assert action in minimized_actions([action, "fake:PutObject"], fake_db)


def test_actions_already_granted_by_a_wildcard_in_the_statement_are_dropped(fake_db):
    assert minimized_actions(["fake:Get*", "fake:GetObject", "fake:PutObject"], fake_db) \
        == ["fake:Get*", "fake:PutObject"]


def test_wildcards_in_the_statement_count_as_granted_when_choosing_prefixes(fake_db):
    # Put*Acl grants PutObjectAcl, so PutObject* is safe; PutBucketPolicy is still plain.
    assert minimized_actions(["fake:Put*Acl", "fake:PutObject"], fake_db) == ["fake:Put*Acl", "fake:PutO*"]


@pytest.mark.parametrize("action", ["nosuchservice:GetObject", "fake:NotInTheDatabase", "GetObject", "fake:"])
def test_actions_the_database_does_not_know_are_kept_as_is(fake_db, action):
    assert minimized_actions([action, *fake("ListObjects")], fake_db) == sorted([action, "fake:ListObjects"])


def test_an_unknown_action_granted_by_a_chosen_wildcard_is_not_repeated(fake_db):
    assert minimized_actions(fake("ListBucket", "ListBucketNew", "ListBucketVersions", "ListBuckets"), fake_db) == \
        fake("ListB*")


def test_a_single_string_action_becomes_a_list(fake_db):
    assert minimized_actions("fake:DescribeAll", fake_db) == ["fake:DescribeAll"]


def test_statements_with_not_action_are_left_untouched(fake_db):
    original = policy({"Sid": "S1", "Effect": "Deny", "NotAction": fake(*FAKE), "Resource": "*"})
    assert minimize_policy(original, db=fake_db) == original


@pytest.mark.parametrize("document", [
    {},
    {"Version": "2012-10-17", "Statement": []},
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]},
    {"Version": "2012-10-17", "Statement": [statement([])]},
    {"Version": "2012-10-17", "Statement": [statement(["fake:GetObject", 3])]},
], ids=["no-statement", "empty-statements", "no-action", "empty-action", "non-string-action"])
def test_policies_with_nothing_to_minimize_come_back_equal(fake_db, document):
    assert minimize_policy(document, db=fake_db) == document


def test_a_single_statement_object_is_minimized_in_place_of_a_list(fake_db):
    document = {"Version": "2012-10-17",
                "Statement": statement(fake("ListBucket", "ListBucketVersions", "ListBuckets"))}
    assert minimize_policy(document, db=fake_db)["Statement"]["Action"] == fake("ListB*")


def test_statements_keep_their_sids_and_are_never_merged(fake_db):
    result = minimize_policy(policy(statement(fake("ListObjects"), "A"), statement(fake("ListObjects"), "B")),
                             db=fake_db)
    assert [s["Sid"] for s in result["Statement"]] == ["A", "B"]


def test_other_statement_keys_are_kept(fake_db):
    condition = {"Bool": {"aws:SecureTransport": "true"}}
    result = minimize_policy(policy(statement(fake(*FAKE), Condition=condition)), db=fake_db)
    assert result["Statement"][0] == statement(["fake:D*", "fake:G*", "fake:L*", "fake:P*"], Condition=condition)


def test_the_input_policy_is_not_mutated(fake_db):
    original = policy(statement(fake(*FAKE)), statement("fake:GetObject", "S2"))
    before = copy.deepcopy(original)
    minimize_policy(original, db=fake_db)
    assert original == before


def test_all_actions_of_a_real_service_never_become_a_service_wildcard():
    # "s3:*" would also grant every action AWS adds later; one letter is the shortest prefix.
    result = minimized_actions(query.action_names("s3"), None)
    assert "s3:*" not in result and all(len(a.split(":")[1]) >= 2 for a in result)


def test_real_get_object_actions_stay_plain_when_other_get_object_actions_exist():
    # s3:GetObject* also matches GetObjectTagging etc., so nothing here can be shortened.
    requested = ["s3:GetObject", "s3:GetObjectAcl", "s3:GetObjectVersion"]
    assert minimized_actions(requested, None) == requested


def test_minimizing_every_action_in_the_database_keeps_one_letter_prefixes_at_least():
    everything = query.action_names("all")
    result = minimized_actions(everything, None)
    assert not any(a.endswith(":*") for a in result)
    assert len(result) < len(everything) / 5


# Property: the database actions the minimized list grants are exactly the requested ones.

def fake_requests():
    cased = st.sampled_from(FAKE).flatmap(lambda n: st.sampled_from([n, n.lower(), n.upper()]))
    return st.lists(cased, max_size=len(FAKE)).map(lambda names: fake(*names))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(requested=fake_requests(), min_chars=st.integers(0, 12))
def test_minimized_fake_actions_grant_exactly_the_requested_ones(fake_db, requested, min_chars):
    result = minimized_actions(requested, fake_db, min_chars)
    assert expand(result, fake_db) == {a.lower() for a in requested}
    assert result == sorted(set(result))
    assert all(len(a.partition(":")[2]) > min_chars for a in result if a.endswith("*"))
    assert len(result) <= len({a.lower() for a in requested})


def real_requests(names: list[str]):
    prefix_length = len(names[0].partition(":")[0]) + 1
    subsets = st.sets(st.sampled_from(names), max_size=60)
    # Whole prefix groups minus a few exercise the wildcards; subsets exercise the plain names.
    groups = st.tuples(st.sampled_from(names), st.integers(1, 8), st.sets(st.sampled_from(names), max_size=3)).map(
        lambda t: {n for n in names if n.lower().startswith(t[0][:prefix_length + t[1]].lower())} - t[2])
    return st.one_of(subsets, groups, st.tuples(groups, subsets).map(lambda t: t[0] | t[1])).map(sorted)


@pytest.mark.parametrize("service", ["s3", "ec2"])
def test_minimized_real_actions_grant_exactly_the_requested_ones(service):
    db = database.get()

    @settings(max_examples=150, deadline=None)
    @given(requested=real_requests(query.action_names(service, db=db)), min_chars=st.integers(0, 6))
    def check(requested, min_chars):
        assert expand(minimized_actions(requested, db, min_chars), db) == {a.lower() for a in requested}

    check()
