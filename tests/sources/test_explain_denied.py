"""explain-denied: one test per AccessDenied message form, the template change, and bad input."""
from __future__ import annotations

import io
import json

import pytest
import yaml

from policy_tf.cli import main
from policy_tf.core.errors import InputError
from policy_tf.sources.denied.message import BOUNDARY, IDENTITY, RCP, RESOURCE, SCP, SESSION, UNKNOWN, parse

ROLE = "arn:aws:sts::111122223333:assumed-role/app/i-0abc"
OBJECT = "arn:aws:s3:::acme-data/in/a.csv"


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(["explain-denied", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_implicit_deny_by_identity_policies_gets_the_action_alone_on_the_resource(capsys):
    message = (f"User: {ROLE} is not authorized to perform: s3:GetObject on resource: \"{OBJECT}\" "
               "because no identity-based policy allows the s3:GetObject action")
    code, out, _err = run(capsys, message)
    assert code == 0
    assert yaml.safe_load(out) == {"named-actions": {"s3:GetObject": [OBJECT]}}
    assert "# blocked by: no identity-based policy allows it (an implicit deny)" in out


def test_sdk_wrapper_and_unquoted_resource_are_read():
    denial = parse("An error occurred (AccessDenied) when calling the PutItem operation: User: "
                   f"{ROLE} is not authorized to perform: dynamodb:PutItem on resource: "
                   "arn:aws:dynamodb:us-east-1:111122223333:table/orders because no identity-based policy allows "
                   "the dynamodb:PutItem action")
    assert (denial.operation, denial.action, denial.resource, denial.kind, denial.explicit) == (
        "PutItem", "dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:111122223333:table/orders", IDENTITY, False)


def test_an_action_on_no_resource_that_supports_only_star_goes_to_wildcard_only(capsys):
    code, out, _err = run(capsys, "User: arn:aws:iam::111122223333:user/ana is not authorized to perform: "
                                  "sqs:ListQueues because no identity-based policy allows the sqs:ListQueues action")
    assert code == 0
    assert yaml.safe_load(out) == {"wildcard-only": {"single-actions": ["sqs:ListQueues"]}}


@pytest.mark.parametrize("phrase, kind", [
    ("a service control policy", SCP),
    ("a resource control policy", RCP),
    ("a permissions boundary", BOUNDARY),
    ("a session policy", SESSION),
    ("a resource-based policy", RESOURCE),
    ("an identity-based policy", IDENTITY),
])
def test_explicit_deny_names_the_policy_kind_and_changes_no_template(capsys, phrase, kind):
    message = (f"User: {ROLE} is not authorized to perform: s3:GetObject on resource: {OBJECT} "
               f"with an explicit deny in {phrase}")
    assert parse(message).kind == kind and parse(message).explicit
    code, out, _err = run(capsys, message)
    assert code == 0
    assert yaml.safe_load(out) is None  # comments only: no template change
    assert f"# blocked by: an explicit deny in {'an' if kind[0] in 'aeiou' else 'a'} {kind}" in out
    assert "No template change" in out


def test_explicit_deny_with_the_denying_policy_arn_names_it(capsys):
    scp = "arn:aws:organizations::987654321098:policy/o-qv5af4abcd/service_control_policy/p-2kgnabcd"
    code, out, _err = run(capsys, f"User: {ROLE} is not authorized to perform: iam:ListRoles on resource: "
                                  "arn:aws:iam::111122223333:role/* with an explicit deny in a service control "
                                  f"policy: {scp}")
    assert code == 0 and f"({scp})" in out
    assert "service control policies of the account's organization" in out


@pytest.mark.parametrize("phrase, kind", [
    ("service control policy", SCP),
    ("permissions boundary", BOUNDARY),
    ("session policy", SESSION),
    ("resource-based policy", RESOURCE),
])
def test_implicit_deny_in_another_policy_kind_changes_no_template(capsys, phrase, kind):
    message = (f"User: {ROLE} is not authorized to perform: s3:GetObject on resource: {OBJECT} "
               f"because no {phrase} allows the s3:GetObject action")
    assert parse(message).kind == kind
    code, out, _err = run(capsys, message)
    assert code == 0 and yaml.safe_load(out) is None
    assert f"# blocked by: no {kind} allows it" in out


def test_the_older_form_without_because_gets_the_change_and_says_the_kind_is_unknown(capsys):
    message = f"User: {ROLE} is not authorized to perform: s3:GetObject on resource: {OBJECT}"
    assert parse(message).kind == UNKNOWN
    code, out, _err = run(capsys, message)
    assert code == 0
    assert yaml.safe_load(out) == {"named-actions": {"s3:GetObject": [OBJECT]}}
    assert "the message does not say which kind" in out


def _decoded(explicit: bool) -> dict:
    inner = {"allowed": False, "explicitDeny": explicit,
             "matchedStatements": {"items": [{"statementId": "DenyLarge", "effect": "DENY"}] if explicit else []},
             "failures": {"items": []},
             "context": {"principal": {"id": "AROAEXAMPLE:ana", "arn": ROLE}, "action": "ec2:RunInstances",
                         "resource": "arn:aws:ec2:us-east-1:111122223333:instance/*",
                         "conditions": {"items": [{"key": "ec2:InstanceType",
                                                   "values": {"items": [{"value": "p5.48xlarge"}]}}]}}}
    return {"DecodedMessage": json.dumps(inner)}


def test_decoded_authorization_message_without_a_deny_gets_the_change(capsys):
    code, out, _err = run(capsys, json.dumps(_decoded(False)))
    assert code == 0
    assert yaml.safe_load(out) \
        == {"named-actions": {"ec2:RunInstances": ["arn:aws:ec2:us-east-1:111122223333:instance/*"]}}
    assert "request context: ec2:InstanceType=p5.48xlarge" in out


def test_decoded_authorization_message_with_a_deny_lists_the_matched_statements(capsys):
    code, out, _err = run(capsys, json.dumps(_decoded(True)))
    assert code == 0 and yaml.safe_load(out) is None
    assert "matched statements: DenyLarge (deny)" in out


def test_the_decoded_document_itself_is_read_too():
    inner = json.loads(_decoded(False)["DecodedMessage"])
    assert parse(json.dumps(inner)).action == "ec2:RunInstances"


def test_the_message_is_read_from_standard_input(capsys, monkeypatch):
    message = f"User: {ROLE} is not authorized to perform: s3:GetObject on resource: {OBJECT}\n"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(message.encode())))
    code, out, _err = run(capsys, "-")
    assert code == 0 and "s3:GetObject" in out


def test_an_unparseable_message_is_a_clean_error_quoting_it(capsys):
    code, out, err = run(capsys, "Access Denied")
    assert code == 2 and out == ""
    assert "cannot read an AccessDenied message from 'Access Denied'" in err
    assert "Traceback" not in err


def test_an_encoded_message_asks_to_decode_it_first():
    with pytest.raises(InputError, match="decode-authorization-message"):
        parse("You are not authorized to perform this operation. Encoded authorization failure message: AbC-123")


def test_an_action_missing_from_the_database_gets_no_change(capsys):
    code, out, _err = run(capsys, f"User: {ROLE} is not authorized to perform: s3:FlyToTheMoon on resource: {OBJECT} "
                                  "because no identity-based policy allows the s3:FlyToTheMoon action")
    assert code == 0 and yaml.safe_load(out) is None
    assert "not an action of the IAM database" in out


def test_template_prints_the_template_with_the_change_merged(tmp_path, capsys):
    template = tmp_path / "app.yml"
    template.write_text("mode: crud\nname: App\nread:\n  - arn:aws:s3:::acme-data/other\n")
    code, out, _err = run(capsys, f"User: {ROLE} is not authorized to perform: s3:GetObject on resource: {OBJECT} "
                                  "because no identity-based policy allows the s3:GetObject action", "--template",
                          str(template))
    assert code == 0
    merged = yaml.safe_load(out)
    assert merged == {"mode": "crud", "name": "App", "read": ["arn:aws:s3:::acme-data/other"],
                      "named-actions": {"s3:GetObject": [OBJECT]}}
    assert main(["write-policy", "--input-file", str(_saved(tmp_path, out))]) == 0


def _saved(tmp_path, text: str):
    path = tmp_path / "merged.yml"
    path.write_text(text)
    return path


def test_template_in_actions_mode_gets_the_action(tmp_path, capsys):
    template = tmp_path / "app.yml"
    template.write_text("mode: actions\nactions: [s3:ListBucket]\n")
    code, out, _err = run(capsys, f"User: {ROLE} is not authorized to perform: s3:GetObject on resource: {OBJECT}",
                          "--template", str(template))
    assert code == 0 and yaml.safe_load(out)["actions"] == ["s3:ListBucket", "s3:GetObject"]


def test_a_bad_template_is_a_clean_error_naming_it(tmp_path, capsys):
    template = tmp_path / "bad.yml"
    template.write_text("mode: crud\nread: 3\n")
    code, _out, err = run(capsys, f"User: {ROLE} is not authorized to perform: s3:GetObject on resource: {OBJECT}",
                          "--template", str(template))
    assert code == 2 and f"{template}: read" in err


def test_a_template_fifo_is_refused_without_blocking(tmp_path, capsys):
    import os

    fifo = tmp_path / "t.yml"
    os.mkfifo(fifo)
    code, _out, err = run(capsys, f"User: {ROLE} is not authorized to perform: s3:GetObject on resource: {OBJECT}",
                          "--template", str(fifo))
    assert code == 2 and "not a regular file" in err


@pytest.mark.parametrize("message", [
    "User: arn:aws:iam::111122223333:user/a is not authorized to perform: s3:GetObject on resource: " * 20_000,
    "Us\u0435r: arn:aws:iam::111122223333:user/a is not authorized to perform: s3:GetObject",  # Cyrillic e
    "User: arn:aws:iam::111122223333:user/a\x00\x1b[31m is not authorized",
    "",
    "{\"DecodedMessage\": 3}",
    "[" * 10_000,
])
def test_hostile_messages_end_in_a_clean_error(capsys, message):
    code, out, err = run(capsys, message)
    assert code == 2 and out == "" and "Traceback" not in err
    assert len(err) < 2_000
    assert "\x1b" not in err


def test_fmt_json_gives_the_whole_explanation_as_one_object(capsys):
    code, out, _err = run(capsys, f"User: {ROLE} is not authorized to perform: s3:GetObject on resource: {OBJECT} "
                                  "with an explicit deny in a permissions boundary", "--fmt", "json")
    assert code == 0
    data = json.loads(out)
    assert (data["policy_kind"], data["explicit_deny"], data["fixable_by_identity_policy"], data["template_change"]) \
        == (
        "permissions boundary", True, False, None)
    code, out, _err = run(capsys, f"User: {ROLE} is not authorized to perform: s3:GetObject on resource: {OBJECT}",
                          "--fmt", "json")
    assert json.loads(out)["template_change"] == {"named-actions": {"s3:GetObject": [OBJECT]}}
