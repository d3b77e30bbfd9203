"""The audit run: inputs -> checks per policy and per principal -> exclusions -> sorted findings.

``audit(paths)`` is what ``policy_tf audit`` runs; ``exit_status`` turns the result into the
command's exit code (0 clean, 1 a finding at or above ``--fail-on``, 2 bad input).
"""
from __future__ import annotations

from policy_tf.analysis.model import SEVERITIES

FAIL_ON = ("error", "security_warning", "warning", "suggestion", "none")
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


class AuditResult:
    """What ``audit`` found. ``policies``: the PolicyInput analyzed; ``not_analyzed``:
    NotAnalyzed; ``findings``: Finding, sorted, exclusions applied; ``excluded``: (Finding,
    Exclusion); ``existing``: with --new-only, findings the prior state already has;
    ``errors``: bad inputs, one message each; ``sources``: (path, detected kind)."""

    __slots__ = ("policies", "not_analyzed", "findings", "excluded", "existing", "errors", "sources")

    def __init__(self, policies=None, not_analyzed=None, findings=None, excluded=None, existing=None,
                 errors=None, sources=None):
        self.policies = [] if policies is None else policies
        self.not_analyzed = [] if not_analyzed is None else not_analyzed
        self.findings = [] if findings is None else findings
        self.excluded = [] if excluded is None else excluded
        self.existing = [] if existing is None else existing
        self.errors = [] if errors is None else errors
        self.sources = [] if sources is None else sources


def _engine():
    """The checks (policy_tf.analysis.checks): check_policy, check_principal, list_checks."""
    from policy_tf.analysis import checks

    return checks


def known_codes() -> set:
    """Every issue code and category name ``--checks`` and exclusions may use."""
    rows = _engine().list_checks()
    return {row[0] for row in rows} | {row[2] for row in rows}


def _located(finding, policy):
    """The finding with its line: the statement's line in the file, else the policy's."""
    if finding.line is not None or policy is None:
        return finding
    line = policy.line
    if finding.statement is not None and 0 <= finding.statement < len(policy.statement_lines):
        line = policy.statement_lines[finding.statement]
    # what _replace(line=..., file=...) gives, without its keyword look-up per field (thousands of findings)
    return finding._make((*finding[:4], finding.file or policy.file, *finding[5:9], line, finding[10]))


def sort_key(finding) -> tuple:
    return (finding.file, finding.line or 0, finding.policy, -1 if finding.statement is None else finding.statement,
            _RANK.get(finding.severity, len(SEVERITIES)), finding.code, tuple(finding.actions))


def _run_checks(inputs, checks, db) -> list:
    engine = _engine()
    if db is None:  # the database in use, chosen here once: each choice looks in the environment
        from policy_tf.iamdb.database import get

        db = get()
    by_name = {p.name: p for p in inputs.policies}
    found: list = []
    # (code, file, policy, statement, method) -> the actions lists reported under it: a
    # duplicate is the same key and actions, and comparing those long lists only within one
    # key (identical tuples compare at once) beats hashing each of them
    seen: dict = {}

    def add(finding, policy):
        finding = _located(finding, policy)
        key = (finding.code, finding.file, finding.policy, finding.statement, finding.method)
        reported = seen.get(key)
        if reported is None:
            seen[key] = [finding.actions]
        elif finding.actions in reported:
            return
        else:
            reported.append(finding.actions)
        found.append(finding)

    holders: dict = {}  # id(policy) -> [(principal, its policies)]: who a Deny may neutralise it at
    for principal, policies in inputs.principals.items():
        for policy in policies:
            holders.setdefault(id(policy), []).append((principal, policies))
    for finding in inputs.findings:
        add(finding, None)
    for policy in inputs.policies:
        own = engine.check_policy(policy, db=db, checks=checks, iam_names=inputs.iam_names)
        if id(policy) in holders:
            own = engine.held_targets(policy, own, holders[id(policy)], checks=checks, iam_names=inputs.iam_names)
            own = engine.neutralise(policy, own, holders[id(policy)], db=db, checks=checks)
        for finding in own:
            add(finding, policy)
    for principal, policies in inputs.principals.items():
        policies = [p for p in policies if p.kind != "trust"]
        if policies:
            for finding in engine.check_principal(principal, policies, db=db, checks=checks):
                # about several policies together: placed at the first of them
                named = (finding.extra or {}).get("policies") or [finding.policy]
                add(finding, by_name.get(named[0]))
    for finding in engine.check_graph(inputs, db=db, checks=checks):
        add(finding, by_name.get(finding.extra["policies"][0]))
    return found


def _principals_of(inputs) -> dict:
    """policy name -> the principals it belongs to (a managed policy may be attached to several)."""
    out: dict = {}
    for policy in inputs.policies:
        if policy.principal:
            out.setdefault(policy.name, set()).add(policy.principal)
    for principal, policies in inputs.principals.items():
        out.setdefault(principal, set()).add(principal)
        for policy in policies:
            out.setdefault(policy.name, set()).add(principal)
    return out


def exclude(findings, inputs, exclusions, excluded: list) -> list:
    """The findings no exclusion matches (for the policy or any principal it belongs to); the
    others go to ``excluded`` as (finding, exclusion)."""
    from policy_tf.analysis.accepted_findings import first_match

    principals = _principals_of(inputs)
    sid_of = _sids(inputs) if any(e.sids for e in exclusions) else None
    kept = []
    for finding in findings:
        matched = None
        sid = sid_of(finding) if sid_of else None
        for principal in sorted(principals.get(finding.policy, ())) or [None]:
            matched = first_match(exclusions, finding, principal, sid)
            if matched:
                break
        if matched:
            excluded.append((finding, matched))
        else:
            kept.append(finding)
    return kept


def _fingerprint(finding) -> tuple:
    """What makes a finding the same one in the prior state: statements may move, names may not."""
    return (finding.code, finding.policy, finding.method, tuple(sorted(a.lower() for a in finding.actions)))


def audit(paths: list, *, checks=None, exclusions=(), new_only: bool = False, db=None,
          config_dir: str | None = None) -> AuditResult:
    """Read every path, run the checks, apply exclusions; see AuditResult. ``config_dir``: the
    Terraform configuration folder a plan JSON came from (default: beside it, else here)."""
    from policy_tf.analysis import inputs as readers
    from policy_tf.analysis.budget import refuse_over_budget

    inputs = readers.read(paths, config_dir=config_dir) if config_dir else readers.read(paths)
    refuse_over_budget(inputs, db)
    result = AuditResult(policies=inputs.policies, not_analyzed=inputs.not_analyzed, errors=inputs.errors,
                         sources=inputs.sources)
    if new_only and inputs.prior is None and not inputs.errors:
        from policy_tf.core.errors import InputError

        raise InputError("--new-only compares with a Terraform plan's prior state: give a plan JSON "
                         "(terraform show -json plan.out)")
    checks = frozenset(checks) if checks else None
    findings = _run_checks(inputs, checks, db)
    if new_only and inputs.prior is not None:
        before = {_fingerprint(f) for f in _run_checks(inputs.prior, checks, db)}
        result.existing = sorted((f for f in findings if _fingerprint(f) in before), key=sort_key)
        findings = [f for f in findings if _fingerprint(f) not in before]
    exclusions = list(exclusions) + _inline_ignores(findings, result)
    kept = exclude(findings, inputs, exclusions, result.excluded)
    result.findings = sorted(kept, key=sort_key)
    result.excluded.sort(key=lambda pair: sort_key(pair[0]))
    result.not_analyzed = sorted(result.not_analyzed, key=lambda n: (n.file, n.line, n.name))
    return result


def _inline_ignores(findings, result) -> list:
    """The ``# policy_tf:ignore CODE reason`` comments of the .tf files findings are in; a bad
    comment (no reason, unknown code) is an input error."""
    files = {f.file for f in findings if f.file and f.file.endswith(".tf")}
    if not files:
        return []
    from policy_tf.analysis import inline_ignores

    found, errors = inline_ignores.collect(files, {row[0] for row in _engine().list_checks()})
    result.errors += errors
    return found


def _sids(inputs):
    """finding -> the Sid of the statement it is about (None when it has none)."""
    from policy_tf.analysis.report import statement_of

    by_name = {p.name: p for p in inputs.policies}

    def sid(finding):
        statement = statement_of(by_name, finding)
        value = statement.get("Sid") if isinstance(statement, dict) else None
        return value if isinstance(value, str) else None

    return sid


def failing(result: AuditResult, fail_on: str) -> list:
    """The findings at or above ``fail_on`` (none for ``none``)."""
    if fail_on == "none":
        return []
    threshold = _RANK[fail_on.upper()]
    return [f for f in result.findings if _RANK.get(f.severity, len(SEVERITIES)) <= threshold]


def exit_status(result: AuditResult, fail_on: str = "security_warning") -> int:
    if result.errors:
        return 2
    return 1 if failing(result, fail_on) else 0
