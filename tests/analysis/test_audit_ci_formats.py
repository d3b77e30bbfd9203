"""`audit --fmt junit | codequality | sarif`: each report checked against its published format."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from policy_tf.analysis.audit import audit
from policy_tf.analysis.report import render, rules
from policy_tf.cli import main

SCHEMAS = Path(__file__).resolve().parents[1] / "fixtures" / "report_schemas"
WIDE = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Everything", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}
READER = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-reports/*"}]}


@pytest.fixture
def repo(tmp_path) -> Path:
    """A git repository (a bare .git folder is what marks its top) with policies two levels down."""
    (tmp_path / ".git").mkdir()
    folder = tmp_path / "infra" / "policies"
    folder.mkdir(parents=True)
    (folder / "wide.json").write_text(json.dumps(WIDE, indent=2), encoding="utf-8")
    (folder / "reader.json").write_text(json.dumps(READER, indent=2), encoding="utf-8")
    (folder / "odd\x01name.json").write_text(json.dumps(WIDE), encoding="utf-8")
    return tmp_path


def _cli(capsys, *args) -> tuple:
    code = main(["audit", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _junit_errors(root: ET.Element) -> list:
    """Every departure from junit-10.xsd's facts (tests/fixtures/report_schemas/junit-10.json)."""
    schema = json.loads((SCHEMAS / "junit-10.json").read_text())
    elements, errors = schema["elements"], []
    if root.tag != schema["root"]:
        errors.append(f"root is {root.tag}")

    def visit(element: ET.Element) -> None:
        rule = elements.get(element.tag)
        if rule is None:
            errors.append(f"unknown element {element.tag}")
            return
        for name, value in element.attrib.items():
            kind = rule["attributes"].get(name)
            if kind is None:
                errors.append(f"{element.tag} has no attribute {name}")
            elif kind == "int" and not re.fullmatch(r"\d+", value):
                errors.append(f"{element.tag}@{name}={value!r} is not an integer")
            elif kind == "decimal" and not re.fullmatch(r"\d+(\.\d+)?", value):
                errors.append(f"{element.tag}@{name}={value!r} is not a decimal")
        errors.extend(f"{element.tag} lacks {name}" for name in rule["required"] if name not in element.attrib)
        if not rule["text"] and (element.text or "").strip():
            errors.append(f"{element.tag} holds text")
        for child in element:
            if child.tag not in rule["children"]:
                errors.append(f"{child.tag} inside {element.tag}")
            visit(child)
        for once in rule.get("at_most_once", []):
            if len(element.findall(once)) > 1:
                errors.append(f"{element.tag} has several {once}")

    visit(root)
    return errors


def test_junit_report_follows_the_junit_10_schema_with_one_failing_case_per_blocking_finding(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo / "infra")
    code, out, _ = _cli(capsys, "policies", "--fmt", "junit")
    root = ET.fromstring(out.encode())
    assert _junit_errors(root) == []
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"infra/policies/wide.json", "infra/policies/reader.json",
                           "infra/policies/odd\ufffdname.json"}
    reader = suites["infra/policies/reader.json"]
    assert [c.get("name") for c in reader] == ["reader"] and reader.get("failures") == "0"
    failures = [c for c in suites["infra/policies/wide.json"] if c.find("failure") is not None]
    assert failures and all(c.get("name").split(" ")[1] == "wide" for c in failures)
    assert int(root.get("failures")) == sum(int(s.get("failures")) for s in suites.values())
    assert code == 1


def test_junit_findings_below_fail_on_pass_with_their_message(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    _, out, _ = _cli(capsys, "infra/policies/wide.json", "--fmt", "junit", "--fail-on", "none")
    root = ET.fromstring(out.encode())
    assert root.get("failures") == "0"
    assert all(c.find("system-out") is not None for c in root.iter("testcase"))


def _codequality_errors(issues) -> list:
    schema = json.loads((SCHEMAS / "codequality.json").read_text())
    types = {"string": str, "object": dict, "array": list, "int": int}
    errors = [] if isinstance(issues, list) else ["not an array"]
    for i, issue in enumerate(issues):
        for key, kind in schema["required"].items():
            if not isinstance(issue.get(key), types[kind]) or issue.get(key) == "":
                errors.append(f"{i}: {key} missing or not a {kind}")
        for key in set(issue) - set(schema["required"]) - set(schema["optional"]):
            errors.append(f"{i}: unknown key {key}")
        if issue.get("type", "issue") != schema["type_value"]:
            errors.append(f"{i}: type {issue['type']}")
        if issue.get("severity") not in schema["severities"]:
            errors.append(f"{i}: severity {issue.get('severity')}")
        errors.extend(f"{i}: category {c}" for c in issue.get("categories", []) if c not in schema["categories"])
        location = issue.get("location", {})
        if not isinstance(location.get("path"), str) or location["path"].startswith("/"):
            errors.append(f"{i}: path {location.get('path')!r} is not relative")
        begin = (location.get("lines") or {}).get("begin",
                                                  ((location.get("positions") or {}).get("begin") or {}).get("line"))
        if not isinstance(begin, int) or begin < 1:
            errors.append(f"{i}: no begin line")
    prints = [issue.get("fingerprint") for issue in issues]
    if len(set(prints)) != len(prints):
        errors.append("fingerprints are not unique")
    return errors


def test_codequality_report_follows_gitlabs_format_with_paths_from_the_repository_root(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo / "infra" / "policies")
    code, out, err = _cli(capsys, ".", "--fmt", "codequality")
    issues = json.loads(out)
    assert issues and _codequality_errors(issues) == []
    assert {i["location"]["path"] for i in issues} >= {"infra/policies/wide.json"}
    assert {i["severity"] for i in issues} & {"critical", "blocker", "major"}
    assert code == 1 and "findings" in err


def test_codequality_fingerprints_stay_when_the_statement_moves(repo):
    path = repo / "infra" / "policies" / "wide.json"
    first = json.loads(render(audit([str(path)]), "codequality", root=str(repo)))
    path.write_text("\n\n\n" + json.dumps(WIDE, indent=4), encoding="utf-8")
    second = json.loads(render(audit([str(path)]), "codequality", root=str(repo)))
    assert [i["fingerprint"] for i in first] == [i["fingerprint"] for i in second]
    assert [i["location"]["lines"]["begin"] for i in first] != [i["location"]["lines"]["begin"] for i in second]


def test_sarif_paths_are_relative_to_the_repository_root_not_the_working_folder(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo / "infra" / "policies")
    _, out, _ = _cli(capsys, "wide.json", "--fmt", "sarif")
    run = json.loads(out)["runs"][0]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"infra/policies/wide.json"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.as_uri() + "/"


def test_sarif_repo_root_option_overrides_the_git_top_level(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    _, out, _ = _cli(capsys, "infra/policies/wide.json", "--fmt", "sarif", "--repo-root", "infra")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(out)["runs"][0]["results"]}
    assert uris == {"policies/wide.json"}
    code, _, err = _cli(capsys, "infra/policies/wide.json", "--fmt", "sarif", "--repo-root", "nowhere")
    assert code == 2 and "--repo-root nowhere: not a folder" in err


def test_sarif_declares_every_rule_with_help_uri_and_records_version_and_database_date(repo):
    result = audit([str(repo / "infra" / "policies" / "reader.json")])
    run = json.loads(render(result, "sarif", root=str(repo)))["runs"][0]
    declared = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert declared == set(rules())  # every check of the registry, not only those that fired
    assert all(r["helpUri"].startswith("https://") for r in run["tool"]["driver"]["rules"])
    from policy_tf import __version__

    assert run["tool"]["driver"]["version"] == __version__
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", run["properties"]["iamDatabaseDate"])
    assert run["results"] == []


def test_sarif_rule_indexes_point_at_their_rules(repo):
    run = json.loads(render(audit([str(repo / "infra" / "policies")]), "sarif", root=str(repo)))["runs"][0]
    rules_list = run["tool"]["driver"]["rules"]
    assert run["results"]
    assert all(rules_list[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
