"""The five programs of issue 22 (the ones IAM Policy Autopilot was tried on), end to end:
code -> template -> write-policy, with concrete ARNs, PassRole where a role is passed, and KMS
only where the code names a key."""
from __future__ import annotations

import json

import pytest
import yaml

from policy_tf.cli import main
from tests.conftest import FIXTURES

PROGRAMS = FIXTURES / "fromcode"
ACCOUNT = "111122223333"


def _template(capsys, name: str) -> tuple[dict, str]:
    code = main(["generate-template", "--from-code", str(PROGRAMS / name), "--region", "us-east-1", "--account",
                 ACCOUNT])
    out, err = capsys.readouterr()
    assert code == 0, err
    return yaml.safe_load(out), out


def _policy(capsys, tmp_path, text: str) -> dict:
    path = tmp_path / "t.yml"
    path.write_text(text)
    assert main(["write-policy", "--input-file", str(path)]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("name, services", [
    ("lambda_s3_dynamodb.py", {"s3", "dynamodb"}),
    ("sqs_to_sns.py", {"sqs", "sns", "kms"}),
    ("ec2_launcher.py", {"ec2", "iam"}),
    ("secrets_reader.py", {"secretsmanager", "ssm"}),
    ("stepfunctions_starter.py", {"states"}),
])
def test_each_program_becomes_a_policy_of_only_the_services_it_calls(capsys, tmp_path, name, services):
    _data, text = _template(capsys, name)
    policy = _policy(capsys, tmp_path, text)
    granted = {a.split(":")[0] for s in policy["Statement"]
               for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    assert granted == services


def test_literal_names_become_concrete_arns(capsys):
    named = _template(capsys, "lambda_s3_dynamodb.py")[0]["named-actions"]
    assert named == {"dynamodb:PutItem": [f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/invoices"],
                     "s3:GetObject": ["arn:aws:s3:::acme-invoices/in/batch.json"]}


def test_no_kms_actions_unless_the_code_names_a_key(capsys):
    assert not any(a.startswith("kms:") for a in _template(capsys, "lambda_s3_dynamodb.py")[0]["named-actions"])
    named = _template(capsys, "sqs_to_sns.py")[0]["named-actions"]
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/0a1b2c3d-1111-2222-3333-444455556666"
    assert named["kms:Decrypt"] == named["kms:GenerateDataKey"] == [key]
    assert named["sqs:ReceiveMessage"] == [f"arn:aws:sqs:us-east-1:{ACCOUNT}:work"]


def test_the_launcher_passes_the_instance_profiles_role_to_ec2_only(capsys):
    data = _template(capsys, "ec2_launcher.py")[0]
    assert data["named-actions"]["iam:PassRole"] == [f"arn:aws:iam::{ACCOUNT}:role/web-server"]
    assert data["conditions"] == {"named-actions": {"StringEquals": {"iam:PassedToService": ["ec2.amazonaws.com"]}}}
    assert "arn:aws:ec2:us-east-1::image/ami-0123456789abcdef0" in data["named-actions"]["ec2:RunInstances"]
    assert data["wildcard-only"] == {"single-actions": ["ec2:DescribeInstances"]}  # the waiter's operation


def test_secrets_and_parameters_in_the_sessions_region(capsys):
    named = _template(capsys, "secrets_reader.py")[0]["named-actions"]
    assert named == {
        "secretsmanager:GetSecretValue": [f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:prod/db-password-??????"],
        "ssm:GetParameter": [f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/prod/feature-flag"],
    }
