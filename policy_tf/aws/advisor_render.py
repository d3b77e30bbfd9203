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


_STYLE = ("body{font-family:sans-serif;max-width:1100px;margin:1em auto;padding:0 1em;color:#222}"
          "table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #ccc;padding:2px 6px;"
          "text-align:left;vertical-align:top}.unused{color:#a00}.charts{display:flex;flex-wrap:wrap;gap:2em}"
          "figure{margin:0 0 1em 0}figcaption{font-weight:bold;margin-bottom:4px}"
          ".legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}")


def to_html(report: dict) -> str:
    """One page: account-wide pictures (coverage distribution, most unused services) and a summary table,
    then each entity's picture (used against unused, days since each service was last used) and services."""
    from policy_tf.aws.advisor import utcnow
    from policy_tf.aws.advisor_charts import (
        NEVER,
        UNUSED,
        USED,
        coverage_histogram,
        days_chart,
        most_unused_chart,
        parse_time,
        readable,
        usage_bar,
    )

    now = parse_time(report.get("generated")) or utcnow()
    account = escape(str(report.get("account")))
    entities = [e for e in report["entities"] if "error" not in e]
    parts = ["<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
             f"<title>Access Advisor: account {account}</title>", f"<style>{_STYLE}</style></head><body>",
             f"<h1>Access Advisor: account {account}</h1>",
             f"<p>Used means accessed within {report['days']} days; {escape(report['granularity'])} data, "
             f"generated {escape(readable(report['generated']))}. {len(report['entities'])} entities.</p>",
             f"<p class=\"legend\"><span style=\"background:{USED}\"></span>used within the period"
             f"<span style=\"background:{UNUSED}\"></span>not used within the period"
             f"<span style=\"background:{NEVER};opacity:.35\"></span>never used</p>"]
    if entities:
        parts.append("<div class=\"charts\">"
                     f"<figure><figcaption>Coverage across the account</figcaption>"
                     f"{coverage_histogram([e['coverage_percent'] for e in entities])}</figure>"
                     f"<figure><figcaption>Most unused services</figcaption>{most_unused_chart(entities)}</figure>"
                     "</div>")
    parts.append("<table><tr>")
    rows = _rows(report)
    columns = ["entity", "type", "granted", "used", "coverage", "last_access", "unused"]
    parts.append("".join(f"<th>{c}</th>" for c in columns) + "</tr>")
    for row, entity in zip(rows, report["entities"]):
        if "error" not in entity:
            row = {**row, "last_access": readable(entity["last_accessed"], now)}
        parts.append("<tr>" + "".join(f"<td>{escape(str(row[c]))}</td>" for c in columns) + "</tr>")
    parts.append("</table>")
    for entity in report["entities"]:
        if "error" in entity or not entity["services"]:
            continue
        parts.append(f"<h2>{escape(entity['arn'])}</h2>")
        parts.append(f"<figure>{usage_bar(len(entity['services_used']), len(entity['services_unused']))}</figure>")
        parts.append(f"<figure><figcaption>Days since each service was last used</figcaption>"
                     f"{days_chart(entity['services'], now, report['days'])}</figure>")
        parts.append("<table><tr><th>service</th><th>last accessed</th><th>region</th><th>actions (tracked)</th></tr>")
        for service in entity["services"]:
            css = "" if service["used"] else " class=\"unused\""
            actions = ", ".join(f"{a['action']}{'' if a['used'] else ' (unused)'}" for a in service["actions"])
            parts.append(f"<tr{css}><td>{escape(service['namespace'])}</td>"
                         f"<td>{escape(readable(service['last_accessed'], now))}</td>"
                         f"<td>{escape(service['region'] or '')}</td><td>{escape(actions)}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
