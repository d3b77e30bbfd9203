"""generate-template --from-code from the command line: end to end through write-policy, and hostile input."""
from __future__ import annotations

import json
import os
import textwrap

import pytest
import yaml

from policy_tf.cli import main

LAMBDA = '''
import json
import os

import boto3

BUCKET = os.environ.get("INPUT_BUCKET", "acme-input")
TABLE = "acme-orders"

s3 = boto3.client("s3")
orders = boto3.resource("dynamodb").Table(TABLE)


def handler(event, context):
    body = s3.get_object(Bucket=BUCKET, Key="incoming/orders.json")["Body"].read()
    for order in json.loads(body):
        orders.put_item(Item=order)
    return {"ok": True}
'''


def _program(tmp_path, source: str = LAMBDA, name: str = "handler.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def _generate(capsys, *args) -> tuple[int, str, str]:
    code = main(["generate-template", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _actions_by_resource(policy: dict) -> dict[str, set[str]]:
    """Resource -> actions allowed on it, from a written policy."""
    out: dict[str, set[str]] = {}
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for resource in resources:
            out.setdefault(resource, set()).update(actions)
    return out


def test_end_to_end_program_template_policy_grants_the_calls_on_the_literal_arns(tmp_path, capsys):
    program = _program(tmp_path)
    code, template, err = _generate(capsys, "--from-code", str(program), "--region", "us-east-1",
                                    "--account", "111122223333")
    assert code == 0, err
    template_file = tmp_path / "handler.yml"
    template_file.write_text(template)
    assert main(["write-policy", "--input-file", str(template_file)]) == 0
    policy = json.loads(capsys.readouterr().out)
    granted = _actions_by_resource(policy)
    assert "s3:GetObject" in granted["arn:aws:s3:::acme-input/incoming/orders.json"]
    assert "dynamodb:PutItem" in granted["arn:aws:dynamodb:us-east-1:111122223333:table/acme-orders"]
    services = {a.split(":")[0] for actions in granted.values() for a in actions}
    assert services == {"s3", "dynamodb"}  # nothing of another service: the code calls no other
    assert not any(r.endswith("*") for r in granted)  # every resource is one the code names


def test_template_names_each_call_site_in_comments(tmp_path, capsys):
    program = _program(tmp_path)
    _code, template, _err = _generate(capsys, "--from-code", str(program))
    assert f"# s3:GetObject: GetObject at {program}:15" in template
    assert f"# dynamodb:PutItem: PutItem at {program}:17" in template


def test_one_template_per_folder_or_per_file(tmp_path, capsys):
    folder = tmp_path / "app"
    folder.mkdir()
    _program(folder, LAMBDA, "a.py")
    _program(folder, "import boto3\nboto3.client('sqs').list_queues()\n", "b.py")
    _code, out, _err = _generate(capsys, "--from-code", str(folder))
    assert len(list(yaml.safe_load_all(out))) == 1
    _code, out, _err = _generate(capsys, "--from-code", str(folder), "--per-file")
    names = sorted(d["name"] for d in yaml.safe_load_all(out))
    assert names == ["a", "b"]


def test_output_dir_writes_one_file_per_template_and_keeps_existing_ones(tmp_path, capsys):
    program = _program(tmp_path)
    out_dir = tmp_path / "templates"
    code, _out, _err = _generate(capsys, "--from-code", str(program), "-o", str(out_dir))
    assert code == 0
    written = out_dir / "handler.yml"
    assert yaml.safe_load(written.read_text())["mode"] == "crud"
    written.write_text("# my edits\n")
    code, _out, err = _generate(capsys, "--from-code", str(program), "-o", str(out_dir))
    assert code == 2 and "already exists" in err
    assert written.read_text() == "# my edits\n"


def test_terraform_outputs_give_region_account_and_environment(tmp_path, capsys):
    program = _program(tmp_path,
                       "import os, boto3\nboto3.client('s3').get_object(Bucket=os.environ['DATA_BUCKET'], Key='k')\n"
                                 "boto3.client('dynamodb').get_item(TableName='t', Key={})\n")
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"data_bucket": {"value": "tf-bucket", "type": "string", "sensitive": False},
                                   "region": {"value": "eu-central-1"}, "account_id": {"value": "111122223333"}}))
    code, out, _err = _generate(capsys, "--from-code", str(program), "--from-terraform-outputs", str(outputs))
    assert code == 0
    named = yaml.safe_load(out)["named-actions"]
    assert named["s3:GetObject"] == ["arn:aws:s3:::tf-bucket/k"]
    assert named["dynamodb:GetItem"] == ["arn:aws:dynamodb:eu-central-1:111122223333:table/t"]


def test_cloudtrail_and_from_code_together_are_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        _generate(capsys, "--from-code", str(_program(tmp_path)), "--cloudtrail", str(tmp_path))
    assert exit_.value.code == 2 and "not allowed with argument --from-code" in capsys.readouterr().err


def test_a_program_without_aws_calls_writes_nothing_and_says_so(tmp_path, capsys):
    code, out, err = _generate(capsys, "--from-code", str(_program(tmp_path, "print('hello')\n")))
    assert code == 1 and out == ""
    assert "no AWS API call" in err


# -- hostile input -------------------------------------------------------------------------

def _bad(capsys, tmp_path, path) -> str:
    good = _program(tmp_path, name="good.py")
    code, out, err = _generate(capsys, "--from-code", str(path), str(good))
    assert code == 2, err
    assert "Traceback" not in err
    assert yaml.safe_load(out)["name"] == "good"  # the good input is still read and written
    return err


def test_a_fifo_is_refused_without_blocking(tmp_path, capsys):
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    assert f"{fifo}: not a regular file" in _bad(capsys, tmp_path, fifo)


def test_a_device_is_refused(tmp_path, capsys):
    assert "/dev/zero: not a regular file" in _bad(capsys, tmp_path, "/dev/zero")


def test_a_huge_file_is_refused(tmp_path, capsys):
    huge = tmp_path / "huge.py"
    huge.write_bytes(b"#" * (5 * 1024 * 1024))
    assert f"{huge}: larger than the 4 MiB limit" in _bad(capsys, tmp_path, huge)


def test_a_deeply_nested_expression_is_a_clean_error_or_read_partly(tmp_path, capsys):
    deep = tmp_path / "deep.py"
    deep.write_text("x = 1" + "+1" * 100_000 + "\n")
    assert f"{deep}: nested too deeply" in _bad(capsys, tmp_path, deep)
    nested = _program(tmp_path,
                      "import boto3\nx = " + "(" * 150 + "boto3.client('sqs').list_queues()" + ")" * 150 + "\n"
                      "y = 1" + "+1" * 900 + "\n", "nested.py")
    code, out, err = _generate(capsys, "--from-code", str(nested))
    assert code == 0, err
    assert yaml.safe_load(out)["wildcard-only"] == {"single-actions": ["sqs:ListQueues"]}


def test_a_file_that_is_not_utf8_is_refused(tmp_path, capsys):
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9'\n")
    assert f"{latin}: not a UTF-8 text file" in _bad(capsys, tmp_path, latin)


def test_a_syntax_error_names_the_file_and_line(tmp_path, capsys):
    broken = _program(tmp_path, "import boto3\nif True\n    pass\n", "broken.py")
    assert f"{broken}:2: not valid Python" in _bad(capsys, tmp_path, broken)


def test_symbolic_links_inside_a_folder_are_not_followed(tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    _program(outside, "import boto3\nboto3.client('iam').delete_role(RoleName='x')\n", "secret.py")
    folder = tmp_path / "app"
    folder.mkdir()
    _program(folder, "import boto3\nboto3.client('sqs').list_queues()\n", "main.py")
    (folder / "link.py").symlink_to(outside / "secret.py")
    (folder / "linked_dir").symlink_to(outside)
    code, out, err = _generate(capsys, "--from-code", str(folder))
    assert code == 0
    assert "iam:" not in out
    assert "link.py: a symbolic link inside a folder is not followed" in err


def test_output_dir_that_is_a_symbolic_link_is_refused(tmp_path, capsys):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    code, _out, err = _generate(capsys, "--from-code", str(_program(tmp_path)), "-o", str(tmp_path / "link"))
    assert code == 2 and "is a symbolic link" in err
    assert list(real.iterdir()) == []


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_on_stdout_ends_cleanly(tmp_path):
    import subprocess
    import sys

    program = _program(tmp_path)
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "policy_tf", "generate-template", "--from-code", str(program)],
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode != 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "cannot write to standard output" in done.stderr


def test_the_documented_example_gives_the_documented_template(capsys):
    from tests.conftest import REPO

    code, out, err = _generate(capsys, "--from-code", str(REPO / "examples" / "code" / "orders_lambda.py"),
                               "--region", "eu-west-1", "--account", "111122223333")
    assert code == 0, err
    assert yaml.safe_load(out)["named-actions"] == {
        "dynamodb:BatchWriteItem": ["arn:aws:dynamodb:eu-west-1:111122223333:table/acme-orders"],
        "s3:GetObject": ["arn:aws:s3:::acme-orders-inbox/*"],
        "s3:ListBucket": ["arn:aws:s3:::acme-orders-inbox"],
        "s3:PutObject": ["arn:aws:s3:::acme-orders-inbox/done/*"],
        "sns:Publish": ["arn:aws:sns:eu-west-1:111122223333:orders-loaded"],
    }


def test_code_content_reaches_the_template_only_as_data_or_sanitised_comments(tmp_path, capsys):
    program = _program(tmp_path,
                       'import boto3\nboto3.client("s3").get_object(Bucket="b", Key="x\\n# injected: '
                       'true\\nmode: actions")\n'
                                 'boto3.client("s3").fetch_\u0435verything()\n', "evil.py")
    code, out, _err = _generate(capsys, "--from-code", str(program))
    assert code == 0
    data = yaml.safe_load(out)
    assert set(data) == {"mode", "name", "named-actions"} and data["mode"] == "crud"
    assert data["named-actions"] == {"s3:GetObject": ["arn:aws:s3:::b/*"]}
    assert all(ord(c) < 128 for c in out)  # look-alike letters reach comments as '?'


@pytest.mark.parametrize("content, message", [
    ("[1, 2]", "expected the JSON of 'terraform output -json'"),
    ('{"bucket": "x"}', "bucket: expected an output object"),
    ("{not json", "outputs.json"),
])
def test_a_bad_terraform_outputs_file_is_a_clean_error(tmp_path, capsys, content, message):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(content)
    code, out, err = _generate(capsys, "--from-code", str(_program(tmp_path)), "--from-terraform-outputs", str(outputs))
    assert code == 2 and out == "" and message in err and "Traceback" not in err


def test_a_terraform_outputs_fifo_is_refused_without_blocking(tmp_path, capsys):
    fifo = tmp_path / "outputs.json"
    os.mkfifo(fifo)
    code, _out, err = _generate(capsys, "--from-code", str(_program(tmp_path)), "--from-terraform-outputs", str(fifo))
    assert code == 2 and "not a regular file" in err


def test_calls_mapped_to_no_action_are_listed_on_stderr(tmp_path, capsys):
    program = _program(tmp_path,
                       "import boto3\nboto3.client('s3').fetch_everything()\nboto3.client('sqs').list_queues()\n")
    code, _out, err = _generate(capsys, "--from-code", str(program))
    assert code == 0
    assert f"  {program}:2: s3 fetch_everything: not an API operation" in err


def test_a_folder_without_python_files_is_said_and_a_missing_path_is_an_error(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _out, err = _generate(capsys, "--from-code", str(empty))
    assert code == 1 and f"{empty}: no Python file (*.py) in it" in err
    code, _out, err = _generate(capsys, "--from-code", str(tmp_path / "missing.py"), str(_program(tmp_path)))
    assert code == 2 and f"{tmp_path / 'missing.py'}: no such file or folder" in err


@pytest.mark.parametrize("extra, flag", [(["--mode", "actions"], "--mode"), (["--principal", "x"], "--principal"),
                                         (["--since", "2026-01-01"], "--since")])
def test_cloudtrail_options_with_from_code_are_refused(tmp_path, capsys, extra, flag):
    code, _out, err = _generate(capsys, "--from-code", str(_program(tmp_path)), *extra)
    assert code == 2 and f"{flag} applies to --cloudtrail only" in err


def test_from_code_options_with_cloudtrail_are_refused(tmp_path, capsys):
    code, _out, err = _generate(capsys, "--cloudtrail", str(tmp_path), "--per-file")
    assert code == 2 and "--per-file applies to --from-code only" in err


def test_per_file_templates_are_named_by_their_path_below_the_folder(tmp_path, capsys):
    folder = tmp_path / "app"
    for sub in ("jobs", "api"):
        (folder / sub).mkdir(parents=True)
        _program(folder / sub, "import boto3\nboto3.client('sqs').list_queues()\n", "worker.py")
    out_dir = tmp_path / "out"
    code, _out, err = _generate(capsys, "--from-code", str(folder), "--per-file", "-o", str(out_dir))
    assert code == 0, err
    assert sorted(p.name for p in out_dir.iterdir()) == ["api-worker.yml", "jobs-worker.yml"]
    assert yaml.safe_load((out_dir / "api-worker.yml").read_text())["name"] == "api-worker"
