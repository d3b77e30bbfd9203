"""The audit's readers: the input kind is told by content, and each policy comes with its name and lines."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from policy_tf.analysis.inputs import detect, guess_kind, read
from policy_tf.analysis.inputs.json_text import statement_lines

ALLOW_S3 = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"},
]}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- JSON policy files -------------------------------------------------------------------------

def test_statement_lines_are_where_each_statement_starts():
    text = json.dumps(ALLOW_S3, indent=2)
    lines = text.splitlines()
    assert [lines[n - 1].strip() for n in statement_lines(text)] == ["{", "{"]
    assert statement_lines(text) == (4, 9)


def test_statement_lines_of_a_single_statement_object_and_of_a_later_key():
    text = '{\n "Statement":\n  {"Effect": "Allow"},\n "Version": "2012-10-17"}'
    assert statement_lines(text) == (3,)
    assert statement_lines('{"Version": "2012-10-17", "Id": "x",\n"Statement": [\n{}, {}]}') == (3, 3)


def test_a_policy_file_is_read_with_its_name_kind_and_lines(tmp_path):
    path = write(tmp_path / "reader.json", json.dumps(ALLOW_S3, indent=2))
    got = read([str(path)])
    assert got.errors == []
    [policy] = got.policies
    assert (policy.name, policy.kind, policy.statement_lines) == ("reader", "identity", (4, 9))
    assert got.sources == [(str(path), "policy")]


@pytest.mark.parametrize("document, kind", [
    (ALLOW_S3, "identity"),
    ({"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
     "trust"),
    ({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}, "resource"),
])
def test_kind_is_guessed_from_principal_and_actions(document, kind):
    assert guess_kind(document) == kind


@pytest.mark.parametrize("document, kind", [
    ({"format_version": "1.2", "planned_values": {}}, "terraform-plan"),
    ({"format_version": "1.0", "values": {}}, "terraform-state"),
    ({"RoleDetailList": [], "Policies": []}, "account-details"),
    (ALLOW_S3, "policy"),
    ([1, 2], "unknown"),
])
def test_input_kind_is_told_by_content(document, kind):
    assert detect(document) == kind


def test_bad_files_are_reported_and_the_good_ones_still_read(tmp_path):
    write(tmp_path / "good.json", json.dumps(ALLOW_S3))
    write(tmp_path / "broken.json", '{"Version": "2012-10-17",')
    write(tmp_path / "twice.json", '{"Version": "2012-10-17", "Version": "2012-10-17"}')
    write(tmp_path / "list.json", "[]")
    got = read([str(tmp_path), str(tmp_path / "missing.json")])
    assert [p.name for p in got.policies] == ["good"]
    # a file that can be read but is no policy JSON is a MALFORMED_POLICY finding at its line
    malformed = {f.policy: f for f in got.findings if f.code == "MALFORMED_POLICY"}
    assert set(malformed) == {"broken", "twice", "list"}
    assert "not valid JSON" in malformed["broken"].message and malformed["broken"].line == 1
    assert "duplicate key 'Version'" in malformed["twice"].message
    assert "not a policy" in malformed["list"].message
    assert got.errors == [f"{tmp_path / 'missing.json'}: no such file or folder"]


def test_a_folder_names_its_policies_by_relative_path(tmp_path):
    write(tmp_path / "team" / "a.json", json.dumps(ALLOW_S3))
    write(tmp_path / "b.json", json.dumps(ALLOW_S3))
    assert sorted(p.name for p in read([str(tmp_path)]).policies) == ["b", "team/a"]


@pytest.mark.parametrize("spelling", ["{abs}", "{abs}/", "in", "in/", "./in/../in", "in//"])
def test_a_folder_names_its_policies_as_relpath_does_however_it_is_spelt(tmp_path, monkeypatch, spelling):
    for name in ("a.json", "team/b.json", "team/deep/c.json", "x.y.json"):
        write(tmp_path / "in" / name, json.dumps(ALLOW_S3))
    monkeypatch.chdir(tmp_path)
    folder = spelling.format(abs=tmp_path / "in")
    policies = read([folder]).policies
    assert sorted(p.name for p in policies) == ["a", "team/b", "team/deep/c", "x.y"]
    assert all(p.name == os.path.splitext(os.path.relpath(p.file, folder))[0] for p in policies)


def test_an_empty_folder_is_an_error(tmp_path):
    assert "no policy (.json) or Terraform (.tf) files" in read([str(tmp_path)]).errors[0]


# --- account authorization details -------------------------------------------------------------

def test_account_details_give_policies_and_principals(tmp_path):
    from urllib.parse import quote

    managed_arn = "arn:aws:iam::123456789012:policy/Deploy"
    details = {
        "Policies": [{"PolicyName": "Deploy", "Arn": managed_arn, "DefaultVersionId": "v2", "PolicyVersionList": [
            {"VersionId": "v1", "IsDefaultVersion": False, "Document": {"Statement": []}},
            {"VersionId": "v2", "IsDefaultVersion": True, "Document": ALLOW_S3}]}],
        "GroupDetailList": [{"GroupName": "devs", "GroupPolicyList": [{"PolicyName": "g", "PolicyDocument": ALLOW_S3}],
                             "AttachedManagedPolicies": []}],
        "UserDetailList": [{"UserName": "ana", "GroupList": ["devs"], "UserPolicyList": [],
                            "AttachedManagedPolicies": [{"PolicyName": "Deploy", "PolicyArn": managed_arn}]}],
        "RoleDetailList": [{"RoleName": "app", "AssumeRolePolicyDocument": quote(json.dumps(
            {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                            "Action": "sts:AssumeRole"}]})),
            "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": ALLOW_S3}], "AttachedManagedPolicies": []}],
    }
    got = read([str(write(tmp_path / "details.json", json.dumps(details)))])
    assert got.errors == []
    assert sorted((p.name, p.kind) for p in got.policies) == [
        ("group/devs/inline/g", "identity"), ("policy/Deploy", "identity"),
        ("role/app/inline/inline", "identity"), ("role/app/trust", "trust")]
    assert [p.name for p in got.principals["user/ana"]] == ["policy/Deploy", "group/devs/inline/g"]
    assert [p.name for p in got.principals["role/app"]] == ["role/app/inline/inline"]
    managed = next(p for p in got.policies if p.name == "policy/Deploy")
    assert managed.document == ALLOW_S3  # the default version, not v1


# --- .tf files ---------------------------------------------------------------------------------

TF = '''\
resource "aws_iam_role" "app" {
  name = "app"
  assume_role_policy = data.aws_iam_policy_document.trust.json
  inline_policy {
    name = "one"
    policy = jsonencode({
      Version = "2012-10-17"
      Statement = [
        { Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::b/$${aws:username}/*" },
        {
          Effect   = "Allow"
          Action   = ["sqs:SendMessage"]
          Resource = "arn:aws:sqs:eu-west-1:123456789012:q"
        },
      ]
    })
  }
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_policy" "heredoc" {
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
      ]
    }
  EOT
}

resource "aws_iam_policy" "from_file" {
  policy = file("${path.module}/policy.json")
}

resource "aws_iam_role_policy_attachment" "attach" {
  role       = aws_iam_role.app.name
  policy_arn = aws_iam_policy.heredoc.arn
}

resource "aws_iam_policy" "computed" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sqs:*", Resource = aws_sqs_queue.q.arn }] })
}

resource "aws_iam_policy" "broken" {
  policy = "{not json"
}
'''


@pytest.fixture
def tf_folder(tmp_path) -> Path:
    write(tmp_path / "main.tf", TF)
    write(tmp_path / "policy.json", json.dumps(ALLOW_S3, indent=2))
    return tmp_path


def test_tf_policies_are_read_statically_with_their_lines(tf_folder):
    got = read([str(tf_folder)])
    by_name = {p.name: p for p in got.policies}
    inline = by_name["aws_iam_role.app.inline_policy.0.policy"]
    assert inline.statement_lines == (9, 10)
    assert inline.document["Statement"][0]["Resource"] == "arn:aws:s3:::b/${aws:username}/*"  # $${ is a literal ${
    assert inline.principal == "aws_iam_role.app"
    heredoc = by_name["aws_iam_policy.heredoc.policy"]
    assert heredoc.statement_lines == (35,) and heredoc.document["Statement"][0]["Action"] == "s3:*"
    trust = by_name["aws_iam_role.app.assume_role_policy"]
    assert trust.kind == "trust" and trust.statement_lines == (21,)  # the data source's statement block
    assert trust.document["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    from_file = by_name["aws_iam_policy.from_file.policy"]
    assert from_file.file == str(tf_folder / "policy.json") and from_file.statement_lines == (4, 9)
    assert "policy" not in {p.name for p in got.policies}  # policy.json is read once, through file()


def test_tf_attachments_group_policies_by_principal(tf_folder):
    got = read([str(tf_folder)])
    assert [p.name for p in got.principals["aws_iam_role.app"]] == [
        "aws_iam_role.app.inline_policy.0.policy", "aws_iam_policy.heredoc.policy"]


def test_tf_policy_that_is_not_literal_is_reported_with_what_it_depends_on(tf_folder):
    got = read([str(tf_folder)])
    [computed] = [n for n in got.not_analyzed if n.name == "aws_iam_policy.computed.policy"]
    assert "aws_sqs_queue.q.arn" in computed.reason and computed.line == 51


def test_tf_policy_string_that_is_not_json_is_a_finding(tf_folder):
    [finding] = read([str(tf_folder)]).findings
    assert (finding.code, finding.policy, finding.line) == ("MALFORMED_JSON", "aws_iam_policy.broken.policy", 55)


def test_tf_syntax_error_is_a_finding_naming_the_file_and_line(tmp_path):
    write(tmp_path / "bad.tf", 'resource "aws_iam_policy" "p" {\n  policy = \n')
    got = read([str(tmp_path)])
    [finding] = got.findings
    assert got.errors == [] and (finding.code, finding.file, finding.line) == (
        "MALFORMED_POLICY", str(tmp_path / "bad.tf"), 2)
    assert finding.message.startswith("not valid HCL: ")


# --- Terraform plan JSON (hand-made; tests/analysis/test_audit_terraform.py runs real Terraform) -------

def _plan(resources, resource_changes=(), prior=(), configuration=None) -> dict:
    return {"format_version": "1.2", "planned_values": {"root_module": {"resources": list(resources)}},
            "resource_changes": list(resource_changes),
            "prior_state": {"values": {"root_module": {"resources": list(prior)}}},
            "configuration": configuration or {}}


def test_plan_lambda_permission_becomes_a_resource_policy(tmp_path):
    plan = _plan([{"address": "aws_lambda_permission.p", "mode": "managed", "type": "aws_lambda_permission",
                   "values": {"action": "lambda:InvokeFunction", "function_name": "f", "principal": "*",
                              "statement_id": "Anyone"}}])
    [policy] = read([str(write(tmp_path / "plan.json", json.dumps(plan)))]).policies
    assert policy.kind == "resource" and policy.name == "aws_lambda_permission.p"
    assert policy.document["Statement"][0]["Principal"] == "*"


def test_plan_value_unknown_until_apply_is_not_analyzed(tmp_path):
    plan = _plan([{"address": "aws_s3_bucket_policy.b", "mode": "managed", "type": "aws_s3_bucket_policy",
                   "values": {}}],
                 [{"address": "aws_s3_bucket_policy.b", "change": {"after_unknown": {"policy": True}}}])
    got = read([str(write(tmp_path / "plan.json", json.dumps(plan)))])
    assert [(n.name, n.reason) for n in got.not_analyzed] == [("aws_s3_bucket_policy.b.policy",
                                                               "known only after apply")]
    assert got.policies == []


def test_plan_prior_state_is_kept_for_new_only(tmp_path):
    doc = json.dumps(ALLOW_S3)
    resource = {"address": "aws_iam_policy.p", "mode": "managed", "type": "aws_iam_policy", "values": {"policy": doc}}
    got = read([str(write(tmp_path / "plan.json", json.dumps(_plan([resource], prior=[resource]))))])
    assert [p.name for p in got.prior.policies] == ["aws_iam_policy.p.policy"]


def test_state_json_is_read_like_a_plan_without_unknowns(tmp_path):
    state = {"format_version": "1.0", "values": {"root_module": {"resources": [
        {"address": "aws_sqs_queue_policy.q", "mode": "managed", "type": "aws_sqs_queue_policy",
         "values": {"policy": json.dumps(ALLOW_S3)}}]}}}
    got = read([str(write(tmp_path / "state.json", json.dumps(state)))])
    assert [(p.name, p.kind) for p in got.policies] == [("aws_sqs_queue_policy.q.policy", "resource")]
    assert got.sources == [(str(tmp_path / "state.json"), "terraform-state")]


def test_plan_policy_document_used_by_nothing_analyzed_is_audited_on_its_own(tmp_path):
    document = {"address": "data.aws_iam_policy_document.spare", "mode": "data", "type": "aws_iam_policy_document",
                "values": {"json": json.dumps(ALLOW_S3)}}
    plan = _plan([], prior=[document])
    got = read([str(write(tmp_path / "plan.json", json.dumps(plan)))])
    assert [p.name for p in got.policies] == ["data.aws_iam_policy_document.spare.json"]
    assert got.prior.policies == []  # data sources are read anew by every plan: never "already there"
