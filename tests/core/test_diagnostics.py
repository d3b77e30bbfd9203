"""Diagnostics are typed records from the library to the CLI: decisions are made on their kind,
and the true reason something was left out always reaches the user."""
from __future__ import annotations

import io
import pickle

import pytest

import policy_tf
from policy_tf.cli import main
from policy_tf.core.diagnostics import (
    ADVICE,
    GRANTED_BROADLY,
    KINDS,
    NOT_GRANTED,
    UNUSED_EXCLUSION,
    Diagnostic,
    of_kind,
)
from policy_tf.core.errors import InputError
from policy_tf.writing.pipeline import build

QUEUE = "arn:aws:sqs:us-east-1:123456789012:q"
ONLY_A_QUEUE_LISTED = {"mode": "crud", "list": [QUEUE]}


def test_a_diagnostic_reads_where_message_and_hint_on_one_line():
    d = Diagnostic(NOT_GRANTED, "t.yml: list[0]", "nothing granted for it", "add it under read")
    assert str(d) == "t.yml: list[0]: nothing granted for it; add it under read"
    assert str(Diagnostic(ADVICE, "", "a message")) == "a message"


def test_a_diagnostic_is_an_immutable_comparable_picklable_record():
    d = Diagnostic(UNUSED_EXCLUSION, "t.yml: exclude-actions[0]", "ec2:* excluded nothing")
    with pytest.raises(AttributeError):
        d.kind = NOT_GRANTED  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(d)) == d and hash(d) == hash(Diagnostic(*d.as_dict().values()))
    assert d.as_dict() == {"kind": UNUSED_EXCLUSION, "where": "t.yml: exclude-actions[0]",
                           "message": "ec2:* excluded nothing", "hint": ""}


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown diagnostic kind 'warning'"):
        Diagnostic("warning", "", "text")


def test_a_template_that_grants_nothing_names_the_real_reason():
    with pytest.raises(InputError) as raised:
        build(ONLY_A_QUEUE_LISTED)
    message = str(raised.value)
    assert message.startswith("template: the template grants nothing")
    reason = f"template: list[0]: no List action supports {QUEUE} (resource type sqs:queue); nothing granted for it"
    assert f"\n  {reason}" in message


def test_only_what_was_not_granted_explains_an_empty_policy():
    template = {**ONLY_A_QUEUE_LISTED, "exclude-actions": ["ec2:*"]}
    with pytest.raises(InputError) as raised:
        build(template)
    assert "no List action supports" in str(raised.value)
    assert "excluded nothing" not in str(raised.value)  # true, but not why the policy is empty


def test_every_diagnostic_of_writing_has_a_known_kind_and_a_place():
    result = build({"mode": "crud", "write": ["arn:aws:sns:eu-west-1:123456789012:alerts"],
                    "list": [QUEUE], "exclude-actions": ["ec2:*"],
                    "skip-resource-constraints": ["s3:GetObject"], "include-dependent-actions": "all"})
    kinds = {d.kind for d in result.warnings}
    assert kinds <= set(KINDS) and {NOT_GRANTED, GRANTED_BROADLY, UNUSED_EXCLUSION} <= kinds
    (listed,) = [d for d in of_kind(result.warnings, NOT_GRANTED) if QUEUE in d.message]
    assert listed.where == "template: list[0]"
    assert all(d.where for d in of_kind(result.warnings, UNUSED_EXCLUSION))


def test_a_left_out_dependent_says_how_to_grant_it_in_its_hint():
    result = build({"mode": "crud", "write": ["arn:aws:s3:::mybucket"]})
    left = [d for d in of_kind(result.warnings, NOT_GRANTED) if d.message.startswith("dependent action iam:PassRole ")]
    assert left and left[0].hint.startswith("to grant it add named-actions:")


def test_write_policy_hands_the_records_to_its_caller():
    diagnostics: list[Diagnostic] = []
    policy_tf.write_policy({"mode": "crud", "read": ["arn:aws:s3:::b/*"], "exclude-actions": ["ec2:*"]},
                           warnings=diagnostics)
    assert [d.kind for d in diagnostics] == [UNUSED_EXCLUSION]


def test_the_cli_shows_the_real_reason_and_exits_2(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(f"mode: crud\nlist: [{QUEUE}]\n".encode())))
    assert main(["write-policy"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "policy_tf: error: <stdin>: the template grants nothing (no ARNs, actions or services given, or all excluded)\n"
        f"  <stdin>: list[0]: no List action supports {QUEUE} (resource type sqs:queue); nothing granted for it\n")
