"""GitLab's Code Quality report (CodeClimate issues): a JSON array, one issue per finding.

GitLab shows these in merge requests on every tier. Each issue has a ``fingerprint`` (the same
as SARIF's and the baseline's: stable when code moves), a ``severity`` GitLab knows and its
``location`` as a path from the repository root (``--repo-root``) with the line.
"""
from __future__ import annotations

from policy_tf.analysis.report import fingerprint, repo_root, root_path, rules, statement_of
from policy_tf.core import jsontext

SEVERITY = {"ERROR": "blocker", "SECURITY_WARNING": "critical", "WARNING": "major", "SUGGESTION": "minor"}


def _categories(category: str) -> list:
    return ["Bug Risk"] if category == "validity" else ["Security"]


def render(result, root: str | None = None) -> str:
    root = root or repo_root()
    by_name = {p.name: p for p in result.policies}
    known = rules()
    issues, seen = [], set()
    for finding in result.findings:
        print_ = fingerprint(finding, statement_of(by_name, finding), root)
        if print_ in seen:  # GitLab requires them unique: same finding, another place
            print_ = fingerprint(finding._replace(policy=f"{finding.policy}#{finding.line}"), None, root)
        seen.add(print_)
        reason = known.get(finding.code, (None, None, ""))[2]
        issues.append({
            "type": "issue",
            "check_name": finding.code,
            "description": f"{finding.policy}: {finding.message}",
            "content": {"body": reason} if reason else None,
            "categories": _categories(finding.category),
            "severity": SEVERITY.get(finding.severity, "major"),
            "fingerprint": print_,
            "location": {"path": root_path(finding.file, root), "lines": {"begin": finding.line or 1}},
        })
    for issue in issues:
        if issue["content"] is None:
            del issue["content"]
    return jsontext.dumps(issues) + "\n"
