"""SARIF 2.1.0, for code-scanning dashboards: every known rule declared, one result per finding.

Paths are relative to the repository root (``--repo-root``, default the git top level), which
is what GitHub resolves them against; the run records the tool's version and the IAM
database's date.

``startLine`` is the statement's line in the ``.tf`` or policy file; ``partialFingerprints``
hash what identifies the finding (code, file, policy, the statement's content, actions), not its
line, so a finding keeps its identity when code above it moves. Excluded findings are results
with a suppression carrying the exclusion's reason; policies not analyzed are ``note`` results.
"""
from __future__ import annotations

from policy_tf import __version__
from policy_tf.analysis.report import database_date, fingerprint, help_uri, repo_root, root_path, rules, statement_of
from policy_tf.core import jsontext

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"ERROR": "error", "SECURITY_WARNING": "warning", "WARNING": "warning", "SUGGESTION": "note"}
SECURITY_SEVERITY = {"ERROR": "8.0", "SECURITY_WARNING": "7.0", "WARNING": "4.0", "SUGGESTION": "1.0"}


def _location(file: str, line, policy: str, root: str) -> dict:
    from urllib.parse import quote

    shown = root_path(file, root)
    if shown.startswith("/"):  # outside the repository: an absolute URI, the best there is
        artifact = {"uri": "file://" + quote(shown)}
    else:
        artifact = {"uri": quote(shown), "uriBaseId": "%SRCROOT%"}
    physical: dict = {"artifactLocation": artifact}
    if line:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical, "logicalLocations": [{"name": policy, "kind": "resource"}]}


def render(result, root: str | None = None) -> str:
    from pathlib import Path

    root = root or repo_root()
    known = rules()
    by_name = {p.name: p for p in result.policies}
    # every known rule, in a stable order (dashboards list the rules a tool has, fired or not)
    used: list = [(code, *known[code]) for code in sorted(known)]
    index: dict = {code: i for i, (code, *_rest) in enumerate(used)}

    def rule_index(code: str, severity: str, category: str) -> int:
        if code not in index:  # a code the registry does not know: declared all the same
            index[code] = len(used)
            used.append((code, severity, category, code.replace("_", " ").lower()))
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
            "locations": [_location(finding.file, finding.line, finding.policy, root)],
            "partialFingerprints": {"policyTfFinding/v1": fingerprint(finding, statement, root)},
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
            "locations": [_location(n.file, n.line, n.name, root)],
            "partialFingerprints": {"policyTfFinding/v1": fingerprint(
                _not_analyzed_finding(n), None, root)},
        })
    driver_rules = []
    for code, severity, category, reason in used:
        driver_rules.append({
            "id": code, "name": "".join(w.capitalize() for w in code.split("_")),
            "shortDescription": {"text": reason}, "fullDescription": {"text": f"{category}: {reason}"},
            "helpUri": help_uri(code), "help": {"text": f"{reason} See {help_uri(code)}"},
            "defaultConfiguration": {"level": LEVELS.get(severity, "warning")},
            "properties": {"category": category, "severity": severity, "tags": ["security", category],
                           "security-severity": SECURITY_SEVERITY.get(severity, "4.0")},
        })
    sarif = {
        "$schema": SCHEMA, "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "policy_tf", "version": __version__, "semanticVersion": __version__,
                                "informationUri": help_uri("").split("#")[0], "rules": driver_rules}},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(root).as_uri().rstrip("/") + "/"}},
            "columnKind": "unicodeCodePoints",
            "properties": {"iamDatabaseDate": database_date()},
            "results": results,
        }],
    }
    return jsontext.dumps(sarif) + "\n"


def _not_analyzed_finding(n):
    from policy_tf.analysis.model import Finding

    return Finding("NOT_ANALYZED", "SUGGESTION", "validity", n.reason, n.file, n.name)
