"""Every check, validity and risk: ``check_policy``, ``check_principal``, ``list_checks``.

Each module under this package holds a ``CHECKS`` registry (code -> severity, category,
reason) and a ``run(ctx, report)`` that reports findings by code. Findings carry the
statement index and leave ``line`` to the audit runner (it knows the file).
"""
from __future__ import annotations

from functools import lru_cache

from policy_tf.analysis.model import SEVERITIES, Finding, PolicyInput

_MODULES = ("structure", "actions", "resources", "conditions", "principals", "semantics", "risk", "resourcepolicy",
            "targets", "trust")


@lru_cache(maxsize=None)
def _modules() -> tuple:
    """The check modules, imported on first use (not at import: ``--help`` stays fast)."""
    import importlib

    return tuple(importlib.import_module(f"policy_tf.analysis.checks.{m}") for m in _MODULES)


@lru_cache(maxsize=None)
def _registry() -> dict:
    out: dict = {}
    for module in _modules():
        out.update(module.CHECKS)
    return out


def registry() -> dict:
    """code -> Check of every check (a copy: callers may change it)."""
    return dict(_registry())


def list_checks() -> list[tuple[str, str, str, str]]:
    """(code, severity, category, reason) of every check, in a stable order."""
    return [tuple(c) for module in _modules() for c in module.CHECKS.values()]


def resolve_checks(names) -> set[str]:
    """Validate a ``--checks`` selection: check codes (any case) or categories. Unknown names
    raise ``NotFoundError`` (exit 2) with close-match suggestions; the result suits ``checks=``."""
    from policy_tf.analysis.model import CATEGORIES
    from policy_tf.core.errors import not_found

    codes = {c[0] for c in list_checks()}
    out = set()
    for name in names:
        text = name.strip()
        if text.upper() in codes:
            out.add(text.upper())
        elif text.lower() in CATEGORIES:
            out.add(text.lower())
        else:
            raise not_found("check or category", text, sorted(codes) + list(CATEGORIES))
    return out


def select_checks(chosen, skipped=()) -> set[str]:
    """The checks an audit runs from ``--checks`` and ``--skip-check`` selections (check codes,
    any case, or categories, each list also comma-separated text): the codes of ``chosen``
    (every check when empty) minus ``skipped``. Empty when nothing is chosen or skipped (run
    every check); ``InputError`` when the skips leave no check."""
    chosen = resolve_checks(_split(chosen))
    skipped = resolve_checks(_split(skipped))
    if not skipped:
        return chosen
    rows = [r for r in list_checks() if not chosen or r[0] in chosen or r[2] in chosen]
    kept = {r[0] for r in rows if r[0] not in skipped and r[2] not in skipped}
    if not kept:
        from policy_tf.core.errors import InputError

        raise InputError("--skip-check leaves no check to run")
    return kept


def _split(texts) -> list[str]:
    """``["a,b", "c"]`` -> ``["a", "b", "c"]`` (blank pieces dropped)."""
    return [piece.strip() for text in texts or () for piece in text.split(",") if piece.strip()]


def _wanted(checks) -> set | None:
    if checks is None:
        return None
    return {c.strip().upper() for c in checks} | {c.strip().lower() for c in checks}


def _order(f: Finding):
    return (-1 if f.statement is None else f.statement, SEVERITIES.index(f.severity), f.code, f.message)


def check_policy(p: PolicyInput, db=None, checks: set[str] | None = None, iam_names=None) -> list[Finding]:
    """Every finding for one policy; ``checks`` limits them to these codes or categories;
    ``iam_names`` (Inputs.iam_names) gives Terraform resources their IAM names."""
    from policy_tf.analysis.checks.base import Context, finding

    ctx = Context(p, db, iam_names)
    table = _registry()
    wanted = _wanted(checks)
    found: list[Finding] = []

    def report(code: str, message: str, statement: int | None = None, actions=(), method=None, **extra) -> None:
        check = table[code]
        if wanted is None or code in wanted or check.category in wanted:
            found.append(finding(check, p, message, statement, actions, method, **extra))

    modules = _modules()
    modules[0].run(ctx, report)
    if isinstance(p.document, dict):
        for module in modules[1:]:
            module.run(ctx, report)
    unique = {(f.code, f.statement, f.message): f for f in found}
    return sorted(unique.values(), key=_order)


def check_principal(principal: str, policies: list[PolicyInput], db=None, checks=None) -> list[Finding]:
    """Privilege escalation that only the principal's policies together allow.

    Allows and Denies of all its identity policies are evaluated as one (a Deny anywhere
    applies everywhere), capped by its permissions boundary (a ``boundary`` policy) when it
    has one; methods one policy already allows on its own are left to ``check_policy``.
    """
    from policy_tf.analysis.checks.base import finding
    from policy_tf.analysis.checks.risk import privilege_escalations
    from policy_tf.analysis.document import normalize
    from policy_tf.analysis.effective import evaluate
    from policy_tf.analysis.expand import action_index

    identity = [p for p in policies if p.kind == "identity" and isinstance(p.document, dict)]
    if len(identity) < 2:
        return []
    index = action_index(db)
    # A permissions boundary caps what the identity policies grant: a method whose actions it
    # does not all allow is no escalation for this principal.
    ceilings = [evaluate([(0, s) for s in normalize(p.document).statements], index).actions(unconstrained_only=True)
                for p in policies if p.kind == "boundary" and isinstance(p.document, dict)]
    documents = [normalize(p.document) for p in identity]
    single = set()
    for n, d in enumerate(documents):
        single |= {m.id for m, _ in privilege_escalations(evaluate([(n, s) for s in d.statements], index))}
    combined = evaluate([(n, s) for n, d in enumerate(documents) for s in d.statements], index)
    table = _registry()
    wanted = _wanted(checks)
    out = []
    for method, grants in privilege_escalations(combined):
        code = f"PRIVESC_{method.id}"
        check = table[code]
        if method.id in single or (wanted is not None and code not in wanted and check.category not in wanted):
            continue
        if any(not all(a in ceiling for a in method.actions) for ceiling in ceilings):
            continue
        used = sorted({g.policy for gs in grants.values() for g in gs})
        names = [identity[n].name for n in used]
        where = {a: sorted({identity[g.policy].name for g in gs}) for a, gs in grants.items()}
        detail = "; ".join(f"{a} from {', '.join(ps)}" for a, ps in where.items())
        anchor = PolicyInput(identity[used[0]].file, principal, "identity", None)
        out.append(finding(check, anchor,
                           f"{principal}'s policies together allow {method.name}: {detail}. {method.reason}",
                           None, method.actions, method.name, policies=names))
    return sorted(out, key=_order)


def check_graph(inputs, db=None, checks=None) -> list[Finding]:
    """PATH_TO_ADMIN for every principal of ``inputs`` that can become an admin-equivalent one
    (policy_tf.analysis.graph); each finding names its principal's first policy in ``policies``."""
    check = _registry()["PATH_TO_ADMIN"]
    wanted = _wanted(checks)
    if not inputs.principals or wanted is not None and check.code not in wanted and check.category not in wanted:
        return []
    # Imported only when there are principals: a folder of policy files pays nothing for the graph.
    from policy_tf.analysis import graph
    from policy_tf.analysis.checks.base import finding

    built = graph.build(inputs, db)
    read = {id(p) for p in inputs.policies}  # not the AWS-managed policies the graph adds
    trusts = {p.name: p for p in inputs.policies if p.kind == "trust"}
    out = []
    for path in built.paths():
        node = built.nodes[path.principal]
        # its first policy of the input, else (a role with none: iam-vulnerable's starting roles) its trust policy
        anchor = next((p for p in node.policies if id(p) in read), None) or trusts.get(node.trust_name or "")
        if anchor is None:
            continue  # a principal known by no policy of the input: nowhere to place the finding
        out.append(finding(check, PolicyInput(anchor.file, path.principal, "identity", None), graph.describe(path),
                           None, (), None, policies=[anchor.name], hops=[tuple(h) for h in path.hops],
                           admin=path.admin))
    return out


RISK_CATEGORIES = frozenset(("privilege-escalation", "resource-exposure", "credentials-exposure", "data-exfiltration",
                             "infrastructure-modification", "service-wildcard"))
# Validity findings that are about what a policy grants (iam:PassRole on every role), not its shape:
# a Deny on every holder neutralises them as it does the risks.
GRANT_VALIDITY = frozenset(("PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE", "PASS_ROLE_WITHOUT_PASSED_TO_SERVICE"))


def _live(finding, granted: frozenset, index) -> bool:
    """Whether what the finding is about is still granted: all of a method's actions, else any."""
    if finding.actions == ("*",):
        return len(granted) == index.count
    if finding.code.startswith("PRIVESC_"):
        return all(a in granted for a in finding.actions)
    return any(not granted.isdisjoint(index.expand(a)) for a in finding.actions)


def held_targets(policy: PolicyInput, findings: list, holders: list, checks=None, iam_names=None) -> list:
    """ESCALATION_TOWARDS_TARGET / _PATTERN of a policy whose target matches a principal it is
    attached to (a managed policy allowing iam:PutRolePolicy on the very role holding it) become
    SELF_ESCALATION: the holder can raise its own permissions."""
    from policy_tf.analysis import risklists
    from policy_tf.analysis.checks.base import finding as make
    from policy_tf.analysis.checks.targets import _matches
    from policy_tf.analysis.graph import identity_of

    toward = [f for f in findings if f.code in ("ESCALATION_TOWARDS_TARGET", "ESCALATION_TOWARDS_PATTERN")]
    if not toward:
        return findings
    kinds = {m.name: m.target for m in risklists.privilege_escalation()}
    iam_names = iam_names or {}
    who = [(principal, identity_of(principal)) for principal, _ in holders]
    who = [(p, (ident[0], iam_names.get(p, ident[1])) if ident else ident) for p, ident in who]
    check = _registry()["SELF_ESCALATION"]
    wanted = _wanted(checks)
    out = []
    for f in findings:
        targets = (f.extra or {}).get("targets") or ()
        kind = kinds.get(f.method)
        selves = sorted(p for p, ident in who if f in toward and ident and ident[0] == kind
                        and any(_matches(t, kind, ident[1]) for t in targets))
        if not selves:
            out.append(f)
        elif wanted is None or check.code in wanted or check.category in wanted:
            out.append(make(check, policy, f"{f.message.split(':', 1)[0]}: {f.method} on {', '.join(targets)} matches "
                                           f"{', '.join(selves)}, which holds this policy: the holder can "
                                           "raise its own "
                                           f"permissions.", f.statement, f.actions, f.method, targets=list(targets)))
    return out


def neutralise(policy: PolicyInput, findings: list, holders: list, db=None, checks=None) -> list:
    """The findings of one identity policy, with those it grants on no principal it is attached to
    turned into NEUTRALISED_BY_DENY. ``holders``: (principal, its policies) for each principal the
    policy is attached to. At each, the policy's Allows meet every Deny of the principal's identity
    policies and its permissions boundary; a risk is live when some holder keeps it."""
    from policy_tf.analysis.checks.base import finding as make
    from policy_tf.analysis.document import normalize
    from policy_tf.analysis.effective import evaluate
    from policy_tf.analysis.expand import action_index

    risky = [f for f in findings if (f.category in RISK_CATEGORIES or f.code in GRANT_VALIDITY) and f.actions]
    if policy.kind != "identity" or not holders or not risky:
        return findings
    own = normalize(policy.document).statements
    index = action_index(db)
    granted_at = []
    for principal, policies in holders:
        others = [p for p in policies if p is not policy and isinstance(p.document, dict)]
        denies = [s for p in others if p.kind == "identity" for s in normalize(p.document).statements if s.deny]
        ceilings = [evaluate([(0, s) for s in normalize(p.document).statements], index).actions(unconstrained_only=True)
                    for p in others if p.kind == "boundary"]
        if not denies and not ceilings:
            return findings  # live at this holder as it stands
        granted = evaluate([(0, s) for s in own] + [(1, s) for s in denies], index).actions(unconstrained_only=True)
        for ceiling in ceilings:
            granted = granted & ceiling
        granted_at.append((principal, granted, sorted({p.name for p in others if p.kind == "boundary" or any(
            s.deny for s in normalize(p.document).statements)})))
    check = _registry()["NEUTRALISED_BY_DENY"]
    wanted = _wanted(checks)
    out = []
    for f in findings:
        if f not in risky or any(_live(f, granted, index) for _, granted, _ in granted_at):
            out.append(f)
            continue
        if wanted is not None and check.code not in wanted and check.category not in wanted:
            continue
        where = ", ".join(f"{principal} ({', '.join(by)})" for principal, _, by in granted_at)
        out.append(make(check, policy, f"{f.code} is not live: every principal holding this policy denies it, or its "
                                       f"boundary leaves it out: {where}. {f.message}", f.statement, f.actions,
                        f.method,
                        neutralised=f.code))
    return out


def check_json_text(text: str, file: str, name: str, kind: str = "identity", db=None, checks=None,
                    **fields) -> list[Finding]:
    """Parse policy JSON text (duplicate keys are an error) and check it; text that does not
    parse is one MALFORMED_JSON finding rather than an exception."""
    from policy_tf.analysis.checks.base import finding
    from policy_tf.analysis.loading import parse_json
    from policy_tf.core.errors import InputError

    try:
        document = parse_json(text, file)
    except InputError as exc:
        check = _registry()["MALFORMED_JSON"]
        wanted = _wanted(checks)
        if wanted is not None and check.code not in wanted and check.category not in wanted:
            return []
        message = str(exc)[len(file) + 2:] if str(exc).startswith(f"{file}: ") else str(exc)
        return [finding(check, PolicyInput(file, name, kind, None), message)]
    return check_policy(PolicyInput(file, name, kind, document, **fields), db, checks)
