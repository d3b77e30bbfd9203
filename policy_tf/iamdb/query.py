"""Query the IAM database: actions, ARN formats, condition keys, services.

Every function takes an optional ``db`` (defaults to the database in use). Names are
case-insensitive; unknown names raise ``NotFoundError`` with close-match suggestions.
"""
from __future__ import annotations

from policy_tf.core.errors import not_found
from policy_tf.core.iamnames import fold
from policy_tf.iamdb import access_level as levels
from policy_tf.iamdb.database import Database, get, split

ALL = "all"


def _db(db: Database | None) -> Database:
    return db if db is not None else get()


def service_prefix(service: str, db: Database | None = None) -> str:
    """The canonical prefix for ``service`` (case-insensitive); raises NotFoundError."""
    db = _db(db)
    row = db.execute("SELECT prefix FROM services WHERE prefix = ?", (service.strip(),)).fetchone()
    if row is None:
        raise not_found("service", service, [r[0] for r in db.execute("SELECT prefix FROM services")])
    return row[0]


def _prefixes(service: str, db: Database) -> list[str]:
    if service.strip().lower() == ALL:
        return [r[0] for r in db.execute("SELECT prefix FROM services ORDER BY prefix")]
    return [service_prefix(service, db)]


def service_table(db: Database | None = None) -> list[dict]:
    """Every service: ``{"prefix", "service_name"}``, sorted by prefix."""
    rows = _db(db).execute("SELECT prefix, name FROM services ORDER BY prefix")
    return [{"prefix": p, "service_name": n} for p, n in rows]


def action_names(
    service: str,
    access_level: str | None = None,
    resource_type: str | None = None,
    condition: str | None = None,
    db: Database | None = None,
) -> list[str]:
    """``prefix:Action`` names matching every given filter, sorted.

    ``access_level`` filters on the effective level (after overrides). ``resource_type`` is
    a resource type name of the service, or ``"*"`` for actions that support only ``*``.
    ``condition`` keeps actions that accept that condition key on any of their rows.
    """
    db = _db(db)
    every = service.strip().lower() == ALL
    # --service all needs the list of prefixes only to check a resource type or condition key.
    prefixes = [] if every and not (resource_type or condition) else _prefixes(service, db)
    where, params = (["1"], []) if every else (["a.prefix IN (%s)" % ",".join("?" * len(prefixes))], list(prefixes))
    if access_level:
        where.append("a.effective_level = ?")
        params.append(levels.normalize(access_level))
    if resource_type:
        if resource_type.strip() == "*":
            where.append("NOT EXISTS (SELECT 1 FROM action_resources r WHERE r.prefix = a.prefix AND r.action = a.name "
                         "AND r.resource_type != '')")
        else:
            where.append("EXISTS (SELECT 1 FROM action_resources r WHERE r.prefix = a.prefix AND r.action = a.name "
                         "AND r.resource_type = ?)")
            params.append(_resource_type_names(prefixes, resource_type, db))
    # One string joined by SQLite and split here: turning thousands of rows into Python tuples
    # costs more than the query itself (--service all --access-level read has 5,560).
    # The clauses are constants; every value is a parameter.
    sql = f"SELECT group_concat(a.prefix || ':' || a.name, char(10)) FROM actions a WHERE {' AND '.join(where)}"  # noqa: S608
    names = split(db.execute(sql, tuple(params)).fetchone()[0])
    if condition:
        key = _condition_key(prefixes, condition, db)
        if key is not None:  # None: a global key, which every action accepts
            names = [n for n in names if key.lower() in action_condition_keys(*_pair(n), db=db)]
    return sorted(names)


def named_action(service: str, name: str, access_level: str | None = None, resource_type: str | None = None,
                 condition: str | None = None, db: Database | None = None) -> list[dict]:
    """``[action_details(service, name)]``, or ``[]`` when the action is not among the ``action_names``
    that the filters select (``query action-table --name``)."""
    if service.lower() == ALL:
        from policy_tf.core.errors import InputError

        raise InputError("--name needs one service, not --service all")
    detail = action_details(service, name, db)
    if access_level or resource_type or condition:
        names = action_names(detail["action"].split(":")[0], access_level, resource_type, condition, db)
        if detail["action"] not in names:
            return []
    return [detail]


def _pair(name: str) -> tuple[str, str]:
    """"prefix:Action" -> (prefix, Action)."""
    prefix, _, action = name.partition(":")
    return prefix, action


def action_condition_keys(prefix: str, action: str, db: Database | None = None) -> set[str]:
    """Lower-cased condition keys an action accepts: its own rows' keys plus its resource types' keys.

    AWS lists resource condition keys (such as ``aws:ResourceTag/${TagKey}``) in the Resource
    types table, not on the action's rows, so both places count.
    """
    rows = _db(db).execute(
        "SELECT r.condition_keys, COALESCE(t.condition_keys, '') FROM action_resources r "
        "LEFT JOIN resource_types t ON t.prefix = r.prefix AND t.name = r.resource_type "
        "WHERE r.prefix = ? AND r.action = ?", (prefix, action))
    return {k.lower() for own, typed in rows for k in split(own) + split(typed)}


def _resource_type_names(prefixes: list[str], name: str, db: Database) -> str:
    known = [r[0] for r in db.execute(
        "SELECT DISTINCT name FROM resource_types WHERE prefix IN (%s)" % ",".join("?" * len(prefixes)),  # noqa: S608 - placeholders
        tuple(prefixes))]
    lowered = {k.lower(): k for k in known}
    if fold(name.strip()) not in lowered:
        raise not_found(f"resource type for {prefixes[0] if len(prefixes) == 1 else 'any service'}", name, known)
    return lowered[fold(name.strip())]


def _condition_key(prefixes: list[str], name: str, db: Database) -> str | None:
    """The documented key ``name`` is or stands for (``s3:ExistingObjectTag/backup`` ->
    ``s3:ExistingObjectTag/<key>``) among the services' keys; None for a global key that every
    action accepts (``aws:SourceIp``); unknown keys get suggestions."""
    from policy_tf.iamdb.condition_keys import documented_key, global_key

    known = [r[0] for r in db.execute(
        "SELECT DISTINCT name FROM condition_keys WHERE prefix IN (%s)" % ",".join("?" * len(prefixes)),  # noqa: S608 - placeholders
        tuple(prefixes))]
    found = documented_key(name, known)
    if found is not None:
        return found
    if global_key(name):
        return None
    raise not_found("condition key", name, known)


def action_details(service: str, name: str, db: Database | None = None) -> dict:
    """Everything known about one action (``name`` may be ``Action`` or ``prefix:Action``)."""
    db = _db(db)
    if ":" in name:
        service, name = name.split(":", 1)
    prefix = service_prefix(service, db)
    # The carried column is one of two constants.
    row = db.execute(
        "SELECT name, description, access_level, effective_level, override_reason, permission_only, api_doc, "  # noqa: S608
        f"{_carried_column(db)} FROM actions WHERE prefix = ? AND name = ?", (prefix, name.strip())).fetchone()
    if row is None:
        raise not_found(
            f"action of {prefix}",
            name,
            [r[0] for r in db.execute("SELECT name FROM actions WHERE prefix = ?", (prefix,))],
        )
    action, description, documented, effective, reason, permission_only, api_doc, deps_from = row
    formats = {n: (a, split(o)) for n, a, o in db.execute(
        "SELECT name, arn_format, other_formats FROM resource_types WHERE prefix = ?", (prefix,))}
    resources, action_keys, action_deps = [], [], []
    for rtype, required, keys, deps in db.execute(
        "SELECT resource_type, required, condition_keys, dependent_actions FROM action_resources "
        "WHERE prefix = ? AND action = ? ORDER BY position", (prefix, action)):
        if not rtype:
            action_keys, action_deps = split(keys), split(deps)
            continue
        arn_format, others = formats.get(rtype, ("", []))
        resources.append({
            "resource_type": rtype, "required": bool(required), "arn_format": arn_format,
            **({"other_arn_formats": others} if others else {}),
            "condition_keys": split(keys), "dependent_actions": split(deps),
        })
    return {
        "action": f"{prefix}:{action}",
        "description": description,
        "access_level": effective,
        "documented_access_level": documented,
        "override_reason": reason,
        "permission_only": bool(permission_only),
        "api_documentation": api_doc,
        "resource_types": resources,
        "supports_only_wildcard": not resources,
        "condition_keys": action_keys,
        "dependent_actions": action_deps,
        **({"dependent_actions_from": deps_from} if deps_from else {}),
    }


# Read through the partial index actions_overridden (a handful of rows), not all 20,000 actions.
OVERRIDDEN_SQL = (
    "SELECT prefix, name, access_level, effective_level, override_reason FROM actions WHERE override_reason != ''"
)


def _carried_column(db: Database) -> str:
    """Databases built before July 2026's layout have no dependent_actions_from column."""
    if not hasattr(db, "_has_carried"):
        db._has_carried = any(r[1] == "dependent_actions_from" for r in db.execute("PRAGMA table_info(actions)"))
    return "dependent_actions_from" if db._has_carried else "''"


def operations(service: str, name: str | None = None, db: Database | None = None) -> list[dict]:
    """API operations of a service and the IAM actions each needs (AWS's "API operations" table).

    Each: ``{"service", "operation", "actions": ["prefix:Name", ...], "condition_keys",
    "access_level"}``, sorted by operation; ``name`` matches one operation, case-insensitively.
    A database built before the table existed has no operations: ``[]``.
    """
    db = _db(db)
    prefix = service_prefix(service, db)
    if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'api_operations'").fetchone() is None:
        return []
    sql = "SELECT operation, action, condition_keys, access_level FROM api_operations WHERE prefix = ?"
    params: tuple = (prefix,)
    if name is not None:
        sql += " AND operation = ?"
        params += (name.strip(),)
    found: dict[str, dict] = {}
    for operation, action, keys, level in db.execute(sql + " ORDER BY operation, rowid", params):
        entry = found.setdefault(operation.lower(), {
            "service": prefix, "operation": operation, "actions": [], "condition_keys": [], "access_level": level})
        if action not in entry["actions"]:
            entry["actions"].append(action)
        entry["condition_keys"].extend(k for k in split(keys) if k not in entry["condition_keys"])
        if level and levels.more_sensitive(level, entry["access_level"]):
            entry["access_level"] = level
    _operation_extras(db, prefix, name, found)
    return [found[k] for k in sorted(found)]


def _has_table(db: Database, table: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone() is not None


def _operation_extras(db: Database, prefix: str, name: str | None, found: dict) -> None:
    """The Service Reference JSON's per-operation data, where the database has it for this
    service: ``"context"`` ({"prefix:Action": {key: values}}) and ``"sdk"`` ([{"package",
    "service", "method"}]), on every entry then (tables and CSV take the first row's keys)."""
    where = "WHERE prefix = ?"
    params: tuple[str, ...] = (prefix,)
    if name is not None:
        where, params = where + " AND operation = ?", params + (name.strip(),)
    # ``where`` is one of two constant texts; the values are bound parameters.
    context = db.execute(
        f"SELECT operation, action, key, context_values FROM operation_context {where} ORDER BY rowid",  # noqa: S608
        params).fetchall() if _has_table(db, "operation_context") else []
    sdk = db.execute(
        f"SELECT operation, package, sdk_service, method FROM operation_sdk {where} ORDER BY rowid",  # noqa: S608
        params).fetchall() if _has_table(db, "operation_sdk") else []
    if not context and not sdk:
        return
    for entry in found.values():
        entry["context"], entry["sdk"] = {}, []
    for operation, action, key, values in context:
        entry = found.get(operation.lower())
        if entry is not None:
            entry["context"].setdefault(action, {})[key] = split(values)
    for operation, package, sdk_service, method in sdk:
        entry = found.get(operation.lower())
        if entry is not None:
            entry["sdk"].append({"package": package, "service": sdk_service, "method": method})


def sdk_operations(package: str, sdk_service: str, db: Database | None = None) -> dict[str, tuple[str, str]]:
    """SDK method -> (IAM prefix, operation), from the Service Reference JSON's per-operation data
    (``{}`` when the database has none): ``sdk_operations("Boto3", "s3")["get_object"]``."""
    db = _db(db)
    if not _has_table(db, "operation_sdk"):
        return {}
    return {method: (prefix, operation) for prefix, operation, method in db.execute(
        "SELECT prefix, operation, method FROM operation_sdk WHERE package = ? AND sdk_service = ? ORDER BY rowid",
        (package, sdk_service))}


def overridden(names: list[str], db: Database | None = None, canonical: bool = False) -> list[dict]:
    """The subset of ``prefix:Action`` names whose effective level differs from the documented one.

    ``canonical``: the names are spelt as the database spells them (as ``action_names`` returns
    them), so they are compared as they are instead of case-insensitively (thousands of names).
    """
    db = _db(db)
    wanted = set(names) if canonical else {fold(n) for n in names}
    rows = db.execute(OVERRIDDEN_SQL)
    return [
        {"action": f"{p}:{n}", "documented_access_level": d, "access_level": e, "override_reason": r}
        for p, n, d, e, r in rows if (f"{p}:{n}" if canonical else f"{p}:{n}".lower()) in wanted
    ]


def action_rows(names: list[str], db: Database | None = None) -> list[dict]:
    """One table row per action name (``service:Action``): its access level, the documented one
    where they differ (an override, or a dual level such as "Tagging, Write"), and its resource
    types (``*`` after a required one; ``"*"`` when it has none)."""
    db = _db(db)
    rows = []
    for name in names:
        prefix, _, action = name.partition(":")
        detail = action_details(prefix, action, db)
        documented = detail["documented_access_level"]
        rows.append({"action": detail["action"], "access_level": detail["access_level"],
                     "documented": documented if documented != detail["access_level"] else "",
                     "resource_types": [r["resource_type"] + ("*" if r["required"] else "")
                                        for r in detail["resource_types"]] or "*"})
    return rows


def arn_types(rows: list[dict], service: str) -> dict[str, str]:
    """``arn_table`` rows as resource type -> ARN format; ``service:type`` keys for ``all``."""
    every = service.lower() == ALL
    return {f"{r['service']}:{r['resource_type']}" if every else r["resource_type"]: r["arn_format"] for r in rows}


def _rows_of(db: Database, table: str, columns: str, prefixes: list[str]) -> list[tuple]:
    """(prefix, name, *columns) rows of a per-service table, for these prefixes, sorted."""
    # table and columns are constants of this module; the prefixes are parameters.
    return db.execute(f"SELECT prefix, name, {columns} FROM {table} WHERE prefix IN (%s) ORDER BY prefix, name"  # noqa: S608
                      % ",".join("?" * len(prefixes)), tuple(prefixes)).fetchall()


def arn_table(service: str, name: str | None = None, db: Database | None = None) -> list[dict]:
    """Resource types of a service: ``{"resource_type", "arn_format", "condition_keys"}``."""
    db = _db(db)
    rows = _rows_of(db, "resource_types", "arn_format, other_formats, condition_keys", _prefixes(service, db))
    if name:
        wanted = fold(name.strip())
        matching = [r for r in rows if r[1].lower() == wanted]
        if not matching:
            raise not_found(f"resource type of {service}", name, [r[1] for r in rows])
        rows = matching
    return [{"service": p, "resource_type": n, "arn_format": a, **({"other_arn_formats": split(o)} if o else {}),
             "condition_keys": split(k)} for p, n, a, o, k in rows]


def condition_table(service: str, name: str | None = None, db: Database | None = None) -> list[dict]:
    """Condition keys of a service: ``{"condition_key", "type", "description"}``."""
    db = _db(db)
    rows = _rows_of(db, "condition_keys", "type, description", _prefixes(service, db))
    if name:
        from policy_tf.iamdb.condition_keys import documented_key, global_key

        # A concrete key (s3:ExistingObjectTag/backup, aws:ResourceTag/Owner) finds its documented pattern.
        found = documented_key(name, [r[1] for r in rows])
        matching = [r for r in rows if r[1] == found]
        if not matching:
            known = global_key(name)
            if known is None:
                raise not_found(f"condition key of {service}", name, [r[1] for r in rows])
            return [{"service": "aws", "condition_key": known[0], "type": known[1],
                     "description": "AWS global condition context key, available in every request"}]
        rows = matching
    return [{"service": p, "condition_key": n, "type": t, "description": d} for p, n, t, d in rows]


def age_days(date: str, today=None) -> int | None:
    """Whole days from ``date`` (YYYY-MM-DD, or YYYY-MM) to today; None if unknown."""
    import datetime

    try:
        day = datetime.date.fromisoformat(date if len(date) > 7 else f"{date}-01")
    except (TypeError, ValueError):
        return None
    return ((today or datetime.date.today()) - day).days


def info(db: Database | None = None) -> dict:
    """Which database is in use, where it came from, and its counts."""
    import json

    db = _db(db)
    meta = db.meta
    data_date = meta.get("data_date") or meta.get("built_at", "")[:10]
    return {
        "path": str(db.path),
        "kind": db.kind,
        "source": meta.get("source", ""),
        "built_at": meta.get("built_at", ""),
        "data_date": data_date,
        "data_age_days": age_days(data_date),
        "parts": json.loads(meta.get("parts", "{}")),
        "schema_version": meta.get("schema_version", ""),
        "policy_tf_version": meta.get("policy_tf_version", ""),
        "counts": json.loads(meta.get("counts", "{}")),
        "documented_access_levels": json.loads(meta.get("levels", "{}")),
        "overrides": int(meta.get("overrides", "0")),
        "build_warnings": json.loads(meta.get("warnings", "[]")),
        "note": db.note,
    }
