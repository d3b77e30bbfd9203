"""SARIF 2.1.0, for code-scanning dashboards: one rule per issue code, one result per finding.

``startLine`` is the statement's line in the ``.tf`` or policy file; ``partialFingerprints``
hash what identifies the finding (code, file, policy, the statement's content, actions), not its
line, so a finding keeps its identity when code above it moves. Excluded findings are results
with a suppression carrying the exclusion's reason; policies not analyzed are ``note`` results.
"""
from __future__ import annotations

import hashlib
import json

from policy_tf import __version__
from policy_tf.analysis.report import display_path, rules, statement_of

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"ERROR": "error", "SECURITY_WARNING": "warning", "WARNING": "warning", "SUGGESTION": "note"}
SECURITY_SEVERITY = {"ERROR": "8.0", "SECURITY_WARNING": "7.0", "WARNING": "4.0", "SUGGESTION": "1.0"}


def _uri(path: str) -> str:
    shown = display_path(path)
    return ("file://" + shown) if shown.startswith("/") else shown


def _fingerprint(*parts) -> str:
    text = "\x1f".join(json.dumps(p, sort_keys=True, default=str) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _location(file: str, line, policy: str) -> dict:
    physical: dict = {"artifactLocation": {"uri": _uri(file)}}
    if line:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical, "logicalLocations": [{"name": policy, "kind": "resource"}]}


def render(result) -> str:
    known = rules()
    by_name = {p.name: p for p in result.policies}
    used: list = []
    index: dict = {}

    def rule_index(code: str, severity: str, category: str) -> int:
        if code not in index:
            index[code] = len(used)
            used.append((code, *known.get(code, (severity, category, code.replace("_", " ").lower()))))
        return index[code]

    results = []
    pairs = [(f, None) for f in result.findings] + list(result.excluded)
    for finding, exclusion in pairs:
        statement = statement_of(by_name, finding)
        item = {
            "ruleId": finding.code,
            "ruleIndex": rule_index(finding.code, finding.severity, finding.category),
            "level": LEVELS.get(finding.severity, "warning"),
            "message": {"text": finding.message},
            "locations": [_location(finding.file, finding.line, finding.policy)],
            "partialFingerprints": {"policyTfFinding/v1": _fingerprint(
                finding.code, display_path(finding.file), finding.policy, finding.method,
                sorted(finding.actions), statement if statement is not None else finding.statement)},
            "properties": {"severity": finding.severity, "category": finding.category, "policy": finding.policy,
                           "statement": finding.statement, "method": finding.method, "actions": list(finding.actions)},
        }
        if exclusion is not None:
            item["suppressions"] = [{"kind": "external", "justification": exclusion.reason}]
        results.append(item)
    for n in result.not_analyzed:
        results.append({
            "ruleId": "NOT_ANALYZED", "ruleIndex": rule_index("NOT_ANALYZED", "SUGGESTION", "validity"),
            "level": "note", "message": {"text": f"{n.name} was not analyzed: {n.reason}"},
            "locations": [_location(n.file, n.line, n.name)],
            "partialFingerprints": {"policyTfFinding/v1": _fingerprint("NOT_ANALYZED", display_path(n.file), n.name)},
        })
    driver_rules = []
    for code, severity, category, reason in used:
        driver_rules.append({
            "id": code, "name": "".join(w.capitalize() for w in code.split("_")),
            "shortDescription": {"text": reason}, "fullDescription": {"text": f"{category}: {reason}"},
            "defaultConfiguration": {"level": LEVELS.get(severity, "warning")},
            "properties": {"category": category, "severity": severity, "tags": ["security", category],
                           "security-severity": SECURITY_SEVERITY.get(severity, "4.0")},
        })
    sarif = {
        "$schema": SCHEMA, "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "policy_tf", "version": __version__, "semanticVersion": __version__,
                                "rules": driver_rules}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"
