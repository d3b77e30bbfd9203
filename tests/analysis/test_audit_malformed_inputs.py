"""Malformed inputs are findings, not the end of the audit (issue 18, item 7): a `.tf` file that
python-hcl2 cannot parse, or a plan JSON of the wrong shape, is MALFORMED_POLICY at its file and
line, every other input is still audited, and the audit exits 1. What the input gate refuses (no
such path, a FIFO, not UTF-8, over the size cap) stays a bad input: exit 2."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from policy_tf.analysis.inputs import read

pytest.importorskip("hcl2")

REPO = Path(__file__).resolve().parents[2]
GOOD_TF = (REPO / "tests" / "fixtures" / "audit" / "risky-deployer.tf").read_text(encoding="utf-8")
# a jsonencode( left open: the parser stops at the closing brace of the block, line 7
BAD_TF = '''resource "aws_iam_role" "broken" {
  name = "broken"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = []
  }
}
'''
CYRILLIC_A = "\u0430"  # looks like the Latin "a"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path) -> Path:
    write(tmp_path / "infra" / "deployer.tf", GOOD_TF)
    write(tmp_path / "infra" / "broken.tf", BAD_TF)
    write(tmp_path / "infra" / "wide.json", json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    return tmp_path / "infra"


def _malformed(findings) -> list:
    return [f for f in findings if f.code == "MALFORMED_POLICY"]


def test_the_reader_makes_a_finding_at_the_parsers_line_and_reads_the_other_files(folder):
    got = read([str(folder)])
    assert got.errors == []
    [finding] = _malformed(got.findings)
    assert (finding.file, finding.line, finding.policy) == (str(folder / "broken.tf"), 7, "broken.tf")
    assert finding.severity == "ERROR" and finding.message.startswith("not valid HCL: unexpected '}'")
    # the good .tf file of the same folder (one module) and the JSON beside it are still read
    assert {p.name for p in got.policies} == {"aws_iam_role_policy.deployer.policy", "wide"}
    assert (str(folder / "broken.tf"), "malformed") in got.sources


def test_text_json_and_sarif_name_file_and_line_and_keep_the_good_findings(folder, cli):
    root = str(folder.parent)
    code, out, err = cli("audit", str(folder))
    assert code == 1 and "Traceback" not in err and "nothing to audit" not in err
    assert f"{folder / 'broken.tf'}:7: ERROR MALFORMED_POLICY [validity] broken.tf: not valid HCL" in out
    assert "PRIVESC_PASSROLE_LAMBDA_INVOKE" in out and "SERVICE_WILDCARD" in out  # the good inputs' findings

    code, out, _ = cli("audit", str(folder), "--fmt", "json")
    report = json.loads(out)
    [found] = [f for f in report["findings"] if f["code"] == "MALFORMED_POLICY"]
    assert code == 1 and found["file"] == str(folder / "broken.tf") and found["location"] == {"line": 7}
    assert {"aws_iam_role_policy.deployer.policy", "wide"} <= {f["policy"] for f in report["findings"]}

    code, out, _ = cli("audit", str(folder), "--fmt", "sarif", "--repo-root", root)
    results = json.loads(out)["runs"][0]["results"]
    [result] = [r for r in results if r["ruleId"] == "MALFORMED_POLICY"]
    location = result["locations"][0]["physicalLocation"]
    assert code == 1 and result["level"] == "error"
    assert location["artifactLocation"]["uri"] == "infra/broken.tf" and location["region"]["startLine"] == 7
    assert any(r["ruleId"] == "PRIVESC_PASSROLE_LAMBDA_INVOKE" for r in results)


def test_fail_on_none_reports_the_malformed_file_and_exits_0(folder, cli):
    code, out, _ = cli("audit", str(folder), "--fail-on", "none")
    assert code == 0 and "MALFORMED_POLICY" in out


def test_a_look_alike_letter_in_an_unquoted_name_is_named_by_its_code_point(tmp_path, cli):
    write(tmp_path / "main.tf", GOOD_TF)
    write(tmp_path / "lookalike.tf", f'\nresource aws_iam_role {CYRILLIC_A}dmin {{\n  name = "admin"\n}}\n')
    code, out, _ = cli("audit", str(tmp_path), "--fmt", "json")
    [found] = [f for f in json.loads(out)["findings"] if f["code"] == "MALFORMED_POLICY"]
    assert code == 1 and found["file"].endswith("lookalike.tf") and found["location"] == {"line": 2}
    assert "U+0430 CYRILLIC SMALL LETTER A" in found["message"] and "column 23" in found["message"]


def test_a_look_alike_letter_in_a_quoted_name_is_read_as_its_own_resource(tmp_path):
    # Terraform accepts Unicode letters in a quoted label: the file parses, the role keeps its
    # own (Cyrillic) name, and nothing is reported as malformed
    write(tmp_path / "main.tf", f'resource "aws_iam_role" "{CYRILLIC_A}dmin" {{\n  name = "admin"\n'
                                '  assume_role_policy = jsonencode({Version = "2012-10-17", Statement = [{'
                                'Effect = "Allow", Action = "sts:AssumeRole", '
                                'Principal = {Service = "ec2.amazonaws.com"}}]})\n}\n')
    got = read([str(tmp_path)])
    assert got.errors == [] and _malformed(got.findings) == []
    assert [p.name for p in got.policies] == [f"aws_iam_role.{CYRILLIC_A}dmin.assume_role_policy"]


def test_a_folder_where_every_file_is_malformed_reports_each_and_exits_1(tmp_path, cli):
    write(tmp_path / "a.tf", BAD_TF)
    write(tmp_path / "b.tf", 'resource "aws_iam_policy" "p" {\n  policy = \n')
    write(tmp_path / "c.json", '{"Version": "2012-10-17",\n')
    write(tmp_path / "plan.json", json.dumps({"format_version": "1.2", "planned_values": [],
                                              "resource_changes": []}))
    code, out, err = cli("audit", str(tmp_path), "--fmt", "json")
    report = json.loads(out)
    found = {os.path.basename(f["file"]): f["location"]["line"] for f in report["findings"]
             if f["code"] == "MALFORMED_POLICY"}
    assert code == 1 and "nothing to audit" not in err and err.count("error:") == 0
    assert found == {"a.tf": 7, "b.tf": 2, "c.json": 2, "plan.json": 1}
    assert report["policies"] == []


def test_the_end_of_a_file_is_its_last_line(tmp_path):
    write(tmp_path / "open.tf", 'resource "aws_iam_policy" "p" {\n  name = "p"\n')
    [finding] = _malformed(read([str(tmp_path)]).findings)
    assert finding.line == 2 and "unexpected end of file" in finding.message  # the last line there is


def test_a_malformed_plan_beside_good_inputs_is_a_finding(tmp_path, cli):
    write(tmp_path / "main.tf", GOOD_TF)
    write(tmp_path / "plan.json", json.dumps({"format_version": "1.2", "resource_changes": [],
                                              "planned_values": {"root_module": {"resources": "x"}}}))
    write(tmp_path / "truncated-plan.json", '{"format_version": "1.2", "planned_values": {"root_module":')
    code, out, err = cli("audit", str(tmp_path / "plan.json"), str(tmp_path / "truncated-plan.json"),
                         str(tmp_path / "main.tf"))
    assert code == 1 and "error:" not in err
    assert f"{tmp_path / 'plan.json'}:1: ERROR MALFORMED_POLICY" in out \
        and "planned_values.root_module.resources: expected a list, got a string" in out
    assert f"{tmp_path / 'truncated-plan.json'}:1: ERROR MALFORMED_POLICY" in out and "not valid JSON" in out
    assert "PRIVESC_PASSROLE_LAMBDA_INVOKE" in out
    assert "line 1 of the plan" not in err  # a malformed plan gets no placement note


def test_what_the_input_gate_refuses_stays_a_bad_input(folder, tmp_path, cli):
    (folder / "latin1.tf").write_bytes(b'resource "aws_iam_role" "caf\xe9" {}\n')
    os.mkfifo(folder / "pipe.tf")
    code, out, err = cli("audit", str(folder), str(tmp_path / "missing.tf"))
    assert code == 2 and "Traceback" not in err
    assert "latin1.tf: not a UTF-8 text file" in err and "pipe.tf" in err and "named pipe" in err
    assert "missing.tf: no such file or folder" in err
    assert "MALFORMED_POLICY" in out and "PRIVESC_PASSROLE_LAMBDA_INVOKE" in out  # the rest still audited


def test_a_file_over_the_size_cap_stays_a_bad_input(tmp_path, cli, monkeypatch):
    from policy_tf.analysis.inputs import json_text

    monkeypatch.setattr(json_text, "MAX_BYTES", 64)
    write(tmp_path / "big.tf", "# " + "x" * 100 + "\n")
    code, _, err = cli("audit", str(tmp_path / "big.tf"))
    assert code == 2 and "big.tf" in err and "MALFORMED_POLICY" not in err
