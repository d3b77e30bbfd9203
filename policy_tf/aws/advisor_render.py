"""The access-advisor report as a readable table or a self-contained HTML page."""
from __future__ import annotations

from html import escape


def _rows(report: dict) -> list[dict]:
    rows = []
    for entity in report["entities"]:
        if "error" in entity:
            rows.append({"entity": entity["arn"], "type": entity["type"], "granted": "", "used": "",
                         "coverage": "", "last_access": "", "unused": f"ERROR: {entity['error']}"})
            continue
        rows.append({"entity": entity["arn"], "type": entity["type"], "granted": len(entity["services_granted"]),
                     "used": len(entity["services_used"]), "coverage": f"{entity['coverage_percent']:g}%",
                     "last_access": entity["last_accessed"] or "never",
                     "unused": " ".join(entity["services_unused"])})
    return rows


def to_table(report: dict) -> str:
    from policy_tf.output import to_table as table

    return table(_rows(report)) if report["entities"] else "no entities\n"


def to_html(report: dict) -> str:
    """One page: a summary table, then each entity's services (and tracked actions)."""
    parts = ["<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
             f"<title>Access Advisor: account {escape(str(report.get('account')))}</title>",
             "<style>body{font-family:sans-serif}table{border-collapse:collapse;margin-bottom:1em}"
             "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}.unused{color:#a00}</style></head><body>",
             f"<h1>Access Advisor: account {escape(str(report.get('account')))}</h1>",
             f"<p>Used means accessed within {report['days']} days; {escape(report['granularity'])} data, "
             f"generated {escape(report['generated'])}.</p>", "<table><tr>"]
    rows = _rows(report)
    columns = ["entity", "type", "granted", "used", "coverage", "last_access", "unused"]
    parts.append("".join(f"<th>{c}</th>" for c in columns) + "</tr>")
    for row in rows:
        parts.append("<tr>" + "".join(f"<td>{escape(str(row[c]))}</td>" for c in columns) + "</tr>")
    parts.append("</table>")
    for entity in report["entities"]:
        if "error" in entity or not entity["services"]:
            continue
        parts.append(f"<h2>{escape(entity['arn'])}</h2><table><tr><th>service</th><th>last accessed</th>"
                     "<th>region</th><th>actions (tracked)</th></tr>")
        for service in entity["services"]:
            css = "" if service["used"] else " class=\"unused\""
            actions = ", ".join(f"{a['action']}{'' if a['used'] else ' (unused)'}" for a in service["actions"])
            parts.append(f"<tr{css}><td>{escape(service['namespace'])}</td>"
                         f"<td>{escape(service['last_accessed'] or 'never')}</td>"
                         f"<td>{escape(service['region'] or '')}</td><td>{escape(actions)}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
