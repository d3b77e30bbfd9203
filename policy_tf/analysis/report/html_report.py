"""A self-contained HTML report (jinja2, no external assets): a summary per category and
severity, then each finding with its statement, the actions it expands to and why it matters."""
from __future__ import annotations

import json

from policy_tf.analysis.model import CATEGORIES, SEVERITIES
from policy_tf.analysis.report import CATEGORY_WHY, display_path, rules, statement_of

MAX_ACTIONS = 300  # a reviewer reads a list, not all 18,000 actions of "*"


def _expanded(statement) -> tuple:
    """(actions the statement's Action/NotAction expands to, how many in all), or ((), 0)."""
    if not isinstance(statement, dict):
        return (), 0
    try:
        from policy_tf.analysis.document import normalize
        from policy_tf.analysis.expand import action_index, statement_actions

        normal = normalize({"Statement": [statement]}).statements
        actions = sorted(statement_actions(normal[0], action_index())) if normal else []
    except Exception:  # the report must render even when the statement is malformed
        return (), 0
    return tuple(actions[:MAX_ACTIONS]), len(actions)


def _entries(result, pairs) -> list:
    known = rules()
    by_name = {p.name: p for p in result.policies}
    out = []
    for finding, exclusion in pairs:
        statement = statement_of(by_name, finding)
        expanded, total = _expanded(statement)
        out.append({
            "f": finding, "file": display_path(finding.file), "exclusion": exclusion,
            "statement": json.dumps(statement, indent=2, ensure_ascii=False) if statement is not None else None,
            "expanded": expanded, "expanded_total": total,
            "reason": known.get(finding.code, (None, None, ""))[2],
            "why": CATEGORY_WHY.get(finding.category, ""),
        })
    return out


def render(result) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("policy_tf.analysis.report", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    summary = {c: {s: 0 for s in SEVERITIES} for c in CATEGORIES}
    for f in result.findings:
        summary.setdefault(f.category, {s: 0 for s in SEVERITIES})[f.severity] += 1
    entries = _entries(result, [(f, None) for f in result.findings])
    by_category = [(c, CATEGORY_WHY.get(c, ""), [e for e in entries if e["f"].category == c]) for c in summary]
    return env.get_template("report.html.j2").render(
        result=result, severities=SEVERITIES, summary=summary, by_category=by_category,
        excluded=_entries(result, result.excluded), display_path=display_path,
        totals={s: sum(row[s] for row in summary.values()) for s in SEVERITIES},
    )
