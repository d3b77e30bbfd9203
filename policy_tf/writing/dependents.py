"""The third step of writing: the dependent actions that granted actions need.

``include-dependent-actions`` decides which are granted:

* ``scoped`` (the default; ``true`` means the same): a dependent is granted only when it is of
  the granted action's own service, can be scoped to the granted ARN itself or to resources
  under it (a table's indexes), and is not Permissions management unless that level was asked
  for on that ARN. A grant on ``*`` (wildcard-only, skip-resource-constraints) scopes its
  dependents to ``*`` or their own formats. Every other dependent is named in a warning with
  the way to grant it.
* ``all``: the others too, scoped as narrowly as the granted ARN allows, each with a warning.
* ``none`` (``false``): no dependent actions.

A Deny policy never denies dependents the user did not name.
"""
from __future__ import annotations

from policy_tf.core.diagnostics import GRANTED_BROADLY, NOT_GRANTED, Diagnostic
from policy_tf.writing.scope import WILDCARD, Context, fill, parent_of, under

TYPE_CHECKING = False
if TYPE_CHECKING:
    from policy_tf.iamdb.catalog import ActionRow, Catalog
    from policy_tf.writing.grants import Grants, Trigger
    from policy_tf.writing.template import Template

PM = "Permissions management"
_LISTED = 3  # granted actions named per warning before "and N more"


def add_dependents(grants: Grants, template: Template, cat: Catalog, warnings: list[Diagnostic]) -> None:
    """Grant the dependents of the actions still granted (run after exclude-actions)."""
    mode = template.include_dependent_actions
    if mode == "none" or template.effect == "Deny":
        return  # a Deny policy never denies actions the user did not name
    granted = grants.granted()
    pm_arns = set(template.levels.get(PM, ()))
    for dep in sorted(grants.needs):
        # Only actions still granted (after exclude-actions) bring their dependents.
        needs = {t: contexts for t, contexts in grants.needs[dep].items() if t.trigger.lower() in granted}
        if not needs:
            continue
        # Granted already on some ARNs (named there, or at their level): still granted where the default
        # rule scopes it to another granted ARN, which must not go silently without it. One the rule
        # leaves out is the user's to place (the warning's advice), so it is taken as placed.
        held = grants.resources_of(dep) if dep.lower() in granted else set()
        if WILDCARD in held:
            continue
        service, _, name = dep.partition(":")
        known = cat.prefixes.get(service.lower())
        action = cat.canonical(known, name) if known else None
        if known is None or action is None:
            warnings.append(
                Diagnostic(NOT_GRANTED, "", f"dependent action {dep} is not in the IAM database; not granted")
            )
            continue
        prefix = known
        level = cat.level(prefix, action)
        typed = [r for r in cat.rows(prefix, action) if r.resource_type]
        left: dict[str, set[str]] = {}  # why -> the granted actions it was left out for
        plans: dict[tuple, tuple[list, str]] = {}  # one plan per kind of place: 50,000 buckets share one
        for trigger, contexts in needs.items():
            for context in contexts:
                if context.arn in held:
                    continue
                in_pm = context.arn in pm_arns
                key = (trigger, context.resource, context.arn == WILDCARD, in_pm)
                plan = plans.get(key)
                if plan is None:
                    plan = plans[key] = _plan(trigger, prefix, level, typed, context, in_pm, mode, cat)
                places, why = plan
                if why and held:
                    continue
                if why:
                    left.setdefault(why.replace(context.arn, "{arn}"), set()).add(trigger.trigger)
                    if mode != "all":
                        continue
                for label, kind, arn_format, parent in places:
                    grant = grants.get("dependent", prefix, level, label, "Dependent")
                    grant.add(_place(kind, arn_format, parent, context), frozenset((f"{prefix}:{action}",)))
        for why, triggers in left.items():
            warnings.append(_left_out(f"{prefix}:{action}", typed, sorted(triggers), why, mode == "all", cat))


def _plan(trigger: Trigger, prefix: str, level: str, typed: list[ActionRow], context: Context, in_pm: bool,
          mode: str, cat: Catalog) -> tuple[list[tuple[str, str, str, str]], str]:
    """Where a dependent goes for grants of this kind: (label, kind, format, parent) places, and why
    it is left out under the default rule ('' when it is not); ``all`` gets the broad places then."""
    places, why = _scoped(trigger, prefix, level, typed, context, in_pm, cat)
    if why and mode == "all":
        places = _broad(prefix, typed, context, cat)
    return places, why


def _place(kind: str, arn_format: str, parent: str, context: Context) -> str:
    """A plan's place for one grant: its own ARN, a format under it, a filled format, or '*'."""
    if kind == "self":
        return context.arn
    if kind == "under":
        placed = under(arn_format, context, [parent])
        if placed is None:  # _places says "under" only for a format that extends the parent
            raise RuntimeError(f"{arn_format} does not extend {parent}")
        return placed
    return fill(arn_format, context) if arn_format else WILDCARD


def _scoped(trigger: Trigger, prefix: str, level: str, typed: list[ActionRow], context: Context, in_pm: bool,
            cat: Catalog) -> tuple[list[tuple[str, str, str, str]], str]:
    """Places for a dependent under the default rule, or why there are none."""
    if prefix != trigger.prefix:
        return [], "it is of another service"
    if level == PM and trigger.level != PM and not in_pm:
        return [], f"it is Permissions management, which was not requested for {context.arn}"
    if context.arn == WILDCARD:
        return (_places(prefix, typed, context, cat, broad=True) if typed else [("Wildcard", "star", "", "")]), ""
    if not typed:
        return [], f"it supports only Resource '*', broader than {context.arn}"
    places = _places(prefix, typed, context, cat, broad=False)
    return places, ("" if places else f"it acts on other resources than {context.arn}")


def _broad(prefix: str, typed: list[ActionRow], context: Context, cat: Catalog) -> list[tuple[str, str, str, str]]:
    """include-dependent-actions: all: places as narrow as the granted ARN's partition, region and account allow."""
    return _places(prefix, typed, context, cat, broad=True) if typed else [("Wildcard", "star", "", "")]


def _places(
    prefix: str, typed: list[ActionRow], context: Context, cat: Catalog, broad: bool
) -> list[tuple[str, str, str, str]]:
    """(label, kind, format, parent) places of a resource-typed dependent: the grant's own ARN for its own
    type, formats under it; with ``broad``, also the other formats, filled from the grant's context."""
    parents = cat.formats(*context.resource) if context.arn != WILDCARD else []
    places = []
    for row in typed:
        if context.resource == (prefix, row.resource_type):
            places.append((row.resource_type, "self", "", ""))
            continue
        for arn_format in cat.formats(prefix, row.resource_type):
            parent = parent_of(arn_format, parents)
            if parent or broad:
                places.append((row.resource_type, "under" if parent else "fill", arn_format, parent or ""))
    return places


def _left_out(
    dep: str, typed: list[ActionRow], triggers: list[str], why: str, granted: bool, cat: Catalog
) -> Diagnostic:
    """A diagnostic naming the dependent, what it acts on, which granted actions need it and how to grant it."""
    on = ", ".join(sorted({f"{dep.split(':')[0]}:{r.resource_type}" for r in typed})) or "Resource '*' only"
    needed_by = ", ".join(triggers[:_LISTED]) + (
        f" and {len(triggers) - _LISTED} more" if len(triggers) > _LISTED else ""
    )
    why = why.replace("{arn}", "the ARN asked for")
    head = f"dependent action {dep} (acts on {on}), needed by {needed_by}"
    if granted:
        return Diagnostic(
            GRANTED_BROADLY, "", f"{head}: granted because include-dependent-actions is all, although {why}"
        )
    if typed:
        example = (cat.formats(typed[0].prefix, typed[0].resource_type) or ["ARN"])[0]
        how = f"named-actions: {{{dep}: [{example}]}} with the ARN filled in"
    else:
        how = f"wildcard-only: {{single-actions: [{dep}]}}"
    return Diagnostic(NOT_GRANTED, "", f"{head}: not granted, because {why}",
                      f"to grant it add {how}, or set include-dependent-actions: all")
