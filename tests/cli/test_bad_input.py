"""Bad and borderline input, group by group: each is one clear error naming the input, exit 2."""
from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import pytest

from policy_tf.core.errors import InputError
from policy_tf.iamdb import arn as arns
from policy_tf.terraform.external import run as external_run
from policy_tf.terraform.policy_dir import write_policy_dir
from policy_tf.writing import template
from policy_tf.writing.pipeline import write_policy

REPO = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"


@pytest.fixture
def cli_bytes(cli_process):
    """``cli_process`` with bytes in and out: hostile input need not be text."""
    return lambda *argv, **options: cli_process(*argv, text=False, **options)


def one_error(proc: subprocess.CompletedProcess, *words: str, code: int = 2) -> str:
    err = proc.stderr.decode()
    assert proc.returncode == code, err
    assert "Traceback" not in err and "internal error" not in err
    lines = err.strip().splitlines()
    assert lines[-1].startswith("policy_tf") and "error:" in lines[-1], err
    for word in words:
        assert word in lines[-1], err
    return lines[-1]


def load_error(text: str) -> str:
    with pytest.raises(InputError) as caught:
        template.loads(text, "t.yml")
    return str(caught.value)


# --- never finishes: alias bombs ---------------------------------------------------------------

BOMB_HEAD = ("a: &a [x, x, x, x, x, x, x, x, x]\n"
             + "".join(f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi")))


@pytest.mark.parametrize("key", ["read", "exclude-actions", "name"])
def test_an_alias_bomb_under_any_key_is_refused_quickly(cli_bytes, key):
    proc = cli_bytes("write-policy", stdin=(BOMB_HEAD + f"mode: crud\n{key}: *i\n").encode())
    one_error(proc, "aliases expand to more than")


# --- tracebacks ------------------------------------------------------------------------------

def test_deeply_nested_json_template_is_an_error(cli_bytes):
    one_error(cli_bytes("write-policy", stdin=b"[" * 100_000), "<stdin>", "nested more than")


def test_deeply_nested_terraform_query_is_an_error():
    err = io.StringIO()
    assert external_run(io.BytesIO(b"[" * 100_000), io.BytesIO(), err) == 2
    assert "nested more than" in err.getvalue() and err.getvalue().count("\n") == 1


def test_binary_standard_input_is_an_error(cli_bytes):
    one_error(cli_bytes("write-policy", stdin=bytes(range(256)) * 4), "<stdin>", "not a UTF-8 text file")


def test_output_folder_below_a_file_is_an_error(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "t.yml").write_text("mode: crud\nread: [arn:aws:s3:::b/*]\n")
    (tmp_path / "afile").write_text("")
    with pytest.raises(InputError, match="afile is not a folder"):
        write_policy_dir(tmp_path / "in", tmp_path / "afile" / "out")


def test_policy_tf_home_pointing_at_a_file_is_an_error(cli_bytes, tmp_path):
    (tmp_path / "afile").write_text("")
    (tmp_path / "docs").mkdir()
    proc = cli_bytes("initialize", "--docs-dir", str(tmp_path / "docs"),
                     env={"POLICY_TF_HOME": str(tmp_path / "afile")})
    one_error(proc, "POLICY_TF_HOME=", "is a file, not a folder")


@pytest.mark.parametrize("query", [{"template_file": "roles/a\0.yml"}])
def test_a_nul_byte_in_template_file_is_an_error(query):
    err = io.StringIO()
    assert external_run(io.BytesIO(json.dumps(query).encode()), io.BytesIO(), err) == 2
    assert "NUL character" in err.getvalue() and "internal error" not in err.getvalue()


def test_a_nul_byte_in_a_template_path_is_an_error():
    with pytest.raises(InputError, match="NUL character"):
        template.load("roles/a\0.yml")


# --- accepted silently: duplicate keys ---------------------------------------------------------

@pytest.mark.parametrize("text,key,lines", [
    ("mode: crud\nread: [arn:aws:s3:::a/*]\nread: [arn:aws:s3:::b/*]\n", "read", "lines 2 and 3"),
    ("mode: crud\nmode: actions\n", "mode", "lines 1 and 2"),
    ('{"mode": "crud",\n"read": ["arn:aws:s3:::a/*"],\n"read": []}', "read", "lines 2 and 3"),
])
def test_duplicate_keys_are_errors_naming_the_key_and_both_lines(text, key, lines):
    message = load_error(text)
    assert f"duplicate key '{key}'" in message and lines in message


def test_a_duplicate_key_in_a_terraform_query_is_an_error():
    err = io.StringIO()
    assert external_run(io.BytesIO(b'{"template": "a",\n"template": "b"}'), io.BytesIO(), err) == 2
    assert "duplicate key 'template' (lines 1 and 2)" in err.getvalue()


# --- accepted silently: ARNs -----------------------------------------------------------------

@pytest.mark.parametrize("arn,what", [
    ("arn:aws:s3:::acme-bucket\n/object", "a line break"),
    ("arn:aws:s3:::acme\tbucket", "a tab"),
    ("arn:aws:s3:::acme bucket", "a space"),
    ("arn:aws:sqs:eu-west-1:1234 5678 9012:queue", "a space"),
    ("arn:aws:sqs:us east 1:123456789012:queue", "a space"),
    ("arn:aws:s3:::acme\x00bucket", "character"),
    ("arn:aws:s3:::acme\u200bbucket", "character"),
    ("arn:aws:s3:::acme\u00a0bucket", "character"),
])
def test_arns_with_whitespace_or_control_characters_are_errors(arn, what):
    with pytest.raises(InputError, match=what):
        arns.parse_arn(arn)


@pytest.mark.parametrize("account", ["12345", "1234567890123", "abcdefghijkl", "-12345678901", "1234567890123*"])
def test_account_ids_that_are_not_12_digits_are_errors(account):
    with pytest.raises(InputError, match=re.escape(f"account {account!r} is not a 12-digit account id")):
        write_policy({"mode": "crud", "read": [f"arn:aws:sqs:eu-west-1:{account}:queue"]})


@pytest.mark.parametrize("account", [ACCOUNT, "*", "1234*", "12345678901?", ""])
def test_twelve_digits_wildcards_or_nothing_are_accounts(account):
    assert arns.account_problem(account) == ""


def test_aws_owned_resources_keep_their_literal_account():
    assert write_policy({"mode": "crud", "read": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]})["Statement"]


def test_every_literal_account_field_of_the_database_is_accepted():
    from policy_tf.iamdb.catalog import catalog

    literal = {f.split(":")[4] for (f,) in catalog().db.execute("SELECT arn_format FROM arn_formats")
               if f.count(":") >= 5 and "$" not in f.split(":")[4]}
    assert {a for a in literal if arns.account_problem(a)} == set()


@pytest.mark.parametrize("key,value,message", [
    ("account", "12345", "account: account '12345' is not a 12-digit account id"),
    ("account", "1234 5678 9012", "is not a 12-digit account id"),
    ("partition", "aws-foo", "partition: unknown partition 'aws-foo'"),
    ("region", "us east 1", "region: region 'us east 1' is not a region code"),
])
def test_actions_mode_checks_the_fields_it_writes_into_arns(key, value, message):
    assert message in load_error(f"mode: actions\nactions: [sqs:SendMessage]\n{key}: {value}\n")


# --- accepted silently: empty inputs ------------------------------------------------------------

def test_an_empty_legacy_role_list_is_an_error():
    assert "roles_with_crud_levels: the list is empty" in load_error("roles_with_crud_levels: []\n")


@pytest.mark.parametrize("argv,option", [
    (["write-policy-dir", "--input-dir", "", "--output-dir", "out"], "--input-dir"),
    (["write-policy-dir", "--input-dir", "in", "--output-dir", ""], "--output-dir"),
    (["query", "action-table", "--service", "s3", "--name", ""], "--name"),
    (["query", "action-table", "--service", ""], "--service"),
    (["write-policy", "--input-file", ""], "--input-file"),
    (["create-template", "--output-file", "", "--name", "x"], "--output-file"),
])
def test_empty_arguments_are_errors(cli_bytes, argv, option, tmp_path):
    one_error(cli_bytes(*argv, cwd=tmp_path), option)


def test_an_unknown_global_condition_key_is_an_error_with_suggestions(cli_bytes):
    one_error(cli_bytes("query", "action-table", "--service", "s3", "--condition", "aws:SourceIpp"),
              "unknown condition key 'aws:SourceIpp'", "aws:SourceIp")


def test_known_aws_keys_still_filter(cli_bytes):
    proc = cli_bytes("query", "action-table", "--service", "s3", "--condition", "aws:ResourceTag/${TagKey}")
    assert proc.returncode == 0 and "s3:" in proc.stdout.decode()
