"""What a change grants: the access one set of statements allows and another does not.

Access is read as IAM grants it, after the exact expansion the audit uses (``effective.evaluate``:
Action and NotAction against the database, actions no Resource can reach left out,
unconditioned Denies that cover a Resource subtracted), and kept in blocks:

    (principal, resource pattern | NotResource patterns, condition clauses, exceptions) -> actions

* ``principal``: one (type, value) of a resource or trust policy's Principal (a list is an OR,
  so each value is a block of its own); None for identity policies.
* ``condition``: the Condition as clauses, split into its alternatives (``condition_logic``):
  a grant that loses its Condition is new access; a Condition added, or a value removed from a
  positive operator's list, is narrower.
* ``exceptions``: the Denies that remove part of the block only (a Condition, a narrower
  Resource, a principal), each (principal, resources, not_resources, condition clauses).

Actions are expanded, so a wildcard rewritten as the list it stands for (or back) is no change.

``added(old, new)`` is what ``new`` allows and ``old`` does not: each block of ``new`` minus the
actions of every block of ``old`` that covers it (principal, resource, condition and exceptions
all at least as wide). What cannot be proved covered is reported: the diff may say "added"
of access that the union of several old blocks covers, never "unchanged" of new access.
"""
from __future__ import annotations

from collections import namedtuple

from policy_tf.analysis import condition_logic as cl
from policy_tf.analysis import wildcard

EMPTY: frozenset = frozenset()


class Block(namedtuple("Block", "principal resource not_resources condition exceptions")):
    """Where and when a set of actions is granted (see the module's docstring)."""

    __slots__ = ()


class Except(namedtuple("Except", "principal resources not_resources condition")):
    """A Deny that removes part of a block: on whom (None: everyone), where, when."""

    __slots__ = ()


class Access:
    """``blocks``: Block -> frozenset of actions; ``sources``: Block -> {(policy, statement index,
    sid): the actions that statement gives the block}."""

    __slots__ = ("blocks", "sources", "resolver")

    def __init__(self, res=None):
        self.blocks: dict = {}
        self.sources: dict = {}
        self.resolver = res  # to tell which actions a Resource pattern reaches wholly

    def add(self, block: Block, actions: frozenset, source: tuple) -> None:
        found = self.blocks.get(block)
        self.blocks[block] = actions if found is None else (found | actions)
        mine = self.sources.setdefault(block, {})
        found = mine.get(source)
        mine[source] = actions if found is None else (found | actions)

    def sources_of(self, block: Block, actions: frozenset) -> set:
        """The statements that give ``block`` any of ``actions``."""
        return {s for s, acts in self.sources.get(block, {}).items() if not acts.isdisjoint(actions)}

    def __bool__(self) -> bool:
        return bool(self.blocks)


# --- principals ------------------------------------------------------------------------------


def _principal_values(principal) -> list:
    """A statement's Principal as (type, value) pairs, accounts written as their root ARN."""
    out = []
    for ptype, values in sorted((principal or {}).items()):
        for value in values:
            if ptype == "AWS" and value.isdigit() and len(value) == 12:
                value = f"arn:aws:iam::{value}:root"
            out.append((ptype, value))
    return out


def _everyone(p) -> bool:
    return p is None or p == ("*", "*") or p == ("AWS", "*")


def principal_contains(outer, inner) -> bool:
    """Whether the principal ``outer`` includes ``inner`` (None: no Principal element, anyone)."""
    if _everyone(outer) or outer == inner:
        return True
    if inner is None or outer[0] != inner[0] or outer[0] == "not":
        return False
    if outer[0] == "AWS" and outer[1].endswith(":root") and outer[1].startswith("arn:"):
        account = outer[1].split(":")[4] if outer[1].count(":") >= 5 else None
        fields = inner[1].split(":")
        return account is not None and len(fields) >= 6 and fields[4] == account and fields[2] in ("iam", "sts")
    return wildcard.has_wildcard(outer[1]) and not wildcard.has_variable(outer[1]) and \
        wildcard.arn_matches(outer[1], inner[1])


def _principal_overlap(a, b) -> bool:
    if _everyone(a) or _everyone(b) or a[0] == "not" or b[0] == "not":
        return True
    return principal_contains(a, b) or principal_contains(b, a)


# --- resources -------------------------------------------------------------------------------


def _contains(outer: str, inner: str) -> bool:
    """Resource pattern containment; a pattern with a policy variable holds only itself."""
    if outer == inner:
        return True
    if wildcard.has_variable(outer):
        return False
    return wildcard.resource_contains(outer, inner)


def resource_contains(outer: Block, inner: Block) -> bool:
    """Whether ``outer``'s Resource (or NotResource) reaches every resource ``inner``'s does."""
    if outer.resource is not None:
        if inner.resource is not None:
            return _contains(outer.resource, inner.resource)
        return outer.resource.strip("*") == ""
    if inner.resource is not None:
        return not any(wildcard.resource_overlap(n, inner.resource) for n in outer.not_resources)
    return all(any(_contains(m, n) for m in inner.not_resources) for n in outer.not_resources)


def _deny_overlaps(exc: Except, block: Block) -> bool:
    """Whether the Deny may reach some resource of the block."""
    if block.resource is None:
        # a Deny only where the block's NotResource already leaves out reaches nothing of it
        return exc.resources is None or not all(any(_contains(n, d) for n in block.not_resources)
                                                for d in exc.resources)
    if exc.not_resources is not None:
        return not any(not wildcard.has_variable(n) and wildcard.resource_contains(n, block.resource)
                       for n in exc.not_resources)
    return any(wildcard.resource_overlap(d, block.resource) for d in exc.resources)


def _deny_contains(outer: Except, inner: Except) -> bool:
    """Whether Deny ``outer`` removes at least what ``inner`` does (as resources go)."""
    if outer.resources is not None and inner.resources is not None:
        return all(any(_contains(o, i) for o in outer.resources) for i in inner.resources)
    if outer.resources is not None:
        return any(o.strip("*") == "" for o in outer.resources)
    if inner.resources is not None:
        return all(not any(wildcard.resource_overlap(n, i) for n in outer.not_resources) for i in inner.resources)
    return all(any(_contains(i, o) for i in inner.not_resources) for o in outer.not_resources)


# --- coverage --------------------------------------------------------------------------------


def _uncovered(old: Block, new: Block) -> list | None:
    """The Denies of ``old`` that ``new`` does not match, when all else of ``new`` is within
    ``old`` (None: something else is not)."""
    if not principal_contains(old.principal, new.principal):
        return None
    if not resource_contains(old, new) and not _denied_where_left_out(old, new):
        return None
    if not cl.implies(new.condition, old.condition):
        return None
    out = []
    for exc in old.exceptions:  # where old denies, new must deny too (or not grant at all)
        if not _deny_overlaps(exc, new) or cl.disjoint(exc.condition, new.condition):
            continue
        if exc.principal is not None and new.principal is not None \
                and not _principal_overlap(exc.principal, new.principal):
            continue
        when = exc.condition | new.condition
        if not any(principal_contains(mine.principal, exc.principal) and _deny_contains(mine, exc)
                   and cl.implies(when, mine.condition) for mine in new.exceptions):
            out.append(exc)
    return out


def _denied_where_left_out(old: Block, new: Block) -> bool:
    """Whether what ``old``'s NotResource leaves out of ``new``'s Resource is all denied by ``new``
    itself, for everyone and unconditionally (Resource * with a Deny on X is NotResource X)."""
    if old.not_resources is None or new.resource is None:
        return False
    denied = [d for e in new.exceptions if e.principal is None and not e.condition and e.resources is not None
              for d in e.resources]
    return all(not wildcard.resource_overlap(n, new.resource) or any(_contains(d, n) for d in denied)
               for n in old.not_resources)


def covers(old: Block, new: Block) -> bool:
    """Whether every request ``new`` allows (for an action both hold) ``old`` allows too."""
    return _uncovered(old, new) == []


def _where_denied(old: Block, new: Block) -> list | None:
    """When ``old`` covers ``new`` but for unconditioned Denies on named resources: the
    resource patterns, within ``new``'s, where ``new`` still allows and ``old`` denies."""
    failing = _uncovered(old, new)
    if not failing or any(e.condition or e.principal is not None or e.resources is None for e in failing):
        return None
    patterns = sorted({d for e in failing for d in e.resources})
    if new.resource is None or not all(_contains(new.resource, d) for d in patterns):
        return None
    return patterns


def _narrowed(other: Block, block: Block, rest: frozenset, theirs: frozenset, new: Access, out: list) -> frozenset:
    """When ``other`` covers ``block`` but for Denies on named resources, report ``block`` on
    those resources (what is new) and return the actions left to account for."""
    patterns = _where_denied(other, block)
    if not patterns:
        return rest
    part = rest & theirs
    for pattern in patterns:
        out.append((block._replace(resource=pattern), part, new.sources_of(block, part)))
    return rest - theirs


def added(old: Access, new: Access) -> list:
    """[(Block, actions, sources)] of what ``new`` allows and ``old`` does not, in a stable order.

    Where an old block holds the actions everywhere but where an old Deny removes them, what is
    reported is the new block on the Deny's resources (the part that is new), not all of it."""
    out: list = []
    old_blocks = list(old.blocks.items())
    for block, actions in new.blocks.items():
        rest = actions - old.blocks.get(block, EMPTY)
        if rest:
            for other, theirs in old_blocks:
                if other == block or rest.isdisjoint(theirs):
                    continue
                if covers(other, block):
                    rest = rest - theirs
                elif (other.resource is not None and old.resolver is not None
                      and covers(other._replace(resource="*"), block)):
                    # a pattern that reaches every resource of these actions' types is "*" for them
                    # (arn:aws:s3:::* for bucket actions)
                    rest = rest - _whole(old.resolver, (other.resource,), rest & theirs)
                    if rest and not block.exceptions:
                        rest = _narrowed(other, block, rest, theirs, new, out)
                elif not block.exceptions:
                    rest = _narrowed(other, block, rest, theirs, new, out)
                if not rest:
                    break
        if rest:
            rest = rest - _pieced(old_blocks, block, rest)
        if rest:
            out.append((block, rest, new.sources_of(block, rest)))
    out.sort(key=lambda item: _order(item[0]))
    return out


def _pieced(old_blocks: list, block: Block, rest: frozenset) -> frozenset:
    """Those of ``rest`` that old grants cover together: a NotResource grant and, for each
    pattern it leaves out, a grant on a Resource that holds it (``NotResource b/*`` with
    ``Resource b/*`` is everything)."""
    covered = EMPTY
    for other, theirs in old_blocks:
        if other.resource is not None or rest.isdisjoint(theirs):
            continue
        if not covers(other._replace(resource="*", not_resources=None), block):
            continue
        acts = rest & theirs
        for n in other.not_resources:
            if block.resource is not None and not wildcard.resource_overlap(n, block.resource):
                continue
            piece = block._replace(resource=n, not_resources=None) if block.resource is None or \
                _contains(block.resource, n) else block
            acts = acts & frozenset().union(*[acts2 for p, acts2 in old_blocks
                                              if p.resource is not None and covers(p, piece)] or [EMPTY])
            if not acts:
                break
        covered = covered | acts
    return covered


def _order(block: Block) -> tuple:
    return (block.principal or ("", ""), block.resource or "", block.not_resources or (),
            sorted(block.condition), sorted(map(repr, block.exceptions)))


# --- building access -------------------------------------------------------------------------


def _exception(deny) -> list:
    """A Deny statement as its exceptions, one per principal value and condition alternative."""
    principals = [None] if deny.principal is None and deny.not_principal is None else (
        [("not", repr(sorted(deny.not_principal.items())))] if deny.not_principal is not None
        else _principal_values(deny.principal))
    if any(_everyone(p) for p in principals):
        principals = [None]
    out = []
    for p in principals:
        out.append(Except(p, deny.resources, deny.not_resources, cl.clauses(deny.condition)))
    return out


def _deny_hits(exc: Except, resource: str | None, not_resources=None) -> bool | None:
    """Whether the Deny surely covers the resource (True), perhaps (None) or not at all (False);
    ``resource`` None: all but ``not_resources``."""
    if exc.not_resources is not None and any(n.strip("*") == "" for n in exc.not_resources):
        return False  # NotResource "*": the Deny covers nothing
    if resource is None:
        if exc.resources is not None and any(r.strip("*") == "" for r in exc.resources):
            return True
        if exc.not_resources is not None and all(any(_contains(m, n) for m in not_resources or ())
                                                 for n in exc.not_resources):
            return True  # the Deny leaves out no more than the Allow does
        return None
    if exc.resources is not None:
        if any(not wildcard.has_variable(d) and wildcard.resource_contains(d, resource) for d in exc.resources):
            return True
        return None if any(wildcard.resource_overlap(d, resource) for d in exc.resources) else False
    if exc.not_resources is not None:
        if any(not wildcard.has_variable(n) and wildcard.resource_contains(n, resource) for n in exc.not_resources):
            return False  # the Deny leaves all of it out
        return None if any(wildcard.resource_overlap(n, resource) for n in exc.not_resources) else True
    return True


def _reach(res, pattern: str, actions: frozenset) -> frozenset:
    """Those of ``actions`` a Resource pattern can apply to (the others ignore it)."""
    reach = res.applicable(pattern)
    if reach is None:
        return actions
    found = actions & reach
    if wildcard.arn_matches(pattern, "*"):  # "?" patterns match the string "*": typeless actions
        found = found | frozenset(a for a in actions - found if not res.action_types(a))
    return found


def _by_relevant(res, patterns: tuple, actions: frozenset) -> dict:
    """actions -> grouped by the patterns that can apply to each: a NotResource (or a Deny's
    Resource) pattern that reaches no resource type of an action says nothing about it."""
    groups: dict = {patterns: actions}
    for n in patterns:
        reached = _reach(res, n, actions)
        if reached == actions:
            continue
        regrouped: dict = {}
        for kept, acts in groups.items():
            inside, outside = acts & reached, acts - reached
            if inside:
                regrouped[kept] = regrouped.get(kept, EMPTY) | inside
            if outside:
                rest = tuple(p for p in kept if p != n)
                regrouped[rest] = regrouped.get(rest, EMPTY) | outside
        groups = regrouped
    return groups


def _whole(res, patterns, actions: frozenset) -> frozenset:
    """Those of ``actions`` every resource of which the patterns (without variables) cover:
    for them, the patterns are as good as ``*`` (``arn:aws:s3:::*`` for bucket actions)."""
    fixed = tuple(p for p in patterns if not wildcard.has_variable(p))
    if not fixed or any(p.strip("*") == "" for p in fixed):
        return actions if fixed else EMPTY
    return actions - res.granted_not(actions, fixed)


def _deny_parts(res, denies, actions: frozenset):
    """(exception, the actions it reaches) of each Deny against ``actions``: a Resource pattern
    counts for the actions it can apply to; NotResource patterns that reach none of an action's
    resource types leave it out nowhere (the Deny covers all of that action)."""
    for exc, acts in denies:
        hit = actions & acts
        if not hit:
            continue
        if exc.resources is not None:
            hit = frozenset().union(*(_reach(res, d, hit) for d in exc.resources))
            whole = _whole(res, exc.resources, hit)
            if whole:
                yield exc._replace(resources=("*",)), whole
            if hit - whole:
                yield exc, hit - whole
        elif exc.not_resources is not None:
            for kept, part in _by_relevant(res, tuple(exc.not_resources), hit).items():
                kept_exc = exc._replace(not_resources=kept) if kept else exc._replace(resources=("*",),
                                                                                      not_resources=None)
                yield kept_exc, part
        else:
            yield exc, hit


def access(statements, names, index) -> Access:
    """The access of ``statements``, (policy number, Statement) pairs evaluated together (one
    policy, or every policy of one principal); ``names[policy number]`` names each policy."""
    from policy_tf.analysis.effective import evaluate
    from policy_tf.analysis.expand import statement_actions

    statements = list(statements)
    by_key = {(p, s.index): s for p, s in statements}
    denies: list = []
    for _p, s in statements:
        if s.deny:
            acts = statement_actions(s, index)
            if acts:
                denies.extend((exc, acts) for exc in _exception(s))
    from policy_tf.analysis.applicability import resolver

    res = resolver(index.catalog)
    out = Access(res)
    grants = []
    for grant in evaluate(statements, index).grants:
        if grant.resource is None:  # NotResource: per action, only the patterns that can apply to it
            for kept, acts in _by_relevant(res, tuple(grant.not_resources), grant.actions).items():
                grants.append(grant._replace(resource=None if kept else "*", not_resources=kept or None, actions=acts))
        else:
            grants.append(grant)
    for grant in grants:
        statement = by_key[(grant.policy, grant.statement)]
        source = (names[grant.policy], statement.index, statement.sid)
        principals: list
        if statement.not_principal is not None:
            principals = [("not", repr(sorted(statement.not_principal.items())))]
        elif statement.principal is not None:
            principals = _principal_values(statement.principal)
        else:
            principals = [None]
        for principal in principals:
            # the Denies that remove part of this grant, and which of its actions each reaches
            relevant = []
            total = set()  # Denies on the whole resource, for this principal, under a condition
            for exc, hit in _deny_parts(res, denies, grant.actions):
                if exc.principal is not None and principal is not None \
                        and not _principal_overlap(exc.principal, principal):
                    continue
                surely = _deny_hits(exc, grant.resource, grant.not_resources)
                if surely is False:
                    continue
                whole = surely and (exc.principal is None or principal_contains(exc.principal, principal))
                if whole and not exc.condition:
                    relevant.append((None, hit))  # removes these actions wholly (evaluate may not have: a principal)
                else:
                    relevant.append((exc, hit))
                    if whole:
                        total.add(exc)
            groups = {EMPTY: grant.actions}
            for exc, hit in relevant:
                regrouped: dict = {}
                for excs, acts in groups.items():
                    inside, outside = acts & hit, acts - hit
                    if outside:
                        regrouped[excs] = regrouped.get(excs, EMPTY) | outside
                    if inside and exc is not None:
                        key = excs | {exc}
                        regrouped[key] = regrouped.get(key, EMPTY) | inside
                groups = regrouped
            for condition in cl.split(statement.condition):
                for excs, acts in groups.items():
                    if not acts:
                        continue
                    # a Deny whose condition this grant's implies removes it all; one that cannot
                    # hold with it removes nothing
                    if any(e in total and cl.implies(condition, e.condition) for e in excs):
                        continue
                    excs = frozenset(e for e in excs if not cl.disjoint(e.condition, condition))
                    block = Block(principal, grant.resource, grant.not_resources if grant.resource is None else None,
                                  condition, excs)
                    out.add(block, frozenset(acts), source)
    return out
