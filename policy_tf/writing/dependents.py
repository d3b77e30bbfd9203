"""The third step of writing: the dependent actions that granted actions need, as grants of their own."""
from __future__ import annotations

from policy_tf.writing.scope import WILDCARD, scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from policy_tf.iamdb.catalog import Catalog
    from policy_tf.writing.grants import Grants
    from policy_tf.writing.template import Template


def add_dependents(grants: Grants, template: Template, cat: Catalog, warnings: list[str]) -> None:
    """Grant the dependents of the actions still granted (run after exclude-actions)."""
    if not template.include_dependent_actions or template.effect == "Deny":
        return  # a Deny policy never denies actions the user did not name
    granted = grants.granted()
    for dep in sorted(grants.needs):
        # Only actions still granted (after exclude-actions) bring their dependents.
        contexts = [n.context for n in grants.needs[dep] if n.trigger in granted]
        if dep.lower() in granted or not contexts:
            continue
        prefix, _, name = dep.partition(":")
        prefix = cat.prefixes.get(prefix.lower())
        action = cat.canonical(prefix, name) if prefix else None
        if action is None:
            warnings.append(f"dependent action {dep} is not in the IAM database; not granted")
            continue
        level = cat.level(prefix, action)
        typed = [r for r in cat.rows(prefix, action) if r.resource_type]
        if not typed:
            warnings.append(f"dependent action {prefix}:{action} supports only Resource '*'; granted on '*' "
                            "(set include-dependent-actions: false to leave dependent actions out)")
            grant = grants.get("dependent", prefix, level, "Wildcard", "Dependent")
            grant.actions.add(f"{prefix}:{action}")
            grant.resources.add(WILDCARD)
            continue
        for row in typed:
            grant = grants.get("dependent", prefix, level, row.resource_type, "Dependent")
            grant.actions.add(f"{prefix}:{action}")
            for context in contexts:
                if context.resource == (prefix, row.resource_type):
                    grant.resources.add(context.arn)
                    continue
                parents = cat.formats(*context.resource) if context.arn else []
                for arn_format in cat.formats(prefix, row.resource_type):
                    grant.resources.add(scope(arn_format, context, parents))
