"""Suppressions: baselines, inline `# policy_tf:ignore` in .tf, Sid exclusions, --skip-check, Cloudsplaining's file."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from policy_tf.cli import main

WIDE = {"Version": "2012-10-17", "Statement": [
    {"Sid": "LegacyDeploy", "Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction",
                                                          "lambda:InvokeFunction"], "Resource": "*"}]}
RISKY_TF = (Path(__file__).resolve().parents[1] / "fixtures" / "audit" / "risky-deployer.tf").read_text(
    encoding="utf-8")
# the deployer's block with an ignore comment above it and one on its Resource line; the builder's without
DEPLOYER_TF = (
    "# policy_tf:ignore PRIVESC_PASSROLE_LAMBDA_INVOKE the deployer creates functions by design (SEC-1)\n"
    + RISKY_TF.replace('Resource = "*"',
                       'Resource = "*" # policy_tf:ignore INFRASTRUCTURE_MODIFICATION sandbox account')
    + "\n" + RISKY_TF.replace("deployer", "builder"))


def run(capsys, *args) -> tuple:
    code = main(["audit", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def codes_of(out: str, policy: str) -> set:
    return {f["code"] for f in json.loads(out)["findings"] if f["policy"] == policy}


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "wide.json").write_text(json.dumps(WIDE, indent=2), encoding="utf-8")
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(DEPLOYER_TF, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- baselines -----------------------------------------------------------------------------------

def test_a_baseline_accepts_todays_findings_and_only_new_ones_fail(repo, capsys):
    code, _, err = run(capsys, "policies", "--write-baseline", "baseline.json")
    assert code == 0 and "wrote baseline.json" in err
    recorded = json.loads((repo / "baseline.json").read_text())
    assert recorded["policy_tf_baseline"] == 1 and recorded["findings"]
    assert {e["file"] for e in recorded["findings"]} == {"policies/wide.json"}
    assert run(capsys, "policies", "--baseline", "baseline.json")[0] == 0
    # a new risky statement is a new finding: it fails, the old ones stay accepted
    wide = json.loads(json.dumps(WIDE))
    wide["Statement"].append({"Sid": "New", "Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*"})
    (repo / "policies" / "wide.json").write_text(json.dumps(wide, indent=2), encoding="utf-8")
    code, out, _ = run(capsys, "policies", "--baseline", "baseline.json", "--fmt", "json")
    assert code == 1
    assert {f["statement"] for f in json.loads(out)["findings"]} == {1}


def test_a_baselined_finding_stays_accepted_when_lines_move_and_from_another_folder(repo, capsys, monkeypatch):
    run(capsys, "policies", "--write-baseline", "baseline.json")
    (repo / "policies" / "wide.json").write_text("\n\n" + json.dumps(WIDE, indent=4), encoding="utf-8")
    monkeypatch.chdir(repo / "policies")
    assert run(capsys, ".", "--baseline", "../baseline.json")[0] == 0


@pytest.mark.parametrize("content, message", [
    ("[]", "not a policy_tf baseline"),
    ('{"policy_tf_baseline": 1, "findings": [{"code": "X"}]}', "finding 1: expected an object with a fingerprint"),
    ('{"policy_tf_baseline": 1, "findings": [], "findings": []}', "duplicate"),
])
def test_a_bad_baseline_is_an_input_error_naming_it(repo, capsys, content, message):
    (repo / "bad.json").write_text(content, encoding="utf-8")
    code, _, err = run(capsys, "policies", "--baseline", "bad.json")
    assert code == 2 and "bad.json" in err and message in err


# --- inline ignores ------------------------------------------------------------------------------

def test_inline_ignore_in_tf_excludes_its_code_in_its_block_with_the_reason_shown(repo, capsys):
    code, out, _ = run(capsys, "infra", "--fail-on", "none")
    assert "IGNORED PRIVESC_PASSROLE_LAMBDA_INVOKE aws_iam_role_policy.deployer.policy: the deployer creates " \
           "functions by design (SEC-1) (policy_tf:ignore at infra/main.tf:1)" in out
    assert "IGNORED INFRASTRUCTURE_MODIFICATION aws_iam_role_policy.deployer.policy: sandbox account" in out
    _, out, _ = run(capsys, "infra", "--fmt", "json", "--fail-on", "none")
    assert "PRIVESC_PASSROLE_LAMBDA_INVOKE" not in codes_of(out, "aws_iam_role_policy.deployer.policy")
    # the other block is untouched by the deployer's comments
    assert {"PRIVESC_PASSROLE_LAMBDA_INVOKE", "INFRASTRUCTURE_MODIFICATION"} \
        <= codes_of(out, "aws_iam_role_policy.builder.policy")


def test_inline_ignore_reason_reaches_sarif_as_a_suppression(repo, capsys):
    _, out, _ = run(capsys, "infra", "--fmt", "sarif")
    suppressed = [r for r in json.loads(out)["runs"][0]["results"] if r.get("suppressions")]
    assert {r["suppressions"][0]["justification"] for r in suppressed} == {
        "the deployer creates functions by design (SEC-1)", "sandbox account"}


@pytest.mark.parametrize("comment, message", [
    ("# policy_tf:ignore PRIVESC_PASSROLE_LAMBDA_INVOKE", "needs a reason"),
    ("# policy_tf:ignore", "needs a check code and a reason"),
    ("// policy_tf:ignore PRIVESC_PASROLE_LAMBDA_INVOKE typo", "did you mean: PRIVESC_PASSROLE_LAMBDA_INVOKE"),
])
def test_an_inline_ignore_without_reason_or_with_an_unknown_code_is_an_input_error(repo, capsys, comment, message):
    (repo / "infra" / "main.tf").write_text(DEPLOYER_TF.replace(DEPLOYER_TF.splitlines()[0], comment), encoding="utf-8")
    code, _, err = run(capsys, "infra")
    assert code == 2
    assert "infra/main.tf:1: policy_tf:ignore" in err and message in err


# --- Sid-level exclusions for JSON ---------------------------------------------------------------

def test_sid_exclusion_accepts_the_findings_of_one_statement(repo, capsys):
    (repo / "x.yml").write_text("exclusions:\n  - sids: [Legacy*]\n    reason: replaced in Q4\n", encoding="utf-8")
    code, out, _ = run(capsys, "policies", "--exclusions", "x.yml", "--fmt", "sarif")
    results = json.loads(out)["runs"][0]["results"]
    assert code == 0 and results
    assert all(r["suppressions"][0]["justification"] == "replaced in Q4" for r in results)
    (repo / "x.yml").write_text("exclusions:\n  - sids: [Other]\n    reason: another statement\n", encoding="utf-8")
    assert run(capsys, "policies", "--exclusions", "x.yml")[0] == 1


# --- choosing checks -----------------------------------------------------------------------------

def test_skip_check_turns_off_one_check_or_a_category(repo, capsys):
    _, out, _ = run(capsys, "policies", "--fmt", "json", "--skip-check", "PRIVESC_PASSROLE_LAMBDA_INVOKE")
    found = codes_of(out, "wide")
    assert "PRIVESC_PASSROLE_LAMBDA_INVOKE" not in found and found
    _, out, _ = run(capsys, "policies", "--fmt", "json", "--skip-check", "privilege-escalation,validity")
    assert all(f["category"] not in ("privilege-escalation", "validity") for f in json.loads(out)["findings"])


def test_check_is_the_singular_of_checks_and_combines_with_skip_check(repo, capsys):
    _, out, _ = run(capsys, "policies", "--fmt", "json", "--check", "privilege-escalation")
    assert {f["category"] for f in json.loads(out)["findings"]} == {"privilege-escalation"}
    code, _, err = run(capsys, "policies", "--check", "PRIVESC_PASSROLE_LAMBDA_INVOKE",
                       "--skip-check", "PRIVESC_PASSROLE_LAMBDA_INVOKE")
    assert code == 2 and "leaves no check" in err
    code, _, err = run(capsys, "policies", "--skip-check", "NO_SUCH_CHECK")
    assert code == 2 and "NO_SUCH_CHECK" in err


# --- Cloudsplaining's exclusions file ------------------------------------------------------------

CLOUDSPLAINING = """\
# Cloudsplaining's default exclusions file, with its empty placeholders
policies:
  - "AWSServiceRoleFor*"
  - "wid*"
roles:
  - "service-role*"
users:
  - ""
groups:
  - ""
include-actions:
  - ""
exclude-actions:
  - ""
"""


def test_cloudsplaining_exclusions_file_is_read_as_is(repo, capsys):
    (repo / "exclusions.yml").write_text(CLOUDSPLAINING, encoding="utf-8")
    code, out, err = run(capsys, "policies", "--exclusions", "exclusions.yml")
    assert code == 0, err
    assert "excluded" in out


def test_cloudsplaining_include_actions_are_never_excluded(repo, capsys):
    text = CLOUDSPLAINING.replace('include-actions:\n  - ""', 'include-actions:\n  - "iam:PassRole"')
    (repo / "exclusions.yml").write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "policies", "--exclusions", "exclusions.yml", "--fmt", "json")
    assert code == 1
    assert all("iam:PassRole" in f["actions"] for f in json.loads(out)["findings"])


def test_cloudsplaining_file_with_a_wrong_shape_names_the_key(repo, capsys):
    (repo / "exclusions.yml").write_text("policies: {a: 1}\n", encoding="utf-8")
    code, _, err = run(capsys, "policies", "--exclusions", "exclusions.yml")
    assert code == 2 and "exclusions.yml: policies: expected a list of strings" in err


def test_json_report_lists_excluded_findings_with_their_reason(repo, capsys):
    from policy_tf.analysis.audit import audit
    from policy_tf.analysis.report.json_report import as_data, render

    _, out, _ = run(capsys, "infra", "--fmt", "json", "--fail-on", "none")
    excluded = json.loads(out)["excluded"]
    assert {(e["code"], e["reason"]) for e in excluded} == {
        ("PRIVESC_PASSROLE_LAMBDA_INVOKE", "the deployer creates functions by design (SEC-1)"),
        ("INFRASTRUCTURE_MODIFICATION", "sandbox account")}
    result = audit(["infra"])
    assert render(result) == json.dumps(as_data(result), indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("make", ["fifo", "folder", "not_utf8", "deep"])
def test_a_hostile_baseline_is_refused_cleanly(repo, capsys, make):
    import os

    path = repo / "baseline.json"
    if make == "fifo":
        os.mkfifo(path)
    elif make == "folder":
        path.mkdir()
    elif make == "not_utf8":
        path.write_bytes(b'{"policy_tf_baseline": 1, "findings": ["\xff"]}')
    else:
        path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    code, _, err = run(capsys, "policies", "--baseline", str(path))
    assert code == 2 and "baseline.json" in err and "Traceback" not in err


def test_a_fifo_as_exclusions_file_is_refused_without_blocking(repo, capsys):
    import os

    os.mkfifo(repo / "exclusions.yml")
    code, _, err = run(capsys, "policies", "--exclusions", "exclusions.yml")
    assert code == 2 and "exclusions.yml: is a named pipe (FIFO), not a regular exclusions file" in err
