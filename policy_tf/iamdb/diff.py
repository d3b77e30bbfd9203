"""What changed between two IAM databases: ``policy_tf db diff OLD NEW`` and ``make db``.

Names are compared case-insensitively (AWS sometimes fixes the case of a name) and shown
as the new database spells them. Access-level changes compare the effective levels, the
ones policies are written with: a documented "Write" that became "Tagging, Write" but is
still Tagging after precedence and overrides is no change for any policy.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from policy_tf.core.errors import InputError

KINDS = ("services", "actions", "resource_types", "condition_keys")


def _open(path: Path) -> sqlite3.Connection:
    if not Path(path).is_file():
        raise InputError(f"{path}: database not found")
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        con.execute("SELECT 1 FROM meta LIMIT 1")
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{path}: not a policy_tf IAM database ({exc})") from None
    return con


def _snapshot(path: Path) -> dict:
    con = _open(path)
    try:
        meta = dict(con.execute("SELECT key, value FROM meta"))
        names = {
            "services": {p.lower(): p for (p,) in con.execute("SELECT prefix FROM services")},
            "actions": {}, "resource_types": {}, "condition_keys": {},
        }
        levels = {}
        for prefix, name, level in con.execute("SELECT prefix, name, effective_level FROM actions"):
            key = f"{prefix}:{name}"
            names["actions"][key.lower()] = key
            levels[key.lower()] = level
        for prefix, name in con.execute("SELECT prefix, name FROM resource_types"):
            names["resource_types"][f"{prefix}:{name}".lower()] = f"{prefix}:{name}"
        for prefix, name in con.execute("SELECT prefix, name FROM condition_keys"):
            # A service's own keys carry its prefix; others (aws:..., placeholders) say whose they are.
            shown = name if name.lower().startswith(f"{prefix.lower()}:") else f"{name} ({prefix})"
            names["condition_keys"][shown.lower()] = shown
    finally:
        con.close()
    about = {"path": str(path), "source": meta.get("source", ""),
             "data_date": meta.get("data_date") or meta.get("built_at", "")[:10]}
    return {"about": about, "names": names, "levels": levels}


def diff(old: Path, new: Path) -> dict:
    """Services, actions, resource types and condition keys added and removed, and level changes."""
    a, b = _snapshot(old), _snapshot(new)
    out: dict = {"old": a["about"], "new": b["about"]}
    for kind in KINDS:
        before, after = a["names"][kind], b["names"][kind]
        out[f"{kind}_added"] = sorted(after[k] for k in after.keys() - before.keys())
        out[f"{kind}_removed"] = sorted(before[k] for k in before.keys() - after.keys())
    out["access_level_changes"] = [
        {"action": b["names"]["actions"][k], "old": a["levels"][k], "new": b["levels"][k]}
        for k in sorted(a["levels"].keys() & b["levels"].keys(), key=lambda k: b["names"]["actions"][k])
        if a["levels"][k] != b["levels"][k]
    ]
    return out


def summary(result: dict) -> str:
    """One line of counts, for a changelog."""
    parts = [
        f"{len(result[f'{k}_added'])} {k.replace('_', ' ')} added, {len(result[f'{k}_removed'])} removed" for k in KINDS
    ]
    return "; ".join(parts) + f"; {len(result['access_level_changes'])} access levels changed"


def to_text(result: dict, limit: int | None = None) -> str:
    """The diff for people: a summary, then every name (or the first ``limit`` of each list)."""
    old, new = result["old"], result["new"]
    lines = [f"old: {old['path']} ({old['source']}, data of {old['data_date'] or 'unknown date'})",
             f"new: {new['path']} ({new['source']}, data of {new['data_date'] or 'unknown date'})",
             summary(result)]
    sections = [
        (f"{k.replace('_', ' ')} {change}", result[f"{k}_{change}"]) for k in KINDS for change in ("added", "removed")
    ]
    sections.append(("access levels changed",
                     [f"{c['action']}: {c['old']} -> {c['new']}" for c in result["access_level_changes"]]))
    for title, items in sections:
        if not items:
            continue
        shown = items if limit is None else items[:limit]
        more = f" (first {len(shown)} of {len(items)})" if len(shown) < len(items) else ""
        lines.append(f"{title}{more}:")
        lines += [f"  {item}" for item in shown]
    return "\n".join(lines) + "\n"


def to_json(result: dict) -> str:
    return json.dumps(result, indent=2) + "\n"
