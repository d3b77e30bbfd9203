"""What a set of statements effectively allows: Allow minus Deny, as IAM evaluates it.

* An Allow grants each action it names (``NotAction``: its complement) on the Resources
  that action can apply to; an action none of whose resource types the Resource reaches
  is not granted at all. ``NotResource`` grants everything outside its patterns.
* A Deny without a Condition removes the action on every Resource it covers (wholly:
  a Deny on ``b/private/*`` leaves an Allow on ``b/*`` standing, minus that part, which
  is reported as partial). A Deny with a Condition, or whose Resource holds a policy
  variable, removes nothing for certain: it is a *partial restriction*, reported so.
* Statements from several policies of one principal are evaluated together: a Deny in
  any of them applies to the Allows of all.
"""
from __future__ import annotations

from dataclasses import dataclass

from policy_tf.analysis import wildcard
from policy_tf.analysis.applicability import resolver
from policy_tf.analysis.expand import ActionIndex, statement_actions


@dataclass(frozen=True)
class Grant:
    """One action allowed by one statement, on what is left after Deny."""

    action: str
    policy: int
    statement: int
    resources: tuple | None   # the Resource patterns the action applies to; None with NotResource
    not_resources: tuple | None
    conditional: bool
    unconstrained: bool  # on every resource of its type (``*``, ``arn:aws:s3:::*``, ``role/*``, or NotResource)


@dataclass(frozen=True)
class Restriction:
    """A Deny that limits an Allow only in part (a Condition, a policy variable, a narrower Resource)."""

    deny_policy: int
    deny_statement: int
    allow_policy: int
    allow_statement: int
    actions: tuple
    reason: str


@dataclass(frozen=True)
class Effective:
    grants: tuple
    restrictions: tuple
    denied: tuple  # (policy, statement, action) removed entirely by a Deny

    def actions(self, unconstrained_only: bool = False) -> frozenset:
        return frozenset(g.action for g in self.grants if not unconstrained_only or g.unconstrained)

    def by_action(self) -> dict:
        out: dict = {}
        for g in self.grants:
            out.setdefault(g.action, []).append(g)
        return out


def _allowed(statement, actions, res) -> list[tuple[str, tuple | None, tuple | None]]:
    out = []
    if statement.resources is not None:
        for action in sorted(actions):
            applicable = tuple(r for r in statement.resources if res.applies(action, r))
            if applicable:
                out.append((action, applicable, None))
    elif statement.not_resources is not None:
        for action in sorted(actions):
            if res.applies_not(action, statement.not_resources):
                out.append((action, None, statement.not_resources))
    else:  # trust policies: the role itself
        out.extend((action, ("*",), None) for action in sorted(actions))
    return out


def _covers(deny, resource: str) -> bool | None:
    """True when the Deny surely covers ``resource``, None when only perhaps, False when not."""
    if deny.resources is not None:
        if any(wildcard.has_variable(d) and wildcard.resource_overlap(d, resource) for d in deny.resources):
            perhaps = True
        else:
            perhaps = False
        if any(not wildcard.has_variable(d) and wildcard.resource_contains(d, resource) for d in deny.resources):
            return True
        if perhaps or any(wildcard.resource_overlap(d, resource) for d in deny.resources):
            return None
        return False
    if deny.not_resources is not None:
        if not any(wildcard.resource_overlap(n, resource) for n in deny.not_resources):
            return True
        return None
    return True


def evaluate(statements, index: ActionIndex) -> Effective:
    """``statements``: (policy number, Statement) pairs, in order."""
    res = resolver(index.catalog)
    denies = [(p, s, statement_actions(s, index)) for p, s in statements if s.deny]
    grants, restrictions, denied = [], [], []
    for policy, statement in statements:
        if not statement.allow:
            continue
        for action, resources, not_resources in _allowed(statement, statement_actions(statement, index), res):
            left = list(resources) if resources is not None else None
            for dpolicy, deny, dactions in denies:
                if action not in dactions:
                    continue
                if deny.conditional:
                    restrictions.append(((dpolicy, deny.index, policy, statement.index, "condition"), action))
                    continue
                if left is None:  # an Allow with NotResource: only a Deny on "*" removes it
                    if deny.resources is not None and any(d == "*" for d in deny.resources):
                        left = []
                    else:
                        restrictions.append(((dpolicy, deny.index, policy, statement.index, "resource"), action))
                    continue
                kept = []
                for r in left:
                    covered = _covers(deny, r)
                    if covered is True:
                        continue
                    if covered is None:
                        reason = "variable" if deny.resources and any(wildcard.has_variable(d) for d in deny.resources) else "resource"
                        restrictions.append(((dpolicy, deny.index, policy, statement.index, reason), action))
                    kept.append(r)
                left = kept
            if left is not None and not left:
                denied.append((policy, statement.index, action))
                continue
            broad = left is None or any(res.unconstrained(action, r) for r in left)
            grants.append(Grant(action, policy, statement.index, tuple(left) if left is not None else None,
                                not_resources, statement.conditional, broad))
    grouped: dict = {}
    for key, action in restrictions:
        grouped.setdefault(key, set()).add(action)
    return Effective(
        tuple(grants),
        tuple(Restriction(*key[:4], tuple(sorted(actions)), key[4]) for key, actions in sorted(grouped.items())),
        tuple(denied),
    )
