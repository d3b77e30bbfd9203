"""The JSON report: {"policies": [...], "not_analyzed": [...], "findings": [...]}."""
from __future__ import annotations

from policy_tf.analysis.report import display_path


def as_data(result) -> dict:
    shown: dict = {}  # file -> display path: many findings share a file, and relpath is not cheap

    def path(file: str) -> str:
        found = shown.get(file)
        if found is None:
            found = shown[file] = display_path(file)
        return found

    findings = []
    for finding in result.findings:
        item = finding.as_dict()
        item["file"] = path(item["file"])
        findings.append(item)
    return {
        "policies": [{"file": path(p.file), "policy": p.name, "kind": p.kind} for p in result.policies],
        "not_analyzed": [{"file": path(n.file), "policy": n.name, "reason": n.reason,
                          "location": {"line": n.line} if n.line else None} for n in result.not_analyzed],
        "findings": findings,
    }


def render(result) -> str:
    """As ``policy_tf.output.to_json`` writes it (indented), by the faster equivalent encoder."""
    from policy_tf.analysis.report.indented_json import dumps

    return dumps(as_data(result)) + "\n"
