"""generate-template --from-code: roles passed to different services share one iam:PassedToService
condition (a template holds one per section), and the template says which role goes to which."""
from __future__ import annotations

from policy_tf.cli import main

TWO_SERVICES = '''import boto3
boto3.client("lambda").create_function(FunctionName="f", Role="arn:aws:iam::123456789012:role/fn-role",
                                       Code={}, Runtime="python3.12", Handler="h")
boto3.client("stepfunctions").create_state_machine(name="sm", definition="{}",
                                                   roleArn="arn:aws:iam::123456789012:role/sm-role")
'''


def generate(tmp_path, capsys, source: str) -> str:
    (tmp_path / "app.py").write_text(source)
    assert main(["generate-template", "--from-code", str(tmp_path / "app.py"), "--region", "us-east-1",
                 "--account", "123456789012"]) == 0
    return capsys.readouterr().out


def test_roles_passed_to_different_services_are_each_named_with_their_own(tmp_path, capsys):
    out = generate(tmp_path, capsys, TWO_SERVICES)
    assert "one iam:PassedToService condition holds every role's services" in out
    assert "#   arn:aws:iam::123456789012:role/fn-role is passed to lambda.amazonaws.com only" in out
    assert "#   arn:aws:iam::123456789012:role/sm-role is passed to states.amazonaws.com only" in out


def test_roles_passed_to_the_same_service_need_no_note(tmp_path, capsys):
    one = TWO_SERVICES.split("boto3.client(\"stepfunctions\")")[0] + (
        'boto3.client("lambda").create_function(FunctionName="g", Role="arn:aws:iam::123456789012:role/other",'
        ' Code={}, Runtime="python3.12", Handler="h")\n')
    out = generate(tmp_path, capsys, one)
    assert "lambda.amazonaws.com" in out and "holds every role's services" not in out
