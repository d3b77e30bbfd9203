"""JUnit XML, which every CI shows: one test suite per input file, one test case per policy.

A policy with no finding is a passing test case; each finding at or above ``--fail-on`` is a
failing test case of its own (``CODE policy``), so a CI lists every problem by name; findings
below it pass, with their message in ``system-out``; excluded findings and policies not analyzed
are skipped, with the reason. Written with ElementTree: text is escaped, never pasted into XML.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from policy_tf.analysis.model import SEVERITIES
from policy_tf.analysis.report import repo_root, root_path

_RANK = {s: i for i, s in enumerate(SEVERITIES)}
# characters XML 1.0 cannot hold at all, even escaped: a hostile policy's text loses them
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _fails(severity: str, fail_on: str) -> bool:
    if fail_on == "none":
        return False
    return _RANK.get(severity, len(SEVERITIES)) <= _RANK[fail_on.upper()]


def _describe(finding) -> str:
    where = f"line {finding.line}" if finding.line else "the file"
    text = f"{finding.severity} {finding.code} [{finding.category}] at {where}: {finding.message}"
    if finding.actions:
        text += "\nactions: " + ", ".join(finding.actions)
    return text


def render(result, root: str | None = None, fail_on: str = "security_warning") -> str:
    root = root or repo_root()
    suites: dict = {}  # file -> [(name, kind, detail)] ; kind: pass, fail, skip, note

    def case(file: str, name: str, kind: str, message: str = "", detail: str = "") -> None:
        suites.setdefault(_clean(root_path(file, root)), []).append((_clean(name), kind, _clean(message),
                                                                     _clean(detail)))

    with_findings = set()
    for finding in result.findings:
        with_findings.add((finding.file, finding.policy))
        kind = "fail" if _fails(finding.severity, fail_on) else "note"
        case(finding.file, f"{finding.code} {finding.policy}", kind, finding.message, _describe(finding))
    for finding, exclusion in result.excluded:
        with_findings.add((finding.file, finding.policy))
        case(finding.file, f"{finding.code} {finding.policy}", "skip", f"excluded: {exclusion.reason}",
             _describe(finding))
    for policy in result.policies:
        if (policy.file, policy.name) not in with_findings:
            case(policy.file, policy.name, "pass")
    for n in result.not_analyzed:
        case(n.file, n.name, "skip", f"not analyzed: {n.reason}")

    top = ET.Element("testsuites", name="policy_tf audit")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for file in sorted(suites):
        cases = suites[file]
        counts = {"tests": len(cases), "failures": sum(k == "fail" for _, k, _, _ in cases),
                  "skipped": sum(k == "skip" for _, k, _, _ in cases)}
        suite = ET.SubElement(top, "testsuite", name=file, tests=str(counts["tests"]),
                              failures=str(counts["failures"]), errors="0", skipped=str(counts["skipped"]), time="0")
        for name, kind, message, detail in cases:
            element = ET.SubElement(suite, "testcase", name=name, classname=file, time="0")
            if kind == "fail":
                failure = ET.SubElement(element, "failure", message=message, type=name.split(" ")[0])
                failure.text = detail
            elif kind == "skip":
                ET.SubElement(element, "skipped", message=message)
            elif kind == "note":
                ET.SubElement(element, "system-out").text = detail
        for key in totals:
            totals[key] += counts[key]
    top.set("tests", str(totals["tests"]))
    top.set("failures", str(totals["failures"]))
    top.set("errors", "0")
    top.set("disabled", "0")  # junit-10.xsd's testsuites has no skipped count: each suite has its own
    top.set("time", "0")
    ET.indent(top)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(top, encoding="unicode") + "\n"
