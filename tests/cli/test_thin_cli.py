"""The CLI parses, calls the library and renders: its choices are the library's constants, and the
decisions it used to make itself are library functions, tested here without the CLI."""
from __future__ import annotations

import json

import pytest

from policy_tf.analysis.allowed import allowed_by_file
from policy_tf.analysis.audit import FAIL_ON
from policy_tf.cli import build_parser
from policy_tf.core.errors import PROG, InputError
from policy_tf.iamdb import access_level, database, query
from policy_tf.iamdb.initialize import default_baseline
from policy_tf.iamdb.sources import SOURCES
from policy_tf.sources.cloudtrail.aggregate import Evidence, bump
from policy_tf.writing.fit import LIMITS


def choices(argv: list[str], dest: str) -> tuple:
    """The choices of option ``dest`` in the sub-parser that ``argv`` selects."""
    parser = build_parser(argv)
    for words in (argv[:1], argv[:2]):
        sub = parser
        for word in words:
            sub = next(a for a in sub._actions if a.dest in ("command", "db_command", "table")).choices[word]
        found = [a for a in sub._actions if a.dest == dest]
        if found:
            return tuple(found[0].choices)
    raise AssertionError(f"no option {dest} under {argv}")


@pytest.mark.parametrize("argv, dest, expected", [
    (["write-policy"], "fit", tuple(LIMITS)),
    (["write-policy-dir"], "fit", tuple(LIMITS)),
    (["audit", "x"], "fail_on", FAIL_ON),
    (["db", "build"], "source", SOURCES),
    (["initialize"], "source", SOURCES),
    (["query", "action-table"], "access_level", access_level.OPTIONS),
    (["analyze-iam-policy"], "from_access_level", access_level.OPTIONS),
])
def test_choices_are_the_library_constants(argv, dest, expected):
    assert choices(argv, dest) == expected


def test_one_program_name():
    from policy_tf.cli import common
    from policy_tf.terraform import external, policy_dir

    assert common.PROG is external.PROG is policy_dir.PROG is PROG == "policy_tf"
    assert external.FIT_CHOICES == policy_dir.FIT_CHOICES == tuple(LIMITS)


def test_named_action_is_the_action_or_nothing_when_a_filter_leaves_it_out():
    assert [d["action"] for d in query.named_action("s3", "getobject")] == ["s3:GetObject"]
    assert query.named_action("s3", "GetObject", access_level="write") == []
    with pytest.raises(InputError, match="--name needs one service"):
        query.named_action("ALL", "GetObject")


def test_allowed_by_file_filters_and_reports_each_bad_file(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}]}))
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    results, errors = allowed_by_file([str(good), str(bad)])
    assert results == {str(good): ["s3:GetObject", "s3:PutObject"]} and len(errors) == 1 and str(bad) in errors[0]
    assert allowed_by_file([str(good)], access_level="write")[0] == {str(good): ["s3:PutObject"]}
    assert allowed_by_file([str(good)], among=["s3:DeleteObject"])[0] == {}


def test_a_rebuild_is_guarded_against_its_own_file_else_the_bundled_database(tmp_path):
    dest = tmp_path / "iam.sqlite3"
    assert str(default_baseline(dest)) == str(database.BUNDLED)
    dest.write_bytes(b"")
    assert default_baseline(dest) == dest


def test_evidence_tallies_what_no_template_grants_over_every_principal():
    ev = Evidence()
    for principal in ("role/a", "role/b"):
        seen = ev.of(principal)
        bump(seen.unmapped, ("widgets.amazonaws.com", "Spin", "no mapping"), "")
        bump(seen.unresolved, ("s3:GetObject", "Read", "no bucket"), "")
        bump(seen.denied, ("s3:PutObject", "arn:aws:s3:::b/k"), "")
    unmapped, unresolved, denied = ev.not_granted()
    assert unmapped == {("widgets.amazonaws.com", "Spin", "no mapping"): 2}
    assert unresolved == {("s3:GetObject", "no bucket"): 2} and denied == {"s3:PutObject": 2}
