"""`policy_tf analyze-iam-policy` and `expand-policy` on plain policy JSON files."""
from __future__ import annotations

import json

import yaml

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObj*", "s3:ListBucket", "iam:PutRolePolicy"],
         "Resource": ["arn:aws:s3:::acme/*", "arn:aws:iam::123456789012:role/app"]},
        {"Effect": "Allow", "NotAction": "sqs:*", "Resource": "arn:aws:sns:eu-west-1:123456789012:topic"},
        {"Effect": "Deny", "Action": "sns:Delete*", "Resource": "*"},
        {"Effect": "Deny", "Action": "sns:Publish", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    ],
}


def write(path, data):
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def test_lists_the_actions_a_policy_effectively_allows(tmp_path, cli):
    path = write(tmp_path / "p.json", POLICY)
    code, out, _ = cli("analyze-iam-policy", "--policy", str(path))
    actions = json.loads(out)[str(path)]
    assert code == 0
    assert "s3:GetObject" in actions and "iam:PutRolePolicy" in actions
    assert "s3:ListBucket" not in actions                   # an object ARN is no bucket
    assert "sns:Subscribe" in actions and "sqs:SendMessage" not in actions  # NotAction, scoped to the topic
    assert "sns:DeleteTopic" not in actions                 # denied without a condition
    assert "sns:Publish" in actions                         # a conditioned Deny removes nothing for certain
    assert "ec2:RunInstances" not in actions                # applies to no resource given
    assert actions == sorted(actions)


def test_from_access_level_keeps_only_that_level(tmp_path, cli):
    path = write(tmp_path / "p.json", POLICY)
    code, out, _ = cli("analyze-iam-policy", "--policy", str(path), "--from-access-level", "permissions-management",
                       "--fmt", "yaml")
    data = yaml.safe_load(out)
    assert code == 0 and "iam:PutRolePolicy" in data[str(path)] and "s3:GetObject" not in data[str(path)]


def test_from_audit_file_keeps_the_listed_actions_and_folders_list_only_matching_files(tmp_path, cli):
    folder = tmp_path / "policies"
    folder.mkdir()
    write(folder / "a.json", POLICY)
    write(folder / "b.json",
          {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    audit = write(tmp_path / "audit.txt", "# risky\niam:Put*\n\nsns:Publish  # fan-out\n")
    code, out, _ = cli("analyze-iam-policy", "--policy", str(folder), "--from-audit-file", str(audit))
    assert code == 0
    assert json.loads(out) == {str(folder / "a.json"): ["iam:PutRolePolicy", "sns:Publish"]}


def test_table_format_shows_file_action_and_level(tmp_path, cli):
    path = write(tmp_path / "p.json", {"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}})
    code, out, _ = cli("analyze-iam-policy", "--policy", str(path), "--fmt", "table")
    assert code == 0 and out.splitlines()[0].split() == ["FILE", "ACTION", "ACCESS_LEVEL"] and "s3:GetObject" in out


def test_a_bad_file_is_reported_by_name_and_the_good_ones_still_listed(tmp_path, cli):
    folder = tmp_path / "policies"
    folder.mkdir()
    write(folder / "bad.json", '{"Statement": [], "Statement": []}')
    write(folder / "broken.json", "{")
    write(folder / "good.json", POLICY)
    code, out, err = cli("analyze-iam-policy", "--policy", str(folder))
    assert code == 2
    assert list(json.loads(out)) == [str(folder / "good.json")]
    assert "bad.json: duplicate key 'Statement'" in err and "broken.json: not valid JSON" in err
    assert "Traceback" not in err


def test_unknown_actions_in_the_audit_file_are_an_input_error(tmp_path, cli):
    path = write(tmp_path / "p.json", POLICY)
    audit = write(tmp_path / "audit.txt", "iam:PutRolePolicyy\n")
    code, out, err = cli("analyze-iam-policy", "--policy", str(path), "--from-audit-file", str(audit))
    assert code == 2 and out == "" and "iam:PutRolePolicyy" in err


def test_a_missing_path_is_an_input_error(tmp_path, cli):
    code, out, err = cli("analyze-iam-policy", "--policy", str(tmp_path / "nope.json"))
    assert code == 2 and out == "" and "no such file" in err


def test_expand_policy_spells_out_allows_and_keeps_denies(tmp_path, cli):
    path = write(tmp_path / "p.json", POLICY)
    code, out, err = cli("expand-policy", "--policy", str(path))
    expanded = json.loads(out)
    assert code == 0
    first, second, third, fourth = expanded["Statement"]
    assert "s3:GetObject" in first["Action"] and "s3:ListBucket" not in first["Action"]
    assert "NotAction" not in second and "sns:Publish" in second["Action"] \
        and not any(a.startswith("sqs:") for a in second["Action"])
    assert third == POLICY["Statement"][2] and fourth == POLICY["Statement"][3]
    assert "apply to none of its resources" in err


def test_expand_policy_notes_patterns_that_match_nothing(tmp_path, cli):
    path = write(tmp_path / "p.json",
                 {"Version": "2012-10-17",
                  "Statement": [{"Effect": "Allow", "Action": ["s3:Nope*", "S3:getobject"], "Resource": "*"}]})
    code, out, err = cli("expand-policy", "--policy", str(path))
    assert code == 0 and json.loads(out)["Statement"][0]["Action"] == ["s3:GetObject"] \
        and "'s3:Nope*' matches no action" in err


def test_expand_policy_rejects_a_document_without_statement(tmp_path, cli):
    path = write(tmp_path / "p.json", {"Version": "2012-10-17"})
    code, out, err = cli("expand-policy", "--policy", str(path))
    assert code == 2 and out == "" and "Statement" in err


def test_a_json_file_that_is_no_policy_is_an_input_error(tmp_path, cli):
    path = write(tmp_path / "p.json", {"UserDetailList": []})
    code, out, err = cli("analyze-iam-policy", "--policy", str(path))
    assert code == 2 and json.loads(out) == {} and "not a policy document" in err


def test_hostile_nesting_is_an_input_error_not_a_traceback(tmp_path, cli):
    path = write(tmp_path / "p.json", "[" * 100000 + "]" * 100000)
    code, out, err = cli("expand-policy", "--policy", str(path))
    assert code == 2 and "nested more than 32 levels deep" in err
