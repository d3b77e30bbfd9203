"""The JSON report: {"policies": [...], "not_analyzed": [...], "findings": [...]}."""
from __future__ import annotations

from policy_tf.analysis.report import display_path


def as_data(result) -> dict:
    findings = []
    for finding in result.findings:
        item = finding.as_dict()
        item["file"] = display_path(item["file"])
        findings.append(item)
    return {
        "policies": [{"file": display_path(p.file), "policy": p.name, "kind": p.kind} for p in result.policies],
        "not_analyzed": [{"file": display_path(n.file), "policy": n.name, "reason": n.reason,
                          "location": {"line": n.line} if n.line else None} for n in result.not_analyzed],
        "findings": findings,
    }


def render(result) -> str:
    from policy_tf.output import to_json

    return to_json(as_data(result))
