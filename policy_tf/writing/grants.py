"""The second step of writing: requests -> grants, the actions of one service and access level
on one resource type's ARNs, each becoming (at least) one statement.

A grant remembers which actions were asked for on which ARN, never just the two sets: named-actions
s3:GetObject on a/x and s3:GetObjectTagging on b/y share a grant (S3, Read, object) but must not
cross (``statements`` groups only actions asked for on exactly the same ARNs).

Granting also records, for every granted action, the dependent actions the database lists for
it and where the grant lives (``Grants.needs``), for ``dependents`` to decide on.
"""
from __future__ import annotations

from collections import namedtuple

from policy_tf.core.diagnostics import NOT_GRANTED, Diagnostic
from policy_tf.writing.requested import ArnActionRequest, FormatRequest, LevelRequest, NamedRequest, StarRequest
from policy_tf.writing.scope import WILDCARD, Context, context_of, fill
from policy_tf.writing.sid import make_sid

TYPE_CHECKING = False
if TYPE_CHECKING:
    from policy_tf.iamdb.catalog import Catalog
    from policy_tf.writing.template import Template

# The granted action ``trigger`` ("prefix:Action", of service ``prefix`` and access level ``level``)
# that needs a dependent action.
Trigger = namedtuple("Trigger", "trigger prefix level")


class Grant:
    """Actions ("prefix:Action") of one service and access level granted on one resource type's ARNs:
    ``on`` maps each ARN (or '*') to the actions asked for on it."""

    __slots__ = ("section", "sid", "prefix", "level", "on")

    def __init__(self, section: str, sid: str, prefix: str, level: str):
        self.section = section  # template section whose conditions apply
        self.sid, self.prefix, self.level = sid, prefix, level
        # ARN -> actions; 50,000 ARNs of one level share one frozenset, so adding them costs no copies.
        self.on: dict[str, frozenset[str]] = {}

    def add(self, resource: str, actions: frozenset[str]) -> None:
        """Grant ``actions`` on ``resource`` (and only there)."""
        held = self.on.get(resource)
        self.on[resource] = actions if held is None or held is actions else held | actions

    def drop(self, actions: set[str]) -> None:
        """Remove ``actions`` everywhere; an ARN left with none is no longer granted."""
        kept: dict[int, frozenset[str]] = {}
        on = {}
        for resource, held in self.on.items():
            left = kept.get(id(held))
            if left is None:
                left = kept[id(held)] = held - actions
            if left:
                on[resource] = left
        self.on = on

    # Read-only views (frozensets, so that code still adding to them fails loudly): grant with ``add``.
    @property
    def actions(self) -> frozenset[str]:
        """Every action granted on some ARN."""
        return frozenset().union(*{id(s): s for s in self.on.values()}.values())

    @property
    def resources(self) -> frozenset[str]:
        """Every ARN with some action granted on it."""
        return frozenset(self.on)


class Grants:
    """The grants of one template, keyed by (section, prefix, level, label), in the order made."""

    def __init__(self) -> None:
        self.by_key: dict[tuple, Grant] = {}
        # dependent action -> the granted actions that need it -> where those grants live
        self.needs: dict[str, dict[Trigger, list[Context]]] = {}

    def __iter__(self):
        return iter(self.by_key.values())

    def get(self, section: str, prefix: str, level: str, label: str, sid_prefix: str = "") -> Grant:
        key = (section, prefix, level, label)
        grant = self.by_key.get(key)
        if grant is None:
            grant = self.by_key[key] = Grant(section, make_sid(sid_prefix, prefix, level, label), prefix, level)
        return grant

    def granted(self) -> set[str]:
        """Every granted action, lower case."""
        return {a.lower() for g in self for a in g.actions}

    def resources_of(self, action: str) -> set[str]:
        """Every resource on which ``action`` (any case) is granted."""
        wanted = action.lower()
        out: set[str] = set()
        for g in self:
            holding = {id(held) for held in {id(h): h for h in g.on.values()}.values()
                       if any(a.lower() == wanted for a in held)}
            if holding:
                out.update(r for r, held in g.on.items() if id(held) in holding)
        return out

    def need(
        self, cat: Catalog, prefix: str, actions: tuple[str, ...], resource_type: str | None, context: Context
    ) -> None:
        """Record the dependents of granted actions (of their rows for ``resource_type``; None: all rows)."""
        for dep, trigger in _dependents_of(cat, prefix, actions, resource_type):
            self.needs.setdefault(dep, {}).setdefault(trigger, []).append(context)


def actions_at(cat: Catalog, prefix: str, rtype: str, level: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The actions of ``level`` on a resource type, as names and as "prefix:Action" (memoized:
    a template may hold 50,000 ARNs of one type)."""
    memo = cat.memo.setdefault("writing.actions_at", {})
    key = (prefix, rtype, level)
    found = memo.get(key)
    if found is None:
        names = tuple(r.action for r in cat.by_resource_type(prefix, rtype) if r.level == level)
        found = memo[key] = (names, frozenset(f"{prefix}:{name}" for name in names))
    return found


def _dependents_of(cat: Catalog, prefix: str, actions: tuple[str, ...], resource_type: str | None) -> list:
    # The same actions on the same type have the same dependents: 50,000 buckets ask once.
    memo = cat.memo.setdefault("writing.dependents_of", {})
    key = (prefix, actions, resource_type)
    found = memo.get(key)
    if found is None:
        found = memo[key] = [
            (dep, Trigger(f"{prefix}:{action}", prefix, row.level))
            for action in actions for row in cat.rows(prefix, action)
            if resource_type is None or row.resource_type in ("", resource_type) for dep in row.dependent_actions]
    return found


def grant(template: Template, reqs: list, cat: Catalog, warnings: list[Diagnostic]) -> Grants:
    """The grants for a template's requests, in request order."""
    grants = Grants()
    star = Context(template.partition, WILDCARD, WILDCARD, WILDCARD)
    formats = Context(template.partition, template.region, template.account)
    for request in reqs:
        if isinstance(request, LevelRequest):
            _level(grants, request, cat, warnings)
        elif isinstance(request, StarRequest):
            _star(grants, request, cat, star)
        elif isinstance(request, NamedRequest):
            _named(grants, request, cat)
        elif isinstance(request, ArnActionRequest):
            _arn_action(grants, request, cat)
        elif isinstance(request, FormatRequest):
            _formats(grants, request, cat, formats, star)
    return grants


def _level(grants: Grants, request: LevelRequest, cat: Catalog, warnings: list[Diagnostic]) -> None:
    arn, level = request.arn, request.level
    found = 0
    for prefix, rtype in request.types:
        names, qualified = actions_at(cat, prefix, rtype, level)
        if not names:
            continue
        grant_ = grants.get(request.section, prefix, level, rtype)
        grant_.add(arn.text, qualified)
        grants.need(cat, prefix, names, rtype, context_of(arn, (prefix, rtype)))
        found += len(names)
    if not found:
        types = ", ".join(f"{p}:{t}" for p, t in request.types)
        warnings.append(
            Diagnostic(
                NOT_GRANTED,
                request.where,
                f"no {level} action supports {arn.text} (resource type {types}); nothing granted for it",
            )
        )


def _star(grants: Grants, request: StarRequest, cat: Catalog, star: Context) -> None:
    prefix, action = request.prefix, request.action
    grant_ = grants.get(request.section, prefix, cat.level(prefix, action), request.label)
    grant_.add(WILDCARD, frozenset((f"{prefix}:{action}",)))
    grants.need(cat, prefix, (action,), None, star)


def _arn_action(grants: Grants, request: ArnActionRequest, cat: Catalog) -> None:
    prefix, action = request.prefix, request.action
    grant_ = grants.get(request.section, prefix, cat.level(prefix, action), request.sid)
    grant_.sid = make_sid(request.sid)
    grant_.add(request.arn.text, frozenset((f"{prefix}:{action}",)))


def _named(grants: Grants, request: NamedRequest, cat: Catalog) -> None:
    prefix, action, arn = request.prefix, request.action, request.arn
    level = cat.level(prefix, action)
    for _, rtype in request.types:
        grant_ = grants.get(request.section, prefix, level, rtype, "Named")
        grant_.add(arn.text, frozenset((f"{prefix}:{action}",)))
        grants.need(cat, prefix, (action,), rtype, context_of(arn, (prefix, rtype)))


def _formats(grants: Grants, request: FormatRequest, cat: Catalog, context: Context, star: Context) -> None:
    prefix, action = request.prefix, request.action
    typed = [r for r in cat.rows(prefix, action) if r.resource_type]
    if not typed:
        _star(grants, StarRequest(request.section, prefix, action, "Wildcard"), cat, star)
        return
    level = cat.level(prefix, action)
    for row in typed:
        grant_ = grants.get(request.section, prefix, level, row.resource_type)
        for arn_format in cat.formats(prefix, row.resource_type):
            filled = fill(arn_format, context)
            grant_.add(filled, frozenset((f"{prefix}:{action}",)))
            # The filled format is this grant's ARN: dependents are scoped to it as to a crud ARN.
            grants.need(cat, prefix, (action,), row.resource_type,
                        context._replace(arn=filled, resource=(prefix, row.resource_type)))
