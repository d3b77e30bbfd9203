"""policy_tf diff: the access added and removed between two sets of policies, as IAM grants it."""
from __future__ import annotations

import json

import pytest

from policy_tf.analysis.access_changes import access_of, diff_paths
from policy_tf.analysis.access_diff import added
from policy_tf.analysis.expand import action_index
from policy_tf.analysis.model import PolicyInput
from policy_tf.cli import main

BUCKET = "arn:aws:s3:::b"


@pytest.fixture
def index():
    return action_index()


def policy(*statements, kind="identity", name="p") -> PolicyInput:
    return PolicyInput("p.json", name, kind, {"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def new_access(index, old, new) -> set:
    """(action, resource) pairs ``new`` grants beyond ``old``."""
    found = added(access_of([old], index), access_of([new], index))
    return {(a, block.resource) for block, actions, _ in found for a in actions}


def test_the_same_policy_grants_nothing_new(index):
    p = policy(allow("s3:Get*", f"{BUCKET}/*"), deny("s3:GetObject", f"{BUCKET}/private/*"))
    assert new_access(index, p, p) == set()


def test_a_wildcard_rewritten_as_the_list_it_stands_for_is_no_change(index):
    listed = sorted(a for a in index.names("s3") if a.startswith("s3:GetObject"))
    assert new_access(index, policy(allow("s3:GetObject*", f"{BUCKET}/*")), policy(allow(listed, f"{BUCKET}/*"))) \
        == set()
    assert new_access(index, policy(allow(listed, f"{BUCKET}/*")), policy(allow("s3:GetObject*", f"{BUCKET}/*"))) \
        == set()


def test_actions_no_resource_can_reach_are_not_access(index):
    # s3:* on objects is only the object-level actions: the bucket-level ones add nothing
    objects = sorted(a for a in index.expand("s3:*") if index.catalog is not None)
    assert new_access(index, policy(allow(objects, f"{BUCKET}/*")), policy(allow("s3:*", f"{BUCKET}/*"))) == set()


def test_a_wider_resource_is_new_access_and_a_narrower_one_is_not(index):
    wide, narrow = policy(allow("s3:GetObject", f"{BUCKET}/*")), policy(allow("s3:GetObject", f"{BUCKET}/logs/*"))
    assert new_access(index, narrow, wide) == {("s3:GetObject", f"{BUCKET}/*")}
    assert new_access(index, wide, narrow) == set()


def test_a_grant_that_loses_its_condition_is_new_access(index):
    cond = {"StringEquals": {"aws:PrincipalTag/team": "a"}}
    with_condition = policy(allow("s3:GetObject", f"{BUCKET}/*", Condition=cond))
    without = policy(allow("s3:GetObject", f"{BUCKET}/*"))
    assert new_access(index, with_condition, without) == {("s3:GetObject", f"{BUCKET}/*")}
    assert new_access(index, without, with_condition) == set()  # a new condition is narrower


def test_a_value_removed_from_a_condition_is_narrower_and_one_added_is_wider(index):
    two = policy(allow("s3:GetObject", f"{BUCKET}/*",
                       Condition={"StringEquals": {"aws:PrincipalTag/team": ["a", "b"]}}))
    one = policy(allow("s3:GetObject", f"{BUCKET}/*", Condition={"StringEquals": {"aws:PrincipalTag/team": "a"}}))
    assert new_access(index, two, one) == set()
    assert new_access(index, one, two) == {("s3:GetObject", f"{BUCKET}/*")}


def test_condition_keys_are_read_case_insensitively_and_shown_as_written(index, tmp_path, capsys):
    written = policy(allow("s3:GetObject", f"{BUCKET}/*", Condition={"StringEquals": {"aws:PrincipalTag/team": "a"}}))
    shouted = policy(allow("s3:GetObject", f"{BUCKET}/*", Condition={"StringEquals": {"AWS:PRINCIPALTAG/team": "a"}}))
    assert new_access(index, written, shouted) == set() and new_access(index, shouted, written) == set()
    old = _write(tmp_path, "old.json", allow("s3:GetObject", f"{BUCKET}/*"))
    new = _write(tmp_path, "new.json", allow("s3:PutObject", f"{BUCKET}/*",
                                             Condition={"StringEquals": {"aws:PrincipalTag/team": "a"}}))
    assert main(["diff", old, new]) == 0
    assert '"aws:PrincipalTag/team": "a"' in capsys.readouterr().out


def test_removing_a_deny_is_new_access_and_adding_one_never_is(index):
    base = allow("s3:GetObject", f"{BUCKET}/*")
    guarded = policy(base, deny("s3:GetObject", f"{BUCKET}/private/*"))
    # what is new is the part the Deny removed, and that is what is reported
    assert new_access(index, guarded, policy(base)) == {("s3:GetObject", f"{BUCKET}/private/*")}
    assert new_access(index, policy(base), guarded) == set()


def test_a_conditioned_deny_made_weaker_is_new_access(index):
    base = allow("s3:GetObject", f"{BUCKET}/*")
    strict = policy(base, deny("s3:GetObject", "*", Condition={"Bool": {"aws:SecureTransport": "false"}}))
    loose = policy(base, deny("s3:GetObject", "*", Condition={"Bool": {"aws:SecureTransport": "false"},
                                                              "StringEquals": {"aws:PrincipalTag/x": "y"}}))
    assert new_access(index, strict, loose) == {("s3:GetObject", f"{BUCKET}/*")}
    assert new_access(index, loose, strict) == set()


def test_not_action_is_read_exactly(index):
    old = policy(allow("s3:*", "*"))
    new = policy({"Effect": "Allow", "NotAction": "s3:DeleteObject*", "Resource": "*"})
    found = new_access(index, old, new)
    assert found and all(not a.startswith("s3:") for a, _ in found)  # every s3 action but deletes was already there
    # on objects, NotAction reaches only what objects can be: all of it s3's, all of it granted before
    objects = policy({"Effect": "Allow", "NotAction": "s3:DeleteObject*", "Resource": f"{BUCKET}/*"})
    assert new_access(index, policy(allow("s3:*", f"{BUCKET}/*")), objects) == set()


def test_not_resource_covers_what_it_leaves_out(index):
    old = policy({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": f"{BUCKET}/private/*"})
    assert new_access(index, old, policy(allow("s3:GetObject", f"{BUCKET}/public/*"))) == set()
    assert new_access(index, old, policy(allow("s3:GetObject", f"{BUCKET}/*"))) == {("s3:GetObject", f"{BUCKET}/*")}


def test_a_pattern_that_reaches_every_resource_of_an_action_is_star_for_it(index):
    buckets = policy(allow("s3:PutBucketTagging", "arn:aws:s3:::*"))
    anywhere = policy(allow("s3:PutBucketTagging", "*"))
    assert new_access(index, buckets, anywhere) == set()  # a bucket action reaches only buckets
    assert new_access(index, anywhere, buckets) == set()
    objects = policy(allow("s3:GetObject", "arn:aws:s3:::*"))
    # objects are also reached through access points, which arn:aws:s3:::* does not cover
    assert new_access(index, objects, policy(allow("s3:GetObject", "*"))) == {("s3:GetObject", "*")}


def test_grants_that_cover_together_what_one_grant_does(index):
    split = policy({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": f"{BUCKET}/private/*"},
                   allow("s3:GetObject", f"{BUCKET}/private/*"))
    assert new_access(index, split, policy(allow("s3:GetObject", "*"))) == set()


def test_resource_policies_compare_principals(index):
    account = {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:GetObject",
               "Resource": f"{BUCKET}/*"}
    role = dict(account, Principal={"AWS": "arn:aws:iam::111122223333:role/reader"})
    anyone = dict(account, Principal="*")
    assert new_access(index, policy(account, kind="resource"), policy(role, kind="resource")) == set()
    assert new_access(index, policy(role, kind="resource"), policy(account, kind="resource"))
    assert new_access(index, policy(account, kind="resource"), policy(anyone, kind="resource"))


def _write(folder, name, *statements):
    path = folder / name
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}), encoding="utf-8")
    return str(path)


def test_cli_prints_added_and_removed_and_fails_on_new_access(tmp_path, capsys):
    old = _write(tmp_path, "old.json", allow("s3:GetObject", f"{BUCKET}/*"))
    new = _write(tmp_path, "new.json", allow(["s3:GetObject", "s3:PutObject"], f"{BUCKET}/*"))
    assert main(["diff", old, new]) == 0
    out = capsys.readouterr().out
    assert "+ Allow s3:PutObject on arn:aws:s3:::b/*" in out and "1 grant added" in out
    assert main(["diff", old, new, "--fail-on-new-access"]) == 1
    capsys.readouterr()
    assert main(["diff", new, old, "--fail-on-new-access"]) == 0
    assert "- Allow s3:PutObject" in capsys.readouterr().out


def test_cli_json_names_the_granting_statement(tmp_path, capsys):
    old = _write(tmp_path, "old.json", allow("s3:GetObject", f"{BUCKET}/*"))
    new = _write(tmp_path, "new.json", allow("s3:GetObject", f"{BUCKET}/*"),
                 dict(allow("sqs:SendMessage", "*"), Sid="Send"))
    assert main(["diff", old, new, "--fmt", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    [change] = data["added"]
    assert change["actions"] == ["sqs:SendMessage"] \
        and change["granted_by"] == [{"policy": "new", "statement": 1, "sid": "Send"}]
    assert data["removed"] == []


def test_cli_sarif_has_one_result_per_added_grant(tmp_path, capsys):
    old = _write(tmp_path, "old.json", allow("s3:GetObject", f"{BUCKET}/*"))
    new = _write(tmp_path, "new.json", allow("s3:GetObject", "*"))
    assert main(["diff", old, new, "--fmt", "sarif", "--fail-on-new-access"]) == 1
    sarif = json.loads(capsys.readouterr().out)
    results = sarif["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["NEW_ACCESS"] and "s3:GetObject on *" in results[0]["message"]["text"]


def test_folders_pair_policies_by_name_and_report_new_ones_whole(tmp_path, capsys):
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    _write(tmp_path / "old", "a.json", allow("s3:GetObject", f"{BUCKET}/*"))
    _write(tmp_path / "new", "a.json", allow("s3:GetObject", f"{BUCKET}/*"))
    _write(tmp_path / "new", "b.json", allow("sns:Publish", "*"))
    result = diff_paths(str(tmp_path / "old"), str(tmp_path / "new"))
    assert [(c.name, c.status, c.actions) for c in result.changes] == [("b", "added", ("sns:Publish",))]


def _account(policies: dict, roles: dict) -> dict:
    return {
        "UserDetailList": [], "GroupDetailList": [],
        "Policies": [{"PolicyName": name, "Arn": f"arn:aws:iam::123456789012:policy/{name}", "DefaultVersionId": "v1",
                      "PolicyVersionList": [{"Document": doc, "VersionId": "v1", "IsDefaultVersion": True}]}
                     for name, doc in policies.items()],
        "RoleDetailList": [{"RoleName": role, "RolePolicyList": [], "AssumeRolePolicyDocument": {
            "Version": "2012-10-17", "Statement": []},
            "AttachedManagedPolicies": [{"PolicyName": n, "PolicyArn": f"arn:aws:iam::123456789012:policy/{n}"}
                                        for n in names]}
            for role, names in roles.items()],
    }


def test_a_managed_policy_attached_to_three_roles_shows_on_all_three(tmp_path):
    doc = {"Version": "2012-10-17", "Statement": [allow("s3:GetObject", f"{BUCKET}/*")]}
    wider = {"Version": "2012-10-17", "Statement": [allow("s3:GetObject", "*")]}
    roles = {"r1": ["shared"], "r2": ["shared"], "r3": ["shared", "other"]}
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(_account({"shared": doc, "other": doc}, roles)))
    new.write_text(json.dumps(_account({"shared": wider, "other": doc}, roles)))
    result = diff_paths(str(old), str(new))
    added_to = sorted(c.name for c in result.added)
    assert added_to == ["policy/shared", "role/r1", "role/r2", "role/r3"]


def test_a_deny_in_another_policy_of_the_principal_counts(tmp_path):
    doc = {"Version": "2012-10-17", "Statement": [allow("s3:GetObject", "*")]}
    guard = {"Version": "2012-10-17", "Statement": [deny("s3:GetObject", "*")]}
    gone = {"Version": "2012-10-17", "Statement": [deny("s3:PutObject", "*")]}
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(_account({"grant": doc, "guard": guard}, {"r": ["grant", "guard"]})))
    new.write_text(json.dumps(_account({"grant": doc, "guard": gone}, {"r": ["grant", "guard"]})))
    result = diff_paths(str(old), str(new))
    assert [(c.scope, c.name, c.actions) for c in result.added] == [("principal", "role/r", ("s3:GetObject",))]


def test_one_input_that_is_not_a_plan_is_a_clean_error(tmp_path, capsys):
    path = _write(tmp_path, "p.json", allow("s3:GetObject", "*"))
    assert main(["diff", path]) == 2
    assert "prior state" in capsys.readouterr().err


def test_a_bad_input_is_named_and_nothing_is_printed(tmp_path, capsys):
    good = _write(tmp_path, "p.json", allow("s3:GetObject", "*"))
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["diff", good, str(bad)]) == 2
    captured = capsys.readouterr()
    assert "bad.json" in captured.err and captured.out == ""


def test_hostile_inputs_and_outputs_are_clean_errors(tmp_path, capsys):
    import os

    good = _write(tmp_path, "p.json", allow("s3:GetObject", "*"))
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo.json"
        os.mkfifo(fifo)
        assert main(["diff", str(fifo), good]) == 2  # refused, not read: nobody ever writes to it
        assert "fifo.json: not a regular file" in capsys.readouterr().err
    assert main(["diff", "/dev/zero", good]) == 2
    assert "/dev/zero: not a regular file" in capsys.readouterr().err
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000)
    assert main(["diff", str(deep), good]) == 2
    err = capsys.readouterr().err
    assert "deep.json" in err and "Traceback" not in err


def test_the_report_never_replaces_a_device_a_folder_or_a_symlink(tmp_path, capsys):
    import os

    old = _write(tmp_path, "old.json", allow("s3:GetObject", "*"))
    new = _write(tmp_path, "new.json", allow("s3:PutObject", "*"))
    target = tmp_path / "target.txt"
    target.write_text("keep")
    link = tmp_path / "link.txt"
    os.symlink(target, link)
    for output in ("/dev/full", str(tmp_path), str(link)):
        assert main(["diff", old, new, "--output", output]) == 2
        assert "cannot write the report" in capsys.readouterr().err
    assert target.read_text() == "keep" and os.path.islink(link)
    assert os.path.exists("/dev/full") and not os.path.isfile("/dev/full")
    out = tmp_path / "diff.json"
    assert main(["diff", old, new, "--output", str(out), "--fmt", "json"]) == 0
    assert json.loads(out.read_text())["added"][0]["actions"] == ["s3:PutObject"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_a_full_standard_output_is_an_error_not_a_silent_success(tmp_path):
    import subprocess
    import sys

    old = _write(tmp_path, "old.json", allow("s3:GetObject", "*"))
    new = _write(tmp_path, "new.json", allow("s3:PutObject", "*"))
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "policy_tf", "diff", old, new], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    assert done.returncode == 2 and "standard output" in done.stderr
