"""What the statements mean together: broad negations, iam:PassRole, partial Denies,
statements that are denied entirely or duplicate another."""
from __future__ import annotations

from policy_tf.analysis.checks.base import IDENTITY_KINDS, registry
from policy_tf.analysis.wildcard import action_contains, has_wildcard, resource_contains

E, S, W, G = "ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION"
V = "validity"

CHECKS = registry(
    ("ALLOW_WITH_NOT_ACTION", S, V, "Allow with NotAction grants every other action, including those AWS adds later."),
    ("ALLOW_WITH_NOT_RESOURCE", S, V,
     "Allow with NotResource grants every other resource: with Action '*' it is not harmless."),
    ("PASS_ROLE_WITH_STAR_IN_RESOURCE", S, V, "iam:PassRole on every role lets the holder hand any role to a service."),
    ("PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE", S, V,
     "A wildcard action on '*' includes iam:PassRole on every role."),
    ("PASS_ROLE_WITH_NOT_RESOURCE", S, V, "iam:PassRole with NotResource allows passing every role not listed."),
    ("PASS_ROLE_WITHOUT_PASSED_TO_SERVICE", G, V,
     "Limit iam:PassRole with iam:PassedToService to the service that needs the role."),
    ("PARTIAL_DENY", W, V,
     "A Deny with a Condition (or a policy variable, or a narrower Resource) removes the Allow only in part."),
    ("STATEMENT_FULLY_DENIED", G, V,
     "Every action this Allow grants is denied by a Deny without a Condition: it grants nothing."),
    ("NEUTRALISED_BY_DENY", G, V,
     "A risk this policy grants is denied (or outside the permissions boundary) on every principal it is attached to: "
     "it is not live there."),
    ("REDUNDANT_STATEMENT", G, V,
     "Everything this statement allows or denies, another statement of the same effect already does."),
)


def _names(actions, limit: int = 5) -> str:
    actions = sorted(actions)
    return ", ".join(actions[:limit]) + (f" and {len(actions) - limit} more" if len(actions) > limit else "")


def run(ctx, report) -> None:
    statements = [s for s in ctx.document.statements if isinstance(s.raw, dict)]
    effective = ctx.effective if ctx.kind in IDENTITY_KINDS or ctx.kind == "resource" else None
    for s in statements:
        i = s.index
        if not s.allow:
            continue
        if s.not_actions is not None:
            report("ALLOW_WITH_NOT_ACTION",
                   f"statement {i}: Allow with NotAction {list(s.not_actions)} allows every other action", statement=i)
        if s.not_resources is not None:
            report("ALLOW_WITH_NOT_RESOURCE",
                   f"statement {i}: Allow with NotResource {list(s.not_resources)} allows every other resource",
                   statement=i)
    if effective is not None:
        _pass_role(ctx, statements, effective, report)
        _denies(ctx, effective, report)
    _redundant(statements, report)


def _pass_role(ctx, statements, effective, report) -> None:
    resources: dict = {}
    for g in effective.grants:
        if "iam:PassRole" in g.actions:
            resources.setdefault(g.statement, []).append(g.resource)
    for s in statements:
        if s.index not in resources:
            continue
        i = s.index
        if None in resources[i]:
            report("PASS_ROLE_WITH_NOT_RESOURCE", f"statement {i}: iam:PassRole with NotResource", statement=i,
                   actions=("iam:PassRole",))
        elif "*" in resources[i]:
            broad = [p for p in (s.actions or ()) if has_wildcard(p) and action_contains(p, "iam:PassRole")]
            if broad or s.not_actions is not None:
                report("PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
                       f"statement {i}: {', '.join(broad) or 'NotAction'} on '*' includes iam:PassRole on every role",
                       statement=i, actions=("iam:PassRole",))
            else:
                report("PASS_ROLE_WITH_STAR_IN_RESOURCE", f"statement {i}: iam:PassRole on '*'", statement=i,
                       actions=("iam:PassRole",))
        if not any(k.lower() == "iam:passedtoservice"
                   for keys in s.condition.values() if isinstance(keys, dict) for k in keys):
            report("PASS_ROLE_WITHOUT_PASSED_TO_SERVICE",
                   f"statement {i}: iam:PassRole without an iam:PassedToService condition",
                   statement=i, actions=("iam:PassRole",))


def _denies(ctx, effective, report) -> None:
    for r in effective.restrictions:
        why = {"condition": "has a Condition", "variable": "uses a policy variable in Resource",
               "resource": "covers only part of its Resource"}[r.reason]
        report("PARTIAL_DENY",
               f"Deny statement {r.deny_statement} {why}: it does not remove {_names(r.actions)} from statement "
               f"{r.allow_statement} for certain",
               statement=r.deny_statement, actions=r.actions, allow_statement=r.allow_statement)
    granted = {g.statement for g in effective.grants}
    for _, statement, actions in effective.denied:
        if statement not in granted:
            report("STATEMENT_FULLY_DENIED",
                   f"statement {statement}: every action it allows ({_names(actions)}) is denied",
                   statement=statement, actions=tuple(sorted(actions)))


def _covered(inner, outer) -> bool:
    if inner.effect != outer.effect or inner.actions is None or outer.actions is None:
        return False
    if inner.resources is None or outer.resources is None:
        return False
    if outer.condition and outer.condition != inner.condition:
        return False
    if (inner.principal, inner.not_principal) != (outer.principal, outer.not_principal):
        return False
    return (all(any(action_contains(o, a) for o in outer.actions) for a in inner.actions)
            and all(any(resource_contains(o, r) for o in outer.resources) for r in inner.resources))


_MAX_PAIRWISE = 300  # statements compared pairwise; AWS's size limits keep real policies far below


def _redundant(statements, report) -> None:
    if len(statements) > _MAX_PAIRWISE:
        return
    for s in statements:
        for t in statements:
            if t is s or not _covered(s, t):
                continue
            if _covered(t, s) and t.index > s.index:
                continue  # identical in effect: report the later one only
            report("REDUNDANT_STATEMENT", f"statement {s.index} is already covered by statement {t.index}",
                   statement=s.index)
            break
