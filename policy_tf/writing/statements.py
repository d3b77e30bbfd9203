"""The fourth step of writing: grants -> IAM statements, with the template's conditions applied.

A grant whose actions do not all accept a section's condition keys is split: each set of
actions gets the keys that apply to it, and a warning names the actions left without some.
Sids are made unique and the statements sorted by them, so the output is stable.
"""
from __future__ import annotations

from policy_tf.core.diagnostics import UNCONDITIONED, Diagnostic
from policy_tf.core.errors import InputError
from policy_tf.writing import conditions as cond
from policy_tf.writing.scope import WILDCARD
from policy_tf.writing.sid import unique

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from policy_tf.iamdb.catalog import Catalog
    from policy_tf.writing.grants import Grant, Grants
    from policy_tf.writing.template import Template


def condition_entries(template: Template, cat: Catalog, warnings: list[Diagnostic]) -> dict[str, list]:
    """Each section's validated condition entries."""
    return {
        section: cond.validate_block(block, template.where(f"conditions.{section}"), cat.key_types, warnings)
        for section, block in template.conditions.items()
    }


def statements(
    grants: Grants, template: Template, entries: dict[str, list], cat: Catalog, warnings: list[Diagnostic]
) -> list[dict]:
    """The statements of the grants that still hold actions, sorted by Sid."""
    drafts: list[tuple[str, dict]] = []
    unused = {id(e): (section, e) for section, es in entries.items() for e in es}
    for grant in sorted(grants, key=lambda g: g.sid):
        applicable = entries.get("all", []) + entries.get(grant.section, [])
        for actions, resources in groups(grant):
            if not applicable:
                drafts.append((grant.sid, statement(grant.sid, template.effect, actions, resources, [])))
                continue
            parts: dict[tuple, set[str]] = {}
            for action in actions:
                keys = action_keys(action, cat)
                signature = tuple(e for e in applicable if cond.supports(e, keys))
                for e in signature:
                    unused.pop(id(e), None)
                parts.setdefault(signature, set()).add(action)
            for signature, part in sorted(parts.items(), key=lambda kv: (-len(kv[0]), sorted(kv[1]))):
                missing = [e for e in applicable if e not in signature]
                if missing:
                    warnings.append(Diagnostic(
                        UNCONDITIONED, grant.sid,
                        f"condition key(s) {', '.join(sorted({e.key for e in missing}))} do not apply to "
                        f"{', '.join(sorted(part))}; those actions get a statement without them"))
                drafts.append((grant.sid, statement(grant.sid, template.effect, part, resources, list(signature))))
    for section, entry in unused.values():
        raise InputError(
            template.where(
                f"conditions.{section}.{entry.operator}.{entry.key}: no action of this section supports "
                f"this condition key, so it would apply nowhere"
            )
        )
    sids = unique([sid for sid, _ in drafts])
    for sid, (_, draft) in zip(sids, drafts):
        draft["Sid"] = sid
    return [s for _, s in sorted(zip(sids, (d for _, d in drafts)))]


def groups(grant: Grant) -> list[tuple[set[str], list[str]]]:
    """The grant's (actions, sorted resources) pairs: actions asked for on exactly the same resources
    share one, so a statement allows only (action, resource) pairs that were asked for.

    An action granted on '*' is granted there only. Deterministic: sorted by actions.
    """
    on = grant.on
    star = on.get(WILDCARD, frozenset())
    # Resources holding the same action set, found by identity first: 50,000 ARNs of one level share one.
    by_set: dict[frozenset[str], list[str]] = {}
    for resource, held in on.items():
        if resource != WILDCARD:
            held = held - star if star else held
            if held:
                by_set.setdefault(held, []).append(resource)
    blocks = [(star, [WILDCARD])] if star else []
    blocks += by_set.items()
    # An action's key: the blocks it is in; actions with equal keys are asked for on the same resources.
    keys: dict[str, list[int]] = {}
    for i, (held, _) in enumerate(blocks):
        for action in held:
            keys.setdefault(action, []).append(i)
    out: dict[tuple[int, ...], set[str]] = {}
    for action, key in keys.items():
        out.setdefault(tuple(key), set()).add(action)
    found = [(actions, sorted(r for i in key for r in blocks[i][1])) for key, actions in out.items()]
    return sorted(found, key=lambda pair: (sorted(pair[0]), pair[1]))


def statement(sid: str, effect: str, actions: set[str], resources: list[str], entries: list) -> dict:
    out: dict[str, Any] = {"Sid": sid, "Effect": effect, "Action": sorted(actions), "Resource": resources}
    if entries:
        out["Condition"] = cond.block_of(entries)
    return out


def action_keys(action: str, cat: Catalog) -> set[str]:
    """The condition keys (lower case) an action accepts: its own rows' and its resource types'."""
    prefix, name = action.split(":", 1)
    keys: set[str] = set()
    for row in cat.rows(prefix, name):
        keys.update(k.lower() for k in row.condition_keys)
        if row.resource_type:
            keys.update(k.lower() for k in cat.resource_keys(prefix, row.resource_type))
    return keys
