"""`policy_tf audit`: exit codes, exclusions, and the JSON, SARIF, text and HTML reports."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from policy_tf.analysis.accepted_findings import load, parse
from policy_tf.analysis.audit import audit, exit_status
from policy_tf.analysis.model import Finding
from policy_tf.core.errors import InputError

WIDE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
READER = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-reports/*"}]}


@pytest.fixture
def folder(tmp_path) -> Path:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "wide.json").write_text(json.dumps(WIDE, indent=2), encoding="utf-8")
    (tmp_path / "policies" / "reader.json").write_text(json.dumps(READER, indent=2), encoding="utf-8")
    return tmp_path / "policies"


# --- exit status ---------------------------------------------------------------------------------

def test_exit_1_when_a_finding_is_at_or_above_fail_on(folder, cli):
    assert cli("audit", str(folder))[0] == 1


def test_exit_0_for_a_clean_policy(folder, cli):
    assert cli("audit", str(folder / "reader.json"))[0] == 0


def test_fail_on_none_never_fails_on_findings(folder, cli):
    assert cli("audit", str(folder), "--fail-on", "none")[0] == 0


def test_fail_on_suggestion_fails_on_any_finding():
    result = audit([])
    result.findings = [Finding("X", "SUGGESTION", "validity", "m", "f", "p")]
    assert exit_status(result, "suggestion") == 1 and exit_status(result, "warning") == 0


def test_a_malformed_file_is_a_finding_at_its_line_and_the_audit_goes_on(folder, cli):
    (folder / "broken.json").write_text('{"Version": "2012-10-17",\n "Statement": [}', encoding="utf-8")
    code, out, err = cli("audit", str(folder), "--fail-on", "error")
    assert code == 1 and "Traceback" not in err
    assert "MALFORMED_POLICY" in out and "broken.json:2" in out
    assert "wide" in out  # the good inputs are still reported


def test_a_lone_malformed_file_is_reported_not_nothing_to_audit(tmp_path, cli):
    (tmp_path / "broken.json").write_text("not json", encoding="utf-8")
    code, out, err = cli("audit", str(tmp_path / "broken.json"))
    assert code == 1 and "MALFORMED_POLICY" in out and "nothing to audit" not in err


def test_exit_2_for_an_unreadable_input_even_beside_good_ones(folder, cli):
    (folder / "latin1.json").write_bytes(b'{"Sid": "caf\xe9"}')
    code, out, err = cli("audit", str(folder), "--fail-on", "none")
    assert code == 2 and "latin1.json: not a UTF-8 text file" in err
    assert "wide" in out


def test_exit_2_and_one_message_when_nothing_can_be_read(tmp_path, cli):
    code, out, err = cli("audit", str(tmp_path / "nope.json"))
    assert code == 2 and out == "" and "nope.json: no such file or folder" in err and "Traceback" not in err


def test_unknown_check_is_a_usage_error_with_suggestions(folder, cli):
    code, _, err = cli("audit", str(folder), "--checks", "SERVICE_WILDCRD")
    assert code == 2 and "SERVICE_WILDCARD" in err


def test_checks_limit_the_findings(folder, cli):
    code, out, _ = cli("audit", str(folder), "--fmt", "json", "--checks", "SERVICE_WILDCARD")
    assert {f["code"] for f in json.loads(out)["findings"]} == {"SERVICE_WILDCARD"}


def test_new_only_needs_a_plan(folder, cli):
    code, _, err = cli("audit", str(folder), "--new-only")
    assert code == 2 and "--new-only" in err


# --- exclusions ----------------------------------------------------------------------------------

def test_exclusions_drop_matching_findings_and_keep_their_reason(folder, tmp_path, cli):
    rules = tmp_path / "exclusions.yml"
    rules.write_text("exclusions:\n  - policies: [wide]\n    reason: break-glass policy, reviewed yearly\n",
                     encoding="utf-8")
    code, out, _ = cli("audit", str(folder), "--exclusions", str(rules), "--fmt", "sarif")
    assert code == 0
    results = json.loads(out)["runs"][0]["results"]
    assert results and all(r["suppressions"] == [{"kind": "external",
                                                  "justification": "break-glass policy, reviewed yearly"}]
                           for r in results)


def test_exclusion_by_action_needs_every_action_of_the_finding():
    [rule] = parse([{"actions": ["s3:Get*"], "reason": "ok"}], "x.yml")
    assert rule.matches(Finding("C", "WARNING", "data-exfiltration", "m", "f", "p", actions=("s3:GetObject",)), None)
    assert not rule.matches(Finding("C", "WARNING", "data-exfiltration", "m", "f", "p",
                                    actions=("s3:GetObject", "s3:PutObject")), None)


def test_exclusion_fields_are_anded():
    [rule] = parse([{"codes": ["full_admin"], "principals": ["role/legacy-*"], "reason": "ok"}], "x.yml")
    found = Finding("FULL_ADMIN", "SECURITY_WARNING", "service-wildcard", "m", "f", "p")
    assert rule.matches(found, "role/legacy-app")
    assert not rule.matches(found, "role/app") and not rule.matches(found, None)


@pytest.mark.parametrize("text, message", [
    ("exclusions:\n  - codes: [FULL_ADMIN]\n", "needs a reason"),
    ("exclusions:\n  - reason: why\n", "say what to exclude"),
    ("exclusions:\n  - code: [FULL_ADMIN]\n    reason: why\n", "unknown key 'code'"),
    ("exclusions:\n  - codes: [FULL_ADMN]\n    reason: why\n", "FULL_ADMIN"),
    ("exclusions:\n  - codes: [FULL_ADMIN]\n    reason: a\n    reason: b\n", "duplicate key 'reason'"),
    ("exclusions: [\n", "not valid YAML"),
    ("exclusions:\n  - codes: []\n    reason: why\n", "codes: expected a non-empty"),
])
def test_bad_exclusions_file_names_the_entry_and_field(tmp_path, text, message):
    path = tmp_path / "ex.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="ex.yml") as err:
        load(str(path), {"FULL_ADMIN", "SERVICE_WILDCARD"})
    assert message in str(err.value)


# --- reports -------------------------------------------------------------------------------------

def test_json_report_has_exactly_the_documented_shape(folder, cli):
    _, out, _ = cli("audit", str(folder), "--fmt", "json")
    report = json.loads(out)
    assert set(report) == {"policies", "not_analyzed", "findings"}
    assert {p["policy"]: p["kind"] for p in report["policies"]} == {"wide": "identity", "reader": "identity"}
    for finding in report["findings"]:
        assert set(finding) == {"code", "severity", "category", "method", "actions", "file", "policy", "statement",
                                "message", "location"}
    wide = next(f for f in report["findings"] if f["code"] == "SERVICE_WILDCARD")
    assert wide["statement"] == 0 and wide["location"] == {"line": 4}


def test_sarif_rules_are_stable_and_results_point_at_statement_lines(folder, cli):
    _, out, _ = cli("audit", str(folder), "--fmt", "sarif")
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-2.1.0.json")
    run_ = sarif["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    wide = next(r for r in run_["results"] if r["ruleId"] == "SERVICE_WILDCARD")
    assert rules[wide["ruleIndex"]]["id"] == "SERVICE_WILDCARD"
    assert rules[wide["ruleIndex"]]["properties"]["category"] == "service-wildcard"
    location = wide["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("policies/wide.json") and location["region"] == {"startLine": 4}


def test_sarif_fingerprints_survive_moved_lines(folder, cli):
    _, before, _ = cli("audit", str(folder / "wide.json"), "--fmt", "sarif")
    (folder / "wide.json").write_text("\n\n\n" + json.dumps(WIDE, indent=2), encoding="utf-8")
    _, after, _ = cli("audit", str(folder / "wide.json"), "--fmt", "sarif")

    def prints(text):
        return [(r["partialFingerprints"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
                for r in json.loads(text)["runs"][0]["results"]]

    assert [p for p, _ in prints(before)] == [p for p, _ in prints(after)]
    assert [line + 3 for _, line in prints(before)] == [line for _, line in prints(after)]


def test_text_report_gives_file_line_code_and_a_summary(folder, cli):
    _, out, _ = cli("audit", str(folder))
    assert "wide.json:4: WARNING SERVICE_WILDCARD [service-wildcard] wide:" in out
    assert out.rstrip().splitlines()[-1].startswith("2 policies analyzed, 0 not analyzed;")


def test_html_report_is_self_contained_with_summary_statement_and_expanded_actions(folder, tmp_path, cli):
    out_file = tmp_path / "report.html"
    code, stdout, _ = cli("audit", str(folder), "--fmt", "html", "--output", str(out_file))
    assert code == 1 and stdout == ""
    html = out_file.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html and "http://" not in html and "https://" not in html.replace("https://json", "")
    assert 'href="#service-wildcard"' in html and "privilege-escalation" in html
    assert "Why it matters" in html and "SERVICE_WILDCARD" in html
    assert "&#34;Action&#34;: &#34;s3:*&#34;" in html  # the statement, escaped
    assert "<li>s3:GetObject</li>" in html  # the statement's actions, expanded


def test_html_escapes_what_policies_hold(tmp_path, cli):
    hostile = {"Version": "2012-10-17", "Statement": [
        {"Sid": "<script>alert(1)</script>", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    path = tmp_path / "x.json"
    path.write_text(json.dumps(hostile), encoding="utf-8")
    _, out, _ = cli("audit", str(path), "--fmt", "html")
    assert "<script>alert(1)</script>" not in out


def test_report_to_an_unwritable_place_is_an_input_error(folder, tmp_path, cli):
    code, _, err = cli("audit", str(folder), "--output", str(tmp_path / "missing" / "r.json"))
    assert code == 2 and "cannot write the report" in err


def test_a_report_file_gets_the_mode_a_plain_open_would_give(tmp_path):
    import os
    import stat

    from policy_tf.core.atomic import write_text

    old = os.umask(0o022)
    try:
        write_text(str(tmp_path / "report.html"), "<html></html>")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "report.html").st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_display_paths_shows_each_file_as_display_path_does(tmp_path, monkeypatch):
    from policy_tf.analysis.report import display_path, display_paths

    (tmp_path / "in").mkdir()
    monkeypatch.chdir(tmp_path / "in")
    files = ["", "a.json", "./a.json", "sub/../b.json", "../c.json", str(tmp_path / "in" / "d.json"),
             str(tmp_path / "e.json"), "/", str(tmp_path / "in"), "x//y.json"]
    shown = display_paths()
    assert [shown(f) for f in files] == [display_path(f) for f in files]
    assert [shown(f) for f in files] == [display_path(f) for f in files]  # memoized: the same again


def test_a_finding_is_located_at_its_statement_line_as_replace_would_place_it():
    from policy_tf.analysis.audit import _located
    from policy_tf.analysis.model import PolicyInput

    policy = PolicyInput("p.json", "p", "identity", {}, line=3, statement_lines=(5, 9))
    for statement, file, line in ((1, "p.json", 9), (None, "", 3), (7, "q.json", 3)):
        finding = Finding("X", "WARNING", "validity", "m", file, "p", statement, ("a",), "M", None, {"k": 1})
        placed = _located(finding, policy)
        assert tuple(placed) == tuple(finding._replace(line=line, file=file or policy.file))
        assert type(placed) is Finding
