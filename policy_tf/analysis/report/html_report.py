"""A self-contained HTML report (jinja2, no external assets, no script): the tool's version, the
IAM database's date and when it was made; an inline SVG chart and a table of findings per
category and severity; then each finding with its statement, the actions it expands to and
why it matters (its own check's reason)."""
from __future__ import annotations

import json

from policy_tf.analysis.model import CATEGORIES, SEVERITIES
from policy_tf.analysis.report import CATEGORY_WHY, database_date, display_path, rules, statement_of

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
    except Exception:  # noqa: BLE001 - the report must render even when the statement is malformed
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
            # the finding's own "why": its check's reason (the category's sentence heads its section)
            "reason": sentence(known.get(finding.code, (None, None, ""))[2]),
        })
    return out


def sentence(text: str) -> str:
    """``text`` ending in exactly one full stop (registry reasons may or may not have one)."""
    text = (text or "").strip()
    while text.endswith(".") and not text.endswith("..."):
        text = text[:-1].rstrip()
    return f"{text}." if text else ""


# The summary chart: one bar per category, a segment per severity (inline SVG, no script).
BAR = {"label": 190, "width": 420, "height": 22, "gap": 8, "top": 30}
SEVERITY_COLOURS = {"ERROR": "#b3261e", "SECURITY_WARNING": "#c25400", "WARNING": "#8a6d00", "SUGGESTION": "#4a6da7"}


def chart(summary: dict) -> dict:
    """Geometry of the summary chart: rows of (category, total, [segments]), the legend, the size."""
    largest = max((sum(counts.values()) for counts in summary.values()), default=0) or 1
    rows = []
    for i, (category, counts) in enumerate(summary.items()):
        y, x, segments = BAR["top"] + i * (BAR["height"] + BAR["gap"]), BAR["label"], []
        for severity in SEVERITIES:
            n = counts.get(severity, 0)
            if n:
                width = max(2.0, BAR["width"] * n / largest)
                segments.append({"severity": severity, "x": round(x, 1), "width": round(width, 1), "count": n,
                                 "colour": SEVERITY_COLOURS[severity]})
                x += width
        rows.append({"category": category, "y": y, "total": sum(counts.values()), "segments": segments,
                     "end": round(x, 1)})
    legend, x = [], BAR["label"]
    for s in SEVERITIES:  # each label as wide as its text (about 7 px a character at 11 px)
        legend.append({"severity": s, "colour": SEVERITY_COLOURS[s], "x": x})
        x += 16 + 7 * len(s) + 18
    height = BAR["top"] + len(rows) * (BAR["height"] + BAR["gap"]) + 4
    return {"rows": rows, "legend": legend, "width": max(BAR["label"] + BAR["width"] + 60, x), "height": height,
            "bar": BAR}


def render(result) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("policy_tf.analysis.report", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    summary = {c: {s: 0 for s in SEVERITIES} for c in CATEGORIES}
    for f in result.findings:
        summary.setdefault(f.category, {s: 0 for s in SEVERITIES})[f.severity] += 1
    entries = _entries(result, [(f, None) for f in result.findings])
    by_category = [(c, sentence(CATEGORY_WHY.get(c, "")), [e for e in entries if e["f"].category == c])
                   for c in summary]
    from datetime import datetime, timezone

    from policy_tf import __version__

    return env.get_template("report.html.j2").render(
        result=result, severities=SEVERITIES, summary=summary, by_category=by_category,
        excluded=_entries(result, result.excluded), display_path=display_path,
        totals={s: sum(row[s] for row in summary.values()) for s in SEVERITIES}, chart=chart(summary),
        version=__version__, database_date=database_date() or "unknown",
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
    )
