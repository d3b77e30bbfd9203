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
* A Condition decidable offline (``decidable.verdict``: dates against now) is decided: one
  that can never hold makes its statement grant (or deny) nothing; one that always holds
  counts as no Condition.
"""
from __future__ import annotations

from collections import namedtuple

from policy_tf.analysis import wildcard
from policy_tf.analysis.applicability import resolver
from policy_tf.analysis.decidable import verdict
from policy_tf.analysis.expand import ActionIndex, statement_actions


class Grant(namedtuple("Grant", "policy statement resource not_resources actions broad conditional")):
    """The actions one statement allows on one of its Resources (``resource``: one Resource
    pattern; None with NotResource), after Deny; ``broad`` are those granted on every
    resource of their type there."""

    __slots__ = ()


class Restriction(namedtuple("Restriction", "deny_policy deny_statement allow_policy allow_statement actions reason")):
    """A Deny that limits an Allow only in part (a Condition, a policy variable, a narrower Resource)."""

    __slots__ = ()


class Effective:
    """What the statements allow: ``grants``; ``restrictions``, the partial Denies; ``denied``,
    (policy, statement, actions) a Deny removed from an Allow statement entirely."""

    __slots__ = ("grants", "restrictions", "denied", "_unions")

    def __init__(self, grants: tuple, restrictions: tuple, denied: tuple):
        self.grants, self.restrictions, self.denied = grants, restrictions, denied
        self._unions: dict = {}

    def actions(self, unconstrained_only: bool = False) -> frozenset:
        """Every action granted (on every resource of its type, with ``unconstrained_only``);
        memoized: several checks ask, and a NotAction grant holds most of the database."""
        found = self._unions.get(unconstrained_only)
        if found is None:
            sets = [g.broad if unconstrained_only else g.actions for g in self.grants]
            found = sets[0] if len(sets) == 1 else frozenset().union(*sets)
            self._unions[unconstrained_only] = found
        return found

    def where(self, action: str, unconstrained_only: bool = True) -> list:
        """The grants that allow ``action`` (on every resource of its type, by default)."""
        return [g for g in self.grants if action in (g.broad if unconstrained_only else g.actions)]


def _blocks(statement, actions, res) -> list[tuple[str | None, frozenset, frozenset]]:
    """(resource, actions it can grant, those granted on every resource of their type)."""
    out = []
    if statement.resources is not None:
        for r in statement.resources:
            reach = res.applicable(r)
            hits = actions if reach is None else (actions & reach)
            if reach is not None and wildcard.arn_matches(r, "*"):  # "?" matches the string "*"
                hits = hits | {a for a in actions - hits if not res.action_types(a)}
            broad = res.unconstrained_set(r)
            out.append((r, frozenset(hits), frozenset(hits) if broad is None else frozenset(hits & broad)))
    elif statement.not_resources is not None:
        hits = res.granted_not(actions, statement.not_resources)
        out.append((None, hits, hits))
    else:  # trust policies: the role itself
        out.append(("*", frozenset(actions), frozenset(actions)))
    return out


def _covers(deny, resource: str) -> bool | None:
    """True when the Deny surely covers ``resource``, None when only perhaps, False when not."""
    if deny.resources is not None:
        if any(not wildcard.has_variable(d) and wildcard.resource_contains(d, resource) for d in deny.resources):
            return True
        if any(wildcard.resource_overlap(d, resource) for d in deny.resources):
            return None
        return False
    if deny.not_resources is not None:
        if not any(wildcard.resource_overlap(n, resource) for n in deny.not_resources):
            return True
        return None
    return True


_MEMO_LIMIT = 4096


def _signature(statements) -> tuple:
    """All that ``evaluate`` reads of the statements (not their Sids, principals or raw JSON)."""
    return tuple((p, s.index, s.effect, s.actions, s.not_actions, s.resources, s.not_resources, holds(s))
                 for p, s in statements)


def holds(statement) -> bool | None:
    """Whether the statement's Condition holds for every request from now on (True, also
    when it has none), for none (False), or depends on the request (None)."""
    return verdict(statement.condition) if statement.condition else True


def evaluate(statements, index: ActionIndex) -> Effective:
    """``statements``: (policy number, Statement) pairs, in order.

    Memoized per index on the statements' signature: folders and accounts repeat the same
    policies (a managed policy attached to many roles, a module stamped per service), and a
    NotAction or ``*`` statement means set operations over the whole database."""
    statements = list(statements)
    key = _signature(statements)
    memo = index.memo("effective")
    found = memo.get(key)
    if found is None:
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        found = memo[key] = _evaluate(statements, index)
    return found


def _evaluate(statements, index: ActionIndex) -> Effective:
    res = resolver(index.catalog)
    denies = [(p, s, statement_actions(s, index), holds(s) is None) for p, s in statements
              if s.deny and holds(s) is not False]
    grants, denied = [], []
    restrictions: dict = {}

    def restrict(dpolicy, deny, policy, statement, reason, actions) -> None:
        if actions:
            restrictions.setdefault((dpolicy, deny.index, policy, statement.index, reason), set()).update(actions)

    for policy, statement in statements:
        if not statement.allow:
            continue
        state = holds(statement)
        if state is False:  # a Condition that can never hold: the statement grants nothing
            continue
        before: set = set()
        after: set = set()
        for resource, actions, broad in _blocks(statement, statement_actions(statement, index), res):
            before |= actions
            for dpolicy, deny, dactions, dconditional in denies:
                hit = actions & dactions
                if not hit:
                    continue
                if resource is None:  # an Allow with NotResource: only a Deny on "*" removes it all
                    covered = True if deny.resources is not None and "*" in deny.resources else None
                else:
                    covered = _covers(deny, resource)
                if covered is False:
                    continue
                if dconditional:
                    restrict(dpolicy, deny, policy, statement, "condition", hit)
                elif covered is True:
                    actions, broad = actions - hit, broad - hit
                elif covered is None:
                    variable = deny.resources and any(wildcard.has_variable(d) for d in deny.resources)
                    restrict(dpolicy, deny, policy, statement, "variable" if variable else "resource", hit)
            after |= actions
            if actions:
                grants.append(Grant(policy, statement.index, resource, statement.not_resources, actions, broad,
                                    state is None))
        gone = before - after
        if gone:
            denied.append((policy, statement.index, frozenset(gone)))
    return Effective(
        tuple(grants),
        tuple(Restriction(key[0], key[1], key[2], key[3], tuple(sorted(actions)), key[4])
              for key, actions in sorted(restrictions.items())),
        tuple(denied),
    )
