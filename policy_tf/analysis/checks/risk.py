"""Risk in Cloudsplaining's categories, over what a policy effectively allows.

An action counts when some Allow grants it, after Deny, on every resource of its type
(``*``, ``arn:aws:s3:::*``, ``role/*``, or NotResource): an action scoped to named
resources is what least privilege looks like. A grant under a Condition still counts
(the message says so): a Condition narrows, it does not remove.
"""
from __future__ import annotations

from policy_tf.analysis import risklists
from policy_tf.analysis.checks.base import registry

S, W, G = "SECURITY_WARNING", "WARNING", "SUGGESTION"


def _privesc_checks() -> list[tuple]:
    return [(f"PRIVESC_{m.id}", S, "privilege-escalation", f"{m.name} ({' + '.join(m.actions)}): {m.reason}")
            for m in risklists.privilege_escalation()]


CHECKS = registry(
    ("FULL_ADMIN", S, "service-wildcard", "Every action on every resource: full administrator access."),
    ("SERVICE_WILDCARD", W, "service-wildcard", "Every action of a service on all its resources, including actions AWS adds later."),
    ("RESOURCE_EXPOSURE", S, "resource-exposure", "Permissions-management actions (resource policies, ACLs, sharing) on every resource can expose data."),
    ("CREDENTIALS_EXPOSURE", S, "credentials-exposure", "Actions that return or create credentials (keys, passwords, tokens) on every resource."),
    ("DATA_EXFILTRATION", W, "data-exfiltration", "Actions that read stored data (objects, parameters, secrets, items) on every resource."),
    ("INFRASTRUCTURE_MODIFICATION", W, "infrastructure-modification", "Write actions on every resource: the holder can change or delete any of them."),
    *_privesc_checks(),
)

_IDENTITY = ("identity",)


def _first(grants) -> list:
    """Per action, its unconstrained grants (statement order)."""
    out: dict = {}
    for g in grants:
        if g.unconstrained:
            out.setdefault(g.action, []).append(g)
    return out


def privilege_escalations(effective) -> list[tuple]:
    """(method, grants per needed action) for every method all of whose actions are granted."""
    granted = _first(effective.grants)
    found = []
    for method in risklists.privilege_escalation():
        if all(a in granted for a in method.actions):
            found.append((method, {a: granted[a] for a in method.actions}))
    return found


def _conditional(grants) -> str:
    return " (under a Condition)" if all(g.conditional for g in grants) else ""


def _per_statement(granted: dict, wanted) -> dict:
    """statement -> actions of ``wanted`` it grants unconstrained."""
    out: dict = {}
    for action in wanted:
        for g in granted.get(action, ()):
            out.setdefault(g.statement, set()).add(action)
    return out


def run(ctx, report) -> None:
    if ctx.kind not in _IDENTITY:
        return
    effective = ctx.effective
    granted = _first(effective.grants)
    if not granted:
        return
    index = ctx.index
    everything = len(granted) == len(index.all)
    if everything:
        statements = sorted({g.statement for gs in granted.values() for g in gs})
        report("FULL_ADMIN", f"statement {statements[0]} allows every action on every resource", statement=statements[0],
               actions=("*",))
    else:
        by_statement: dict = {}
        for prefix, names in index.by_prefix.items():
            if all(n in granted for n in names):
                first = min(g.statement for n in names for g in granted[n])
                by_statement.setdefault(first, []).append(prefix)
        for statement, prefixes in sorted(by_statement.items()):
            report("SERVICE_WILDCARD", f"statement {statement} allows every action of {', '.join(sorted(prefixes))}",
                   statement=statement, actions=tuple(f"{p}:*" for p in sorted(prefixes)))
    for method, grants in privilege_escalations(effective):
        statements = sorted({g.statement for gs in grants.values() for g in gs})
        cond = _conditional([g for gs in grants.values() for g in gs])
        where = f"statement {statements[0]}" if len(statements) == 1 else f"statements {', '.join(map(str, statements))}"
        report(f"PRIVESC_{method.id}", f"{where} allow {method.name}{cond}: {' + '.join(method.actions)}. {method.reason}",
               statement=statements[0], actions=method.actions, method=method.name, statements=statements)
    levels = index.levels
    exposure = {e.action for e in risklists.actions("resource-exposure")}
    exposure |= {a for a in granted if levels[a] == "Permissions management"}
    categories = (
        ("RESOURCE_EXPOSURE", exposure, "can change who can reach resources"),
        ("CREDENTIALS_EXPOSURE", {e.action for e in risklists.actions("credentials-exposure")}, "return or create credentials"),
        ("DATA_EXFILTRATION", {e.action for e in risklists.actions("data-exfiltration")}, "read stored data"),
        ("INFRASTRUCTURE_MODIFICATION", {a for a in granted if levels[a] == "Write"}, "change resources"),
    )
    for code, wanted, what in categories:
        for statement, actions in sorted(_per_statement(granted, wanted & granted.keys()).items()):
            grants = [g for a in actions for g in granted[a] if g.statement == statement]
            shown = ", ".join(sorted(actions)[:8]) + (f" and {len(actions) - 8} more" if len(actions) > 8 else "")
            report(code, f"statement {statement}: {len(actions)} actions that {what}, on every resource{_conditional(grants)}: {shown}",
                   statement=statement, actions=tuple(sorted(actions)))
