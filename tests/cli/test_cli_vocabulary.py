"""One option vocabulary across commands (docs/cli-options.md): -o/--output FILE, --output-dir DIR,
-j/--jobs, -q/--quiet, --no-progress, and the old spellings kept one release with one note."""
from __future__ import annotations

import json

import pytest

from policy_tf.cli import build_parser

TEMPLATE = "mode: crud\nname: Reader\nread:\n  - arn:aws:s3:::example-bucket\n"
POLICY = json.dumps({"Version": "2012-10-17",
                     "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]})


def parse(*argv: str):
    return build_parser(list(argv)).parse_args(list(argv))


# --- the new spellings ----------------------------------------------------------------------

NEW_SPELLINGS = [
    (("create-template", "-o", "t.yml"), "output", "t.yml"),
    (("create-template", "--output", "t.yml", "-q"), "quiet", True),
    (("save-template", "-o", "t.yml"), "output", "t.yml"),
    (("save-template", "--output", "t.yml", "--quiet"), "quiet", True),
    (("write-policy", "-o", "p.json"), "output", "p.json"),
    (("write-policy", "-q"), "quiet", True),
    (("write-policy-dir", "--input-dir", "in", "--output-dir", "out", "-j", "3"), "jobs", 3),
    (("write-policy-dir", "--input-dir", "in", "--output-dir", "out", "-q"), "quiet", True),
    (("write-policy-dir", "--input-dir", "in", "--output-dir", "out", "--no-progress"), "no_progress", True),
    (("generate-template", "--cloudtrail", "logs", "--output-dir", "out"), "output_dir", "out"),
    (("generate-template", "--cloudtrail", "logs", "-j", "2"), "jobs", 2),
    (("generate-template", "--cloudtrail", "logs", "-q"), "quiet", True),
    (("download-policies", "--output-dir", "out", "-q"), "quiet", True),
    (("download-policies", "--output-dir", "out", "--no-progress"), "no_progress", True),
    (("access-advisor", "-j", "5"), "jobs", 5),
    (("access-advisor", "--jobs", "5", "-q"), "quiet", True),
    (("boundary", "plan", "-o", "plan.json"), "output", "plan.json"),
    (("boundary", "plan", "--output", "plan.json", "-j", "2"), "jobs", 2),
    (("boundary", "plan", "-o", "plan.json", "--no-progress"), "no_progress", True),
    (("boundary", "apply", "plan.json", "-q"), "quiet", True),
    (("boundary", "rollback", "journal.json", "-q"), "quiet", True),
    (("audit", "x.json", "-o", "report.txt", "-q"), "quiet", True),
    (("diff", "a.json", "b.json", "-o", "d.txt"), "output", "d.txt"),
    (("diff", "a.json", "b.json", "-q"), "quiet", True),
    (("db", "build", "-o", "iam.db"), "output", "iam.db"),
    (("usage-review", "package", "-o", "r.zip", "-q"), "output", "r.zip"),
]


@pytest.mark.parametrize("argv, dest, value", NEW_SPELLINGS, ids=[" ".join(a[0]) for a in NEW_SPELLINGS])
def test_every_command_accepts_the_shared_spellings(argv, dest, value, capsys):
    assert getattr(parse(*argv), dest) == value
    assert capsys.readouterr().err == ""


def test_the_access_advisor_jobs_default_stays_8():
    assert parse("access-advisor").jobs == 8


# --- the old spellings: one release more, one note each ---------------------------------------

OLD_SPELLINGS = [
    (("create-template", "--output-file", "t.yml"), "output", "t.yml", "-o/--output"),
    (("save-template", "--output-file", "t.yml"), "output", "t.yml", "-o/--output"),
    (("generate-template", "--cloudtrail", "logs", "-o", "out"), "output_dir", "out", "--output-dir"),
    (("access-advisor", "--workers", "3"), "jobs", 3, "-j/--jobs"),
    (("boundary", "plan", "-o", "p.json", "--workers", "3"), "jobs", 3, "-j/--jobs"),
]


@pytest.mark.parametrize("argv, dest, value, new", OLD_SPELLINGS, ids=[" ".join(a[0]) for a in OLD_SPELLINGS])
def test_an_old_spelling_still_works_with_exactly_one_note_naming_the_new_one(argv, dest, value, new, capsys):
    assert getattr(parse(*argv), dest) == value
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert "deprecated" in lines[0] and new in lines[0]


@pytest.mark.parametrize("command, old", [(("create-template",), "--output-file"),
                                          (("save-template",), "--output-file"),
                                          (("access-advisor",), "--workers"), (("boundary", "plan"), "--workers")])
def test_old_spellings_are_hidden_from_help(command, old, capsys):
    with pytest.raises(SystemExit):
        parse(*command, "--help")
    assert old not in capsys.readouterr().out


def test_generate_templates_old_short_o_is_hidden_from_help(capsys):
    with pytest.raises(SystemExit):
        parse("generate-template", "--help")
    assert "-o DIR" not in capsys.readouterr().out.replace("--output-dir DIR", "")


def test_an_old_and_a_new_spelling_together_are_a_usage_error(cli):
    result = cli("create-template", "--output-file", "a.yml", "-o", "b.yml")
    assert result.code == 2 and "not allowed with" in result.err


def test_a_missing_required_output_names_only_the_new_spelling(cli):
    result = cli("create-template")
    assert result.code == 2
    assert "-o/--output" in result.err and "--output-file" not in result.err


def test_create_template_written_with_the_old_spelling(cli, tmp_path):
    target = tmp_path / "t.yml"
    result = cli("create-template", "--output-file", str(target))
    assert result.code == 0 and target.read_text().startswith("# policy_tf policy template")
    assert result.err.count("deprecated") == 1


def test_boundary_help_does_not_call_plan_a_default_step(capsys):
    with pytest.raises(SystemExit):
        parse("boundary", "--help")
    assert "default step" not in capsys.readouterr().out


# --- '-' reads standard input, through the input gate -------------------------------------------

def test_audit_reads_a_policy_from_standard_input(cli):
    result = cli("audit", "--fmt", "json", "-", stdin=POLICY)
    assert result.code in (0, 1) and json.loads(result.out)


def test_audit_refuses_standard_input_twice(cli):
    result = cli("audit", "-", "-", stdin=POLICY)
    assert result.code == 2 and "only once" in result.err


def test_standard_input_that_is_not_utf8_is_refused_by_the_input_gate(cli):
    result = cli("expand-policy", "--policy", "-", stdin=b"\xff\xfe{}")
    assert result.code == 2 and "<stdin>" in result.err and "Traceback" not in result.err


def test_expand_policy_reads_standard_input(cli):
    result = cli("expand-policy", "--policy", "-", stdin=POLICY)
    assert result.code == 0 and "s3:GetObject" in result.out


def test_analyze_iam_policy_reads_standard_input(cli):
    result = cli("analyze-iam-policy", "--policy", "-", "--from-access-level", "read", stdin=POLICY)
    assert result.code == 0 and "s3:GetObject" in json.loads(result.out)["-"]


def test_write_policy_reads_standard_input_with_dash(cli):
    result = cli("write-policy", "-i", "-", stdin=TEMPLATE)
    assert result.code == 0 and json.loads(result.out)["Statement"]


def test_diff_reads_one_side_from_standard_input(cli, tmp_path):
    old = tmp_path / "old.json"
    old.write_text(POLICY)
    result = cli("diff", str(old), "-", stdin=POLICY)
    assert result.code == 0 and "no change" in result.out


def test_diff_refuses_standard_input_on_both_sides(cli):
    result = cli("diff", "-", "-", stdin=POLICY)
    assert result.code == 2 and "only once" in result.err


# --- -o FILE for write-policy, -q everywhere ------------------------------------------------------

def test_write_policy_writes_to_the_output_file(cli, tmp_path):
    target = tmp_path / "p.json"
    result = cli("write-policy", "-i", "-", "-o", str(target), stdin=TEMPLATE)
    assert result.code == 0 and result.out == "" and json.loads(target.read_text())["Statement"]


def test_quiet_silences_the_summary_line_of_create_template(cli, tmp_path):
    result = cli("create-template", "-o", str(tmp_path / "t.yml"), "-q")
    assert result.code == 0 and result.err == ""


def test_quiet_silences_the_summary_line_of_audit(cli, tmp_path):
    result = cli("audit", "-", "-o", str(tmp_path / "r.txt"), "-q", stdin=POLICY)
    assert result.code in (0, 1) and result.err == ""


def test_quiet_never_silences_errors(cli, tmp_path):
    result = cli("audit", str(tmp_path / "missing.json"), "-q")
    assert result.code == 2 and "error" in result.err


def test_quiet_write_policy_dir_prints_no_counts(cli, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "reader.yml").write_text(TEMPLATE)
    result = cli("write-policy-dir", "--input-dir", str(tmp_path / "in"), "--output-dir", str(tmp_path / "out"), "-q")
    assert result.code == 0 and result.err == "" and (tmp_path / "out" / "reader.json").is_file()


def test_quiet_write_policy_dir_still_reports_a_bad_template(cli, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bad.yml").write_text("mode: nonsense\n")
    result = cli("write-policy-dir", "--input-dir", str(tmp_path / "in"), "--output-dir", str(tmp_path / "out"), "-q")
    assert result.code == 2 and "error" in result.err


def test_explain_denied_refuses_standard_input_for_both_message_and_template(cli):
    result = cli("explain-denied", "-", "--template", "-", stdin="x")
    assert result.code == 2 and "only once" in result.err
