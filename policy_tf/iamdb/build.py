"""Turn parsed services into the SQLite IAM database, guarded against silent data loss."""
from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from policy_tf.core.errors import BuildGuardError, InputError
from policy_tf.iamdb.model import ACCESS_LEVELS, Part, Service
from policy_tf.iamdb.overrides import Override

SCHEMA_VERSION = "2"
# Lists are stored as newline-joined text: cheaper to split than JSON to parse.
SEP = "\n"

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE services (
    prefix TEXT PRIMARY KEY COLLATE NOCASE, name TEXT NOT NULL, sources TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE actions (
    prefix TEXT NOT NULL COLLATE NOCASE, name TEXT NOT NULL COLLATE NOCASE,
    access_level TEXT NOT NULL,      -- as documented by AWS ('Tagging, Write' since July 2026)
    effective_level TEXT NOT NULL,   -- one level, by precedence, after overrides; what policies use
    override_reason TEXT NOT NULL,   -- '' when not overridden
    description TEXT NOT NULL, permission_only INTEGER NOT NULL, api_doc TEXT NOT NULL,
    dependent_actions_from TEXT NOT NULL,  -- '' = this source; else the earlier source and its date
    PRIMARY KEY (prefix, name)
) WITHOUT ROWID;
-- Covering index: an access-level filter over every service reads it, not the descriptions.
CREATE INDEX actions_by_level ON actions (effective_level, prefix, name);
-- Partial index of the few overridden actions: query.overridden() reads it instead of every action.
CREATE INDEX actions_overridden ON actions (prefix, name) WHERE override_reason != '';
CREATE TABLE action_resources (
    prefix TEXT NOT NULL COLLATE NOCASE, action TEXT NOT NULL COLLATE NOCASE,
    position INTEGER NOT NULL,
    resource_type TEXT NOT NULL COLLATE NOCASE,  -- '' = row without resource type
    required INTEGER NOT NULL, condition_keys TEXT NOT NULL, dependent_actions TEXT NOT NULL,
    PRIMARY KEY (prefix, action, position)
) WITHOUT ROWID;
CREATE INDEX action_resources_by_type ON action_resources (prefix, resource_type);
CREATE TABLE resource_types (
    prefix TEXT NOT NULL COLLATE NOCASE, name TEXT NOT NULL COLLATE NOCASE,
    arn_format TEXT NOT NULL, other_formats TEXT NOT NULL, condition_keys TEXT NOT NULL,
    PRIMARY KEY (prefix, name)
) WITHOUT ROWID;
-- Every ARN format, indexed by the ARN's own service field (79 formats use another prefix's).
CREATE TABLE arn_formats (
    arn_service TEXT NOT NULL, prefix TEXT NOT NULL, resource_type TEXT NOT NULL, arn_format TEXT NOT NULL
);
CREATE INDEX arn_formats_by_service ON arn_formats (arn_service);
-- AWS's "API operations" table: which IAM actions an API operation needs (CloudTrail events).
CREATE TABLE api_operations (
    prefix TEXT NOT NULL COLLATE NOCASE, operation TEXT NOT NULL COLLATE NOCASE,
    action TEXT NOT NULL,            -- "prefix:Name"
    condition_keys TEXT NOT NULL, access_level TEXT NOT NULL
);
CREATE INDEX api_operations_by_name ON api_operations (prefix, operation);
-- Per-operation data of the Service Reference JSON: the SDK methods that call an operation,
-- and the request context ("iam:PassedToService" -> values) of an action it authorizes.
CREATE TABLE operation_sdk (
    prefix TEXT NOT NULL COLLATE NOCASE, operation TEXT NOT NULL COLLATE NOCASE,
    package TEXT NOT NULL, sdk_service TEXT NOT NULL, method TEXT NOT NULL
);
CREATE INDEX operation_sdk_by_method ON operation_sdk (package, sdk_service, method);
CREATE TABLE operation_context (
    prefix TEXT NOT NULL COLLATE NOCASE, operation TEXT NOT NULL COLLATE NOCASE,
    action TEXT NOT NULL, key TEXT NOT NULL, context_values TEXT NOT NULL
);
CREATE INDEX operation_context_by_name ON operation_context (prefix, operation);
CREATE TABLE condition_keys (
    prefix TEXT NOT NULL COLLATE NOCASE, name TEXT NOT NULL COLLATE NOCASE,
    type TEXT NOT NULL, description TEXT NOT NULL,
    PRIMARY KEY (prefix, name)
) WITHOUT ROWID;
-- Every action's "prefix:Name", newline-joined in (prefix, name) order, one row per service
-- (kind 'prefix') and per effective level (kind 'level'): derived from the actions table, so
-- that '*' and NotAction load all ~22k names from a few hundred rows instead of a scan.
CREATE TABLE action_lists (
    kind TEXT NOT NULL, key TEXT NOT NULL, names TEXT NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
"""


@dataclass
class BuildReport:
    path: Path
    source: str
    counts: dict[str, int]
    levels: dict[str, int]
    overrides: list[Override]
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    parts: dict[str, Part] = field(default_factory=dict)

    def lines(self) -> list[str]:
        c = self.counts
        out = [
            f"database: {self.path}",
            f"source: {self.source}",
            *(
                f"  {name}: {part.source}" + (f" (data of {part.date})" if part.date else "")
                for name, part in self.parts.items()
            ),
            f"services: {c['services']}  actions: {c['actions']}  resource types: {c['resource_types']}  "
            f"condition keys: {c['condition_keys']}  pages: {c['pages']}  API operations: {c.get('api_operations', 0)}",
            "actions by documented access level: "
            + " · ".join(f"{lvl} {self.levels.get(lvl, 0)}" for lvl in ACCESS_LEVELS),
            f"actions that support only '*': {c['wildcard_only_actions']}",
            f"access-level overrides applied: {len(self.overrides)}",
            f"warnings: {len(self.warnings)}",
        ]
        out += [f"  warning: {w}" for w in self.warnings]
        out.append(f"built in {self.seconds:.1f} s")
        return out


def _arn_service(arn_format: str) -> str:
    parts = arn_format.split(":", 3)
    return parts[2] if len(parts) > 3 else ""


def _find_action(services: dict[str, Service], prefix: str, name: str):
    service = services.get(prefix)
    if service is None:
        return None
    lowered = name.lower()
    return next((a for a in service.actions.values() if a.name.lower() == lowered), None)


def _missing_references(services: list[Service]) -> list[str]:
    """Resource types named by an action but absent from the page's table: kept, but reported."""
    out = []
    for service in services:
        for action in service.actions.values():
            for ref in action.resources:
                if ref.resource_type and ref.resource_type not in service.resource_types:
                    out.append(
                        f"{service.prefix}:{action.name} names resource type "
                        f"{ref.resource_type!r} missing from the Resource types table"
                    )
    return out


def existing_actions(path: Path) -> tuple[set[str], set[str]] | None:
    """(services, 'prefix:Action' names) of an existing database, or None if there is none."""
    if not Path(path).is_file():
        return None
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            prefixes = {row[0] for row in con.execute("SELECT prefix FROM services")}
            actions = {f"{p}:{n}" for p, n in con.execute("SELECT prefix, name FROM actions")}
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return None
    return prefixes, actions


def check_guard(services: list[Service], baseline: Path | None, max_loss: float) -> None:
    """Fail when the new build loses more than ``max_loss`` of the baseline's services or actions."""
    if baseline is None:
        return
    old = existing_actions(baseline)
    if old is None:
        return
    old_prefixes, old_actions = old
    new_prefixes = {s.prefix for s in services}
    new_actions = {f"{s.prefix}:{a.name}" for s in services for a in s.actions.values()}
    lost_prefixes = sorted(old_prefixes - new_prefixes)
    lost_actions = sorted(old_actions - new_actions)
    too_many = (old_prefixes and len(lost_prefixes) / len(old_prefixes) > max_loss) or (
        old_actions and len(lost_actions) / len(old_actions) > max_loss
    )
    if not too_many:
        return
    lines = [
        f"build guard: the new database would lose {len(lost_prefixes)} of {len(old_prefixes)} services and "
        f"{len(lost_actions)} of {len(old_actions)} actions compared with {baseline} (limit {max_loss:.0%}).",
        "Nothing was written. If AWS really removed them, rerun with --allow-loss.",
    ]
    if lost_prefixes:
        lines.append("services that would disappear: " + ", ".join(lost_prefixes))
    shown = lost_actions[:50]
    lines.append(
        "actions that would disappear" + (f" (first 50 of {len(lost_actions)})" if len(lost_actions) > 50 else "") + ":"
    )
    lines += [f"  {name}" for name in shown]
    raise BuildGuardError("\n".join(lines))


def apply_overrides(
    services: list[Service], overrides: list[Override], warnings: list[str]
) -> dict[tuple[str, str], Override]:
    """Map (prefix, action name) -> override; an unknown action is an error (a warning if optional)."""
    by_prefix = {s.prefix: s for s in services}
    applied: dict[tuple[str, str], Override] = {}
    for override in overrides:
        action = _find_action(by_prefix, override.prefix, override.action)
        if action is None:
            message = f"{override.source}: override for unknown action {override.prefix}:{override.action}"
            if not override.optional:
                raise InputError(message)
            warnings.append(message + " (not applied)")
            continue
        if override.access_level == action.access_level:
            # AWS fixed it (aoss:TagResource is "Tagging, Write" since July 2026): say so, so
            # the override can be retired, and show no "treated as" note for it.
            warnings.append(
                f"{os.path.basename(override.source)}: override for "
                f"{override.prefix}:{action.name} is no longer needed: "
                f"documented as {action.documented!r}, which is {action.access_level} already"
            )
            continue
        applied[(override.prefix, action.name)] = override
    return applied


def write_database(
    services: list[Service],
    dest: Path,
    *,
    source: str,
    overrides: Sequence[Override] = (),
    warnings: Sequence[str] = (),
    baseline: Path | None = None,
    max_loss: float = 0.02,
    parts: dict[str, Part] | None = None,
    meta: dict[str, str] | None = None,
) -> BuildReport:
    """Write ``services`` to ``dest`` atomically; the guard compares with ``baseline`` first.

    ``parts`` says where each part of the data came from and its date (``actions``,
    ``dependent_actions``, ``api_operations``); the ``actions`` date is the data's date.
    ``meta`` adds entries to the meta table.
    """
    started = time.perf_counter()
    services = sorted(services, key=lambda s: s.prefix)
    if not services:
        raise InputError(f"{source}: no services found; nothing written")
    check_guard(services, baseline, max_loss)
    warnings = list(warnings) + _missing_references(services)
    applied = apply_overrides(services, list(overrides), warnings)
    parts = dict(parts or {"actions": Part(source)})

    from policy_tf.core.atomic import check_target

    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    check_target(dest)  # only a regular file is ever replaced (never a link, a device, a folder)
    fd, tmp = tempfile.mkstemp(prefix=".iam-", suffix=".sqlite3", dir=dest.parent)
    os.close(fd)
    try:
        counts, levels = _write(Path(tmp), services, applied, source, warnings, parts, meta or {})
        check_target(dest)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    report = BuildReport(dest, source, counts, levels, list(applied.values()), warnings, parts=parts)
    report.seconds = time.perf_counter() - started
    return report


def _operation_rows(services: list[Service], applied: dict) -> list[tuple]:
    """(prefix, operation, action, condition keys, level): the level is the operation's own,
    else its action's effective level."""
    effective = {}
    for service in services:
        for action in service.actions.values():
            override = applied.get((service.prefix, action.name))
            effective[f"{service.prefix}:{action.name}".lower()] = (
                override.access_level if override else action.access_level
            )
    return [
        (
            service.prefix,
            op.name,
            action,
            SEP.join(op.condition_keys),
            op.access_level or effective.get(action.lower(), ""),
        )
        for service in services
        for op in sorted(service.operations.values(), key=lambda o: o.name)
        for action in op.actions
    ]


def action_list_rows(con) -> list[tuple[str, str, str]]:
    """The rows of ``action_lists``, read back from the ``actions`` table as written."""
    per: dict[tuple[str, str], list[str]] = {}
    for prefix, action, level in con.execute(
            "SELECT prefix, prefix || ':' || name, effective_level FROM actions ORDER BY prefix, name"):
        per.setdefault(("prefix", prefix), []).append(action)
        per.setdefault(("level", level), []).append(action)
    return [(kind, key, SEP.join(names)) for (kind, key), names in sorted(per.items())]


def _write(path: Path, services: list[Service], applied: dict, source: str, warnings: list[str],
           parts: dict[str, Part], extra_meta: dict[str, str]):
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    try:
        con.executescript(SCHEMA)
        levels: dict[str, int] = {}
        wildcard_only = 0
        for service in services:
            con.execute(
                "INSERT INTO services VALUES (?, ?, ?)", (service.prefix, service.name, SEP.join(service.sources))
            )
            for action in sorted(service.actions.values(), key=lambda a: a.name):
                override = applied.get((service.prefix, action.name))
                levels[action.access_level] = levels.get(action.access_level, 0) + 1
                if not any(ref.resource_type for ref in action.resources):
                    wildcard_only += 1
                con.execute(
                    "INSERT INTO actions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (service.prefix, action.name, action.documented,
                     override.access_level if override else action.access_level,
                     override.reason if override else "", action.description,
                     int(action.permission_only), action.api_doc, action.dependent_actions_from),
                )
                con.executemany(
                    "INSERT INTO action_resources VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(service.prefix, action.name, i, ref.resource_type, int(ref.required),
                      SEP.join(ref.condition_keys), SEP.join(ref.dependent_actions))
                     for i, ref in enumerate(action.resources)],
                )
            rtypes = sorted(service.resource_types.values(), key=lambda r: r.name)
            con.executemany(
                "INSERT INTO resource_types VALUES (?, ?, ?, ?, ?)",
                [
                    (service.prefix, r.name, r.arn_format, SEP.join(r.other_formats), SEP.join(r.condition_keys))
                    for r in rtypes
                ],
            )
            con.executemany(
                "INSERT INTO arn_formats VALUES (?, ?, ?, ?)",
                [(_arn_service(f), service.prefix, r.name, f) for r in rtypes for f in r.arn_formats],
            )
            con.executemany(
                "INSERT INTO condition_keys VALUES (?, ?, ?, ?)",
                [(service.prefix, k.name, k.type, k.description)
                 for k in sorted(service.condition_keys.values(), key=lambda k: k.name)],
            )
        con.executemany("INSERT INTO action_lists VALUES (?, ?, ?)", action_list_rows(con))
        operations = _operation_rows(services, applied)
        con.executemany("INSERT INTO api_operations VALUES (?, ?, ?, ?, ?)", operations)
        con.executemany("INSERT INTO operation_sdk VALUES (?, ?, ?, ?, ?)", [
            (s.prefix, op.name, *entry) for s in services for op in sorted(s.operations.values(), key=lambda o: o.name)
            for entry in op.sdk])
        con.executemany("INSERT INTO operation_context VALUES (?, ?, ?, ?, ?)", [
            (s.prefix, op.name, action, key, SEP.join(values))
            for s in services for op in sorted(s.operations.values(), key=lambda o: o.name)
            for action, keys in op.context.items() for key, values in keys.items()])
        counts = {
            "api_operations": len({(row[0], row[1]) for row in operations}),
            "services": len(services),
            "actions": sum(len(s.actions) for s in services),
            "resource_types": sum(len(s.resource_types) for s in services),
            "condition_keys": sum(len(s.condition_keys) for s in services),
            "pages": sum(len(s.sources) for s in services),
            "wildcard_only_actions": wildcard_only,
        }
        import json

        from policy_tf import __version__

        meta = {
            "schema_version": SCHEMA_VERSION,
            "source": source,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "data_date": parts["actions"].date,
            "parts": json.dumps({name: part.as_dict() for name, part in parts.items()}, sort_keys=True),
            "policy_tf_version": __version__,
            "counts": json.dumps(counts, sort_keys=True),
            "levels": json.dumps(levels, sort_keys=True),
            "overrides": str(len(applied)),
            "warnings": json.dumps(warnings),
            **extra_meta,
        }
        con.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
        con.commit()
        con.execute("VACUUM")
    finally:
        con.close()
    return counts, levels
