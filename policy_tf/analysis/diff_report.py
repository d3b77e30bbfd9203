"""The access diff as text, JSON, or findings for the audit's CI reports (SARIF, and whatever
formats ``policy_tf.analysis.report`` renders)."""
from __future__ import annotations

import json

from policy_tf.analysis import condition_logic as cl
from policy_tf.analysis.model import Finding
from policy_tf.core import jsontext


def formats() -> tuple:
    """text and JSON of the diff's own, and every CI format the audit renders (SARIF, ...)."""
    from policy_tf.analysis.report import FORMATS as AUDIT_FORMATS

    return ("text", "json") + tuple(f for f in AUDIT_FORMATS if f not in ("text", "json"))
NEW_ACCESS, REMOVED_ACCESS = "NEW_ACCESS", "REMOVED_ACCESS"
_SHOWN = 6  # actions named in text before the rest are counted


def compact_actions(actions, index=None) -> list:
    """Actions for people: a whole service as ``prefix:*`` (with an index to tell), else the
    names, the first few of a long list per service and a count of the rest."""
    by_prefix: dict = {}
    for action in actions:
        by_prefix.setdefault(action.partition(":")[0], []).append(action)
    out = []
    for prefix in sorted(by_prefix):
        names = sorted(by_prefix[prefix])
        if index is not None and len(names) > 1 and len(names) == len(index.names(prefix)):
            out.append(f"{prefix}:*")
        elif len(names) > _SHOWN:
            out.extend(names[:_SHOWN - 1])
            out.append(f"(+{len(names) - _SHOWN + 1} more {prefix})")
        else:
            out.extend(names)
    return out


def _principal(p) -> str:
    if p is None:
        return ""
    if p[0] == "not":
        return "everyone but NotPrincipal "
    return f"{p[0]} {p[1]} "


def describe(change, index=None) -> str:
    """One line: who may do what, where, when, except what."""
    actions = compact_actions(change.actions, index)
    where = change.resource if change.resource is not None else "everything but " + ", ".join(change.not_resources)
    text = f"{_principal(change.principal)}{', '.join(actions)} on {where}"
    if change.condition:
        text += f" if {json.dumps(cl.as_map(change.condition), sort_keys=True)}"
    for exc in change.exceptions:
        scope = exc.resources if exc.resources is not None else [f"everything but {', '.join(exc.not_resources)}"]
        text += f" (except {', '.join(scope)}"
        if exc.principal is not None:
            text += f" for {_principal(exc.principal).strip()}"
        if exc.condition:
            text += f" when {json.dumps(cl.as_map(exc.condition), sort_keys=True)}"
        text += ")"
    return text


def _granted_by(change) -> str:
    parts = []
    for policy, statement, sid in change.sources:
        label = f"statement {statement}" + (f" ({sid})" if sid else "")
        parts.append(label if policy == change.name else f"{policy} {label}")
    return "; ".join(parts)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def render_text(result, index=None) -> str:
    out = []
    current = None
    for change in result.changes:
        if (change.scope, change.name) != current:
            current = (change.scope, change.name)
            out.append(f"{change.scope} {change.name}")
        sign = "+" if change.status == "added" else "-"
        out.append(f"  {sign} Allow {describe(change, index)}  [{_granted_by(change)}]")
    for n in result.not_analyzed:
        out.append(f"  ? {n.name} not compared: {n.reason}")
    added, removed = result.added, result.removed
    out.append(f"policy_tf diff: {len(added)} grant{'s' if len(added) != 1 else ''} added "
               f"({sum(len(c.actions) for c in added)} actions), {len(removed)} removed "
               f"({sum(len(c.actions) for c in removed)} actions); compared "
               f"{_count(result.compared['policies'], 'policy', 'policies')}, "
               f"{_count(result.compared['principals'], 'principal', 'principals')}")
    if not result.changes:
        out.insert(0, "no change in access" + (" among the policies compared" if result.not_analyzed else ""))
    return "\n".join(out) + "\n"


def as_data(result) -> dict:
    from policy_tf.analysis.report import display_path

    changes = []
    for change in result.changes:
        item = change.as_dict()
        item["file"] = display_path(item["file"]) if item["file"] else None
        changes.append(item)
    return {"added": [c for c in changes if c["status"] == "added"],
            "removed": [c for c in changes if c["status"] == "removed"],
            "compared": result.compared,
            "not_analyzed": [{"file": n.file, "policy": n.name, "reason": n.reason} for n in result.not_analyzed]}


def render_json(result) -> str:
    return jsontext.dumps(as_data(result)) + "\n"


def findings(changes, index=None, removed: bool = True, severity: str = "SECURITY_WARNING") -> list:
    """The changes as findings: new access at ``severity``, removed access as suggestions."""
    out = []
    for change in changes:
        if change.status == "removed" and not removed:
            continue
        code = NEW_ACCESS if change.status == "added" else REMOVED_ACCESS
        verb = "grants new access" if change.status == "added" else "no longer grants"
        statement = change.sources[0][1] if change.sources and change.sources[0][0] == change.name else None
        message = f"{change.scope} {change.name} {verb}: Allow {describe(change, index)}"
        out.append(Finding(code, severity if change.status == "added" else "SUGGESTION", "access-change", message,
                           change.file or "", change.name, statement, change.actions, None, change.line,
                           {"change": change.as_dict()}))
    return out


def render(result, fmt: str, index=None) -> str:
    if fmt == "text":
        return render_text(result, index)
    if fmt == "json":
        return render_json(result)
    from policy_tf.analysis.audit import AuditResult
    from policy_tf.analysis.report import render as audit_render

    # the audit's renderers read an audit's result: one holding the diff's findings
    report = AuditResult(findings=findings(result.changes, index), not_analyzed=list(result.not_analyzed))
    text = audit_render(report, fmt)
    return _described(text) if fmt == "sarif" else text


RULES = {
    NEW_ACCESS: "the change grants access that was not granted before",
    REMOVED_ACCESS: "the change takes away access that was granted before",
}


def _described(sarif: str) -> str:
    """The SARIF with this report's own rule descriptions (the audit's renderer knows the checks')."""
    data = json.loads(sarif)
    for run in data.get("runs", []):
        for rule in run.get("tool", {}).get("driver", {}).get("rules", []):
            text = RULES.get(rule.get("id"))
            if text:
                rule["shortDescription"] = {"text": text}
                rule["fullDescription"] = {"text": f"access-change: {text}"}
    return jsontext.dumps(data) + "\n"
