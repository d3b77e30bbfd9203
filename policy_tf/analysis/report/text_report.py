"""The text report: one line per finding (file:line, severity, code, policy, message), then a summary."""
from __future__ import annotations

from policy_tf.analysis.model import SEVERITIES
from policy_tf.analysis.report import display_path

MAX_ACTIONS = 10  # per finding; the JSON, SARIF and HTML reports list them all


def _where(file: str, line) -> str:
    return f"{display_path(file)}:{line}" if line else display_path(file)


def render(result) -> str:
    lines = []
    for f in result.findings:
        lines.append(f"{_where(f.file, f.line)}: {f.severity} {f.code} [{f.category}] {f.policy}: {f.message}")
        if f.actions:
            more = len(f.actions) - MAX_ACTIONS
            lines.append(f"    actions: {', '.join(f.actions[:MAX_ACTIONS])}"
                         + (f" and {more} more" if more > 0 else ""))
    for n in result.not_analyzed:
        lines.append(f"{_where(n.file, n.line)}: NOT ANALYZED {n.name}: {n.reason}")
    for f, exclusion in result.excluded:
        if getattr(exclusion, "source", None):  # an inline ignore: its reason is shown where it applies
            lines.append(f"{_where(f.file, f.line)}: IGNORED {f.code} {f.policy}: {exclusion.reason} "
                         f"(policy_tf:ignore at {display_path(exclusion.source.rsplit(':', 1)[0])}:"
                         f"{exclusion.source.rsplit(':', 1)[1]})")
    counts = {s: 0 for s in SEVERITIES}
    for f in result.findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    by_severity = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    summary = (f"{len(result.policies)} {'policy' if len(result.policies) == 1 else 'policies'} analyzed, "
               f"{len(result.not_analyzed)} not analyzed; {len(result.findings)} "
               f"finding{'' if len(result.findings) == 1 else 's'}" + (f" ({by_severity})" if by_severity else ""))
    if result.excluded:
        summary += f"; {len(result.excluded)} excluded"
    if result.existing:
        summary += f"; {len(result.existing)} already in the prior state (not shown, --new-only)"
    if lines:
        lines.append("")
    lines.append(summary)
    return "\n".join(lines) + "\n"
