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
    ("SERVICE_WILDCARD", W, "service-wildcard",
     "A whole service (s3:*, or every one of its actions) on every resource of its types, including actions "
     "AWS adds later."),
    ("RESOURCE_EXPOSURE", S, "resource-exposure",
     "Permissions-management actions (resource policies, ACLs, sharing) on every resource can expose data."),
    ("CREDENTIALS_EXPOSURE", S, "credentials-exposure",
     "Actions that return or create credentials (keys, passwords, tokens) on every resource."),
    ("DATA_EXFILTRATION", W, "data-exfiltration",
     "Actions that read stored data (objects, parameters, secrets, items) on every resource."),
    ("INFRASTRUCTURE_MODIFICATION", W, "infrastructure-modification",
     "Write actions on every resource: the holder can change or delete any of them."),
    *_privesc_checks(),
)

_IDENTITY = ("identity",)


def privilege_escalations(effective) -> list[tuple]:
    """(method, grants per needed action) for every method all of whose actions are granted."""
    granted = effective.actions(unconstrained_only=True)
    return [(m, {a: effective.where(a) for a in m.actions})
            for m in risklists.privilege_escalation() if all(a in granted for a in m.actions)]


def _conditional(grants) -> str:
    return " (under a Condition)" if grants and all(g.conditional for g in grants) else ""


_MEMO_LIMIT = 4096


def run(ctx, report) -> None:
    """Memoized per (grants, statements' actions): what this check reads does not include
    resource names, so the many policies of one shape (a role per service, say) share one
    evaluation; the reports are replayed in order."""
    if ctx.kind not in _IDENTITY:
        return
    effective = ctx.effective
    key = (tuple((g.statement, g.broad, g.conditional) for g in effective.grants),
           tuple((st.index, st.allow, st.actions) for st in ctx.document.statements))
    memo = ctx.index.memo("risk")
    calls = memo.get(key)
    if calls is None:
        calls = []
        _run(ctx, effective, lambda *args, **kwargs: calls.append((args, kwargs)))
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        memo[key] = calls
    for args, kwargs in calls:
        report(*args, **kwargs)


def _run(ctx, effective, report) -> None:
    granted = effective.actions(unconstrained_only=True)
    if not granted:
        return
    index = ctx.index
    blocks = sorted((g for g in effective.grants if g.broad), key=lambda g: g.statement)
    if len(granted) == index.count:
        report("FULL_ADMIN", f"statement {blocks[0].statement} allows every action on every resource",
               statement=blocks[0].statement, actions=("*",))
    else:
        # Services every action of which is granted (a NotAction grant holds ~20k actions:
        # set operations per service, not a split per action).
        full = {p for p in index.prefixes_of(granted) if granted.issuperset(index.names(p))}
        by_statement: dict = {}
        for g in blocks:
            here = {p for p in full if not g.broad.isdisjoint(index.names(p))}
            if here:
                by_statement.setdefault(g.statement, set()).update(here)
                full -= here
        # A pattern that names a whole service ("s3:*") is a service wildcard too, when some of
        # what it grants reaches every resource of its type, even if its Resource rules out the rest.
        broad_by_statement: dict = {}
        for g in blocks:
            broad_by_statement.setdefault(g.statement, set()).update(g.broad)
        for st in ctx.document.statements:
            if not st.allow or not st.actions or st.index not in broad_by_statement:
                continue
            for pattern in st.actions:
                matched = index.expand(pattern)
                for prefix in {a.partition(":")[0] for a in matched} if pattern != "*" else ():
                    names = index.names(prefix)
                    if len(matched) >= len(names) and matched.issuperset(names) \
                            and broad_by_statement[st.index].intersection(names):
                        by_statement.setdefault(st.index, set()).add(prefix)
        for statement, prefixes in sorted(by_statement.items()):
            report("SERVICE_WILDCARD",
                   f"statement {statement} allows whole services on every resource: "
                   f"{', '.join(f'{p}:*' for p in sorted(prefixes))}",
                   statement=statement, actions=tuple(f"{p}:*" for p in sorted(prefixes)))
    for method, grants in privilege_escalations(effective):
        statements = sorted({g.statement for gs in grants.values() for g in gs})
        cond = _conditional([g for gs in grants.values() for g in gs])
        where = (f"statement {statements[0]}" if len(statements) == 1
                 else f"statements {', '.join(map(str, statements))}")
        report(f"PRIVESC_{method.id}",
               f"{where} allow {method.name}{cond}: {' + '.join(method.actions)}. {method.reason}",
               statement=statements[0], actions=method.actions, method=method.name, statements=statements)
    exposure = {e.action for e in risklists.actions("resource-exposure")}
    exposure |= index.of_level(granted, "Permissions management")
    categories = (
        ("RESOURCE_EXPOSURE", exposure, "can change who can reach resources"),
        ("CREDENTIALS_EXPOSURE", {e.action for e in risklists.actions("credentials-exposure")},
         "return or create credentials"),
        ("DATA_EXFILTRATION", {e.action for e in risklists.actions("data-exfiltration")}, "read stored data"),
        ("INFRASTRUCTURE_MODIFICATION", index.of_level(granted, "Write"), "change resources"),
    )
    for code, wanted, what in categories:
        per_statement: dict = {}
        for g in blocks:
            hits = g.broad & wanted
            if hits:
                actions, grants = per_statement.setdefault(g.statement, (set(), []))
                actions |= hits
                grants.append(g)
        for statement, (actions, grants) in sorted(per_statement.items()):
            ordered = tuple(sorted(actions))  # once: a NotAction grant holds thousands of Write actions
            shown = ", ".join(ordered[:8]) + (f" and {len(ordered) - 8} more" if len(ordered) > 8 else "")
            report(code,
                   f"statement {statement}: {len(ordered)} actions that {what}, on every "
                   f"resource{_conditional(grants)}: {shown}",
                   statement=statement, actions=ordered)
