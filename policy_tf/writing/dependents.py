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

from policy_tf.writing.scope import WILDCARD, fill, scope, under

TYPE_CHECKING = False
if TYPE_CHECKING:
    from policy_tf.iamdb.catalog import ActionRow, Catalog
    from policy_tf.writing.grants import Grants, Need
    from policy_tf.writing.template import Template

PM = "Permissions management"
_LISTED = 3  # granted actions named per warning before "and N more"


def add_dependents(grants: Grants, template: Template, cat: Catalog, warnings: list[str]) -> None:
    """Grant the dependents of the actions still granted (run after exclude-actions)."""
    mode = template.include_dependent_actions
    if mode == "none" or template.effect == "Deny":
        return  # a Deny policy never denies actions the user did not name
    granted = grants.granted()
    pm_arns = set(template.levels.get(PM, ()))
    for dep in sorted(grants.needs):
        # Only actions still granted (after exclude-actions) bring their dependents.
        needs = [n for n in grants.needs[dep] if n.trigger.lower() in granted]
        if dep.lower() in granted or not needs:
            continue
        prefix, _, name = dep.partition(":")
        prefix = cat.prefixes.get(prefix.lower())
        action = cat.canonical(prefix, name) if prefix else None
        if action is None:
            warnings.append(f"dependent action {dep} is not in the IAM database; not granted")
            continue
        level = cat.level(prefix, action)
        typed = [r for r in cat.rows(prefix, action) if r.resource_type]
        left: dict[str, list[Need]] = {}  # why -> the needs it was left out for
        for need in needs:
            places, why = _scoped(need, prefix, level, typed, pm_arns, cat)
            if why:
                left.setdefault(why, []).append(need)
                if mode != "all":
                    continue
                places = _broad(need, prefix, typed, cat)
            for label, resource in places:
                grant = grants.get("dependent", prefix, level, label, "Dependent")
                grant.actions.add(f"{prefix}:{action}")
                grant.resources.add(resource)
        for why, which in left.items():
            warnings.append(_left_out(f"{prefix}:{action}", typed, which, why, mode == "all", cat))


def _scoped(need: Need, prefix: str, level: str, typed: list[ActionRow], pm_arns: set[str],
            cat: Catalog) -> tuple[list[tuple[str, str]], str]:
    """(label, resource) places for a dependent under the default rule, or why there are none."""
    context = need.context
    if prefix != need.prefix:
        return [], "it is of another service"
    if level == PM and need.level != PM and context.arn not in pm_arns:
        return [], f"it is Permissions management, which was not requested for {context.arn}"
    if context.arn == WILDCARD:
        if not typed:
            return [("Wildcard", WILDCARD)], ""
        return [(r.resource_type, fill(f, context)) for r in typed for f in cat.formats(prefix, r.resource_type)], ""
    if not typed:
        return [], f"it supports only Resource '*', broader than {context.arn}"
    parents = cat.formats(*context.resource)
    places = []
    for row in typed:
        if context.resource == (prefix, row.resource_type):
            places.append((row.resource_type, context.arn))
            continue
        for arn_format in cat.formats(prefix, row.resource_type):
            inner = under(arn_format, context, parents)
            if inner:
                places.append((row.resource_type, inner))
    if not places:
        return [], f"it acts on other resources than {context.arn}"
    return places, ""


def _broad(need: Need, prefix: str, typed: list[ActionRow], cat: Catalog) -> list[tuple[str, str]]:
    """include-dependent-actions: all: places as narrow as the granted ARN's partition, region and account allow."""
    context = need.context
    if not typed:
        return [("Wildcard", WILDCARD)]
    parents = cat.formats(*context.resource) if context.arn != WILDCARD else []
    places = []
    for row in typed:
        if context.resource == (prefix, row.resource_type):
            places.append((row.resource_type, context.arn))
            continue
        places.extend((row.resource_type, scope(f, context, parents)) for f in cat.formats(prefix, row.resource_type))
    return places


def _left_out(dep: str, typed: list[ActionRow], needs: list[Need], why: str, granted: bool, cat: Catalog) -> str:
    """A warning naming the dependent, what it acts on, which granted actions need it and how to grant it."""
    on = ", ".join(sorted({f"{dep.split(':')[0]}:{r.resource_type}" for r in typed})) or "Resource '*' only"
    triggers = sorted({n.trigger for n in needs})
    needed_by = ", ".join(triggers[:_LISTED]) + (f" and {len(triggers) - _LISTED} more" if len(triggers) > _LISTED else "")
    head = f"dependent action {dep} (acts on {on}), needed by {needed_by}"
    if granted:
        return f"{head}: granted because include-dependent-actions is all, although {why}"
    if typed:
        example = (cat.formats(typed[0].prefix, typed[0].resource_type) or ["ARN"])[0]
        how = f"named-actions: {{{dep}: [{example}]}} with the ARN filled in"
    else:
        how = f"wildcard-only: {{single-actions: [{dep}]}}"
    return f"{head}: not granted, because {why}; to grant it add {how}, or set include-dependent-actions: all"
