"""Every CLI command, fed hostile arguments, input and environment, ends in a clean message.

The commands and their options are read from the parser itself, so a command added later
is walked too. A run may succeed or fail, but a failure is a one-line ``policy_tf: error``
(or argparse's usage error) with exit code 1 or 2: never a traceback or an "internal error".
"""
from __future__ import annotations

import argparse
import io
import sys

import pytest

from policy_tf.cli import build_parser, main

HOSTILE_VALUES = [
    "", " ", "\n", "\0", "x\0y", "-", ".", "..", "*", "x" * 5000, "../../../../etc/passwd", "/dev/null",
    "no/such/folder/x", "AFILE/below", "aws:NoSuchKey", "-1", "nan", "1e999", "99999999999999999999",
    "arn:aws:s3:::b\tc", "\u202e\ufeffname", "'; rm -rf /; '", "%s%n{0}${x}",
]
NUL_PREFIX = b"\0" * 16
HOSTILE_STDIN = [
    b"", b"\n", bytes(range(256)) * 4, b"\xff\xfe\x00\x00", NUL_PREFIX, b"[" * 100_000, b"{\"a\":" * 50_000,
    b"mode: crud\nread: [a]\nread: [b]\n", b"mode: crud\nmode: actions\n", b'{"template": "a", "template": "b"}',
    b'{"template": "mode: crud\\nread:\\n- arn:aws:s3:::b\\n/o"}', b'{"template_file": "x\\u0000y"}',
    b"a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    b"mode: crud\nread: *f\n",
    b"!!python/object/apply:os.system [echo pwned]\n", b"- " * 100_000 + b"x",
]


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(command words, its parser) for every leaf command, depth first."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
        return
    for name, sub in subs[0].choices.items():
        yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(build_parser(None)))


def _value_options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if a.option_strings and a.nargs != 0 and not isinstance(a, argparse._HelpAction)]


@pytest.fixture
def workplace(tmp_path, monkeypatch):
    """A scratch working folder with one good template, an empty docs folder and a plain file.

    It lies four levels below ``tmp_path``, so that ``../../../../etc/passwd`` names a decoy
    there: given to an output option (``usage-review package --output``) it is a regular file
    the user named, and policy_tf replaces it, which, run as root from pytest's temporary
    folder, was the real /etc/passwd."""
    decoy = tmp_path / "etc" / "passwd"
    decoy.parent.mkdir()
    decoy.write_text("root:x:0:0:root:/root:/bin/sh\n")
    work = tmp_path / "a" / "b" / "c" / "d"
    (work / "in").mkdir(parents=True)
    (work / "in" / "t.yml").write_text("mode: crud\nread: [arn:aws:s3:::b/*]\n")
    (work / "docs").mkdir()
    (work / "AFILE").write_text("not a folder")
    monkeypatch.chdir(work)
    monkeypatch.setenv("POLICY_TF_DOCS_DIR", str(work / "docs"))
    # AWS commands reach a closed local port through boto3's own settings: never the network.
    for key, value in {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1",
                       "AWS_ACCESS_KEY_ID": "testing",
                       "AWS_SECRET_ACCESS_KEY": "testing", "AWS_EC2_METADATA_DISABLED": "true",
                       "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
                       "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials")}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return work


BENIGN = {"service": "s3", "docs_dir": "docs", "output": "db.sqlite3", "input_dir": "in", "output_dir": "out",
          "output_file": "-", "input_file": "in/t.yml"}


def _argv(words: tuple[str, ...], parser: argparse.ArgumentParser, hostile: argparse.Action | None,
          value: str) -> list[str]:
    argv = list(words)
    for action in _value_options(parser):
        if action is hostile:
            argv += [action.option_strings[0], value]
        elif action.required:
            argv += [action.option_strings[0], BENIGN.get(action.dest, "x")]
    return argv


def _run(argv: list[str], stdin: bytes, monkeypatch) -> tuple[int, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    out, err = io.TextIOWrapper(io.BytesIO()), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse: usage errors exit 2, --help 0
        code = exc.code
    finally:
        monkeypatch.setattr(sys, "stdout", sys.__stdout__)
    return code, err.getvalue()


# Commands that read many inputs: they go on past a bad one and report each.
BATCH_COMMANDS = {"write-policy-dir", "generate-template", "analyze-iam-policy", "audit"}


def _assert_clean(argv, code, stderr):
    argv = [a if len(a) < 60 else a[:20] + f"...({len(a)})" for a in argv]
    # the checks read it whole (a folder of many notes puts the error line past any cut); messages show a part
    full, stderr = stderr, stderr[:1000] + ("\n...\n" + stderr[-1000:] if len(stderr) > 2000 else stderr[1000:2000])
    assert code in (0, 1, 2), (argv, code, stderr)
    assert "Traceback" not in full and "internal error" not in full, (argv, stderr)
    if code:
        errors = [line for line in full.splitlines() if "error:" in line]
        if argv[0] in BATCH_COMMANDS:  # every bad input of a batch is named, one line each
            assert errors and len(errors) == len(set(errors)), (argv, stderr)
        else:
            assert len(errors) == 1, (argv, stderr)


def test_the_walk_covers_every_command():
    names = {" ".join(words) for words, _ in COMMANDS}
    assert {"write-policy", "write-policy-dir", "terraform-external", "query action-table", "db info", "initialize"} \
        <= names


@pytest.mark.parametrize("words,parser", COMMANDS, ids=[" ".join(w) for w, _ in COMMANDS])
def test_hostile_option_values_end_in_a_clean_error(words, parser, workplace, monkeypatch):
    for action in _value_options(parser):
        for value in HOSTILE_VALUES:
            argv = _argv(words, parser, action, value.replace("AFILE", str(workplace / "AFILE")))
            _assert_clean(argv, *_run(argv, b"", monkeypatch))


@pytest.mark.parametrize("words,parser", COMMANDS, ids=[" ".join(w) for w, _ in COMMANDS])
def test_hostile_standard_input_ends_in_a_clean_error(words, parser, workplace, monkeypatch):
    argv = _argv(words, parser, None, "")
    if words == ("write-policy",):
        argv = ["write-policy"]  # read the template from standard input
    for data in HOSTILE_STDIN:
        _assert_clean(argv, *_run(argv, data, monkeypatch))


@pytest.mark.parametrize("env", [
    {"POLICY_TF_HOME": "AFILE"}, {"POLICY_TF_HOME": "AFILE/below"}, {"POLICY_TF_DATABASE": "AFILE"},
    {"POLICY_TF_DATABASE": "no/such.sqlite3"}, {"POLICY_TF_DATABASE": "."}, {"POLICY_TF_DOCS_DIR": "AFILE"},
])
@pytest.mark.parametrize("words,parser", COMMANDS, ids=[" ".join(w) for w, _ in COMMANDS])
def test_a_hostile_environment_ends_in_a_clean_error(words, parser, env, workplace, monkeypatch):
    from policy_tf.iamdb import database

    for key, value in env.items():
        monkeypatch.setenv(key, value.replace("AFILE", str(workplace / "AFILE")))
    database.reset()
    argv = _argv(words, parser, None, "")
    _assert_clean(argv, *_run(argv, b'{"template": "mode: crud\\nread: [arn:aws:s3:::b/*]"}', monkeypatch))


@pytest.mark.parametrize("data", HOSTILE_STDIN, ids=range(len(HOSTILE_STDIN)))
def test_hostile_template_files_end_in_a_clean_error(data, workplace, monkeypatch):
    (workplace / "in" / "bad.yml").write_bytes(data)
    query = ('{"template_file": "%s"}' % (workplace / "in" / "bad.yml")).encode()
    for argv, stdin in ((["write-policy", "--input-file", "in/bad.yml"], b""),
                        (["write-policy-dir", "--input-dir", "in", "--output-dir", "out"], b""),
                        (["terraform-external"], query)):
        _assert_clean(argv, *_run(argv, stdin, monkeypatch))
