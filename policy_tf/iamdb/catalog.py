"""Database lookups for writing policies, cached per database (1,000 templates share them)."""
from __future__ import annotations

from collections import namedtuple
from functools import cached_property

from policy_tf.core import iamnames
from policy_tf.iamdb.arn import ArnMatcher
from policy_tf.iamdb.database import Database, get, split

# One action with one of its resource types ('' = the row without a resource type);
# level is the effective access level.
ActionRow = namedtuple("ActionRow", "prefix action level resource_type required condition_keys dependent_actions")


class Catalog:
    def __init__(self, db: Database):
        self.db = db
        self._rows: dict[tuple[str, str], list[ActionRow]] = {}
        self._by_type: dict[tuple[str, str], list[ActionRow]] = {}
        self._service_names: dict[str, dict[str, str]] = {}
        self._matchers: dict[str, ArnMatcher] = {}
        # Memoized look-ups: 1,000 templates in one process ask the same questions again.
        self._formats: dict[tuple[str, str], list[str]] = {}
        self._levels: dict[tuple[str, str], str] = {}
        self._canonical: dict[tuple[str, str], str | None] = {}
        self._resource_keys: dict[tuple[str, str], tuple[str, ...]] = {}
        # Callers' own look-ups derived from this database (name -> dict), shared by every template.
        self.memo: dict[str, dict] = {}

    def match(self, arn) -> list[tuple[str, str]]:
        """(prefix, resource type) keys whose ARN format the ARN (an ``Arn``) matches best."""
        matcher = self._matchers.get(arn.service)
        if matcher is None:
            # Only the ARN's own service field's formats, plus the few whose service field is a
            # variable (AWS Backup recovery points): loading all 2,231 costs start-up time. A range,
            # not LIKE '${%', so that both halves are read from the index ('|' follows '{').
            rows = self.db.execute(
                "SELECT prefix, resource_type, arn_format FROM arn_formats "
                "WHERE arn_service = ? OR (arn_service >= '${' AND arn_service < '$|')",
                (arn.service,)).fetchall()
            matcher = self._matchers[arn.service] = ArnMatcher(((p, t), f) for p, t, f in rows)
        return matcher.match(arn)

    @cached_property
    def prefixes(self) -> dict[str, str]:
        """Lower-cased prefix -> prefix."""
        return {p.lower(): p for (p,) in self.db.execute("SELECT prefix FROM services")}

    def _names(self, prefix: str) -> dict[str, str]:
        """Lower-cased action name -> action name, for one service (loaded when first needed)."""
        names = self._service_names.get(prefix)
        if names is None:
            names = self._service_names[prefix] = {
                iamnames.fold(n): n for (n,) in self.db.execute("SELECT name FROM actions WHERE prefix = ?", (prefix,))}
        return names

    def action_names(self, prefix: str) -> list[str]:
        return sorted(self._names(prefix).values())

    def canonical(self, prefix: str, name: str) -> str | None:
        key = (prefix, name)
        if key not in self._canonical:
            # ASCII case-insensitive, as IAM compares action names and as wildcards match them.
            self._canonical[key] = self._names(prefix).get(iamnames.fold(name))
        return self._canonical[key]

    def expand(self, pattern: str) -> list[tuple[str, str]]:
        """(prefix, action) pairs matching an IAM action pattern such as ``s3:Get*`` (case-insensitive)."""
        if not iamnames.is_pattern(pattern):
            return []  # not ASCII, white space, brackets...: no action has such a name
        service, _, name = pattern.partition(":")
        if pattern == "*":
            service = name = "*"
        if not iamnames.has_wildcard(pattern):
            prefix = self.prefixes.get(iamnames.fold(service))
            action = self.canonical(prefix, name) if prefix else None
            return [(prefix, action)] if prefix and action else []
        prefixes = [p for low, p in self.prefixes.items() if iamnames.matches(service, low)]
        return sorted((p, a) for p in prefixes for a in self._names(p).values() if iamnames.matches(name, a))

    def rows(self, prefix: str, action: str) -> list[ActionRow]:
        key = (prefix, action)
        found = self._rows.get(key)  # one look-up when cached: the writer asks ~60 times a template
        if found is not None:
            return found
        if key not in self._rows:
            self._rows[key] = [
                ActionRow(prefix, action, level, rtype, bool(req), tuple(split(keys)), tuple(split(deps)))
                for level, rtype, req, keys, deps in self.db.execute(
                    "SELECT a.effective_level, r.resource_type, r.required, r.condition_keys, r.dependent_actions "
                    "FROM actions a JOIN action_resources r ON r.prefix = a.prefix AND r.action = a.name "
                    "WHERE a.prefix = ? AND a.name = ? ORDER BY r.position", key)
            ]
        return self._rows[key]

    def level(self, prefix: str, action: str) -> str:
        key = (prefix, action)
        if key not in self._levels:
            row = self.db.execute("SELECT effective_level FROM actions WHERE prefix = ? AND name = ?", key).fetchone()
            self._levels[key] = row[0] if row else ""
        return self._levels[key]

    def by_resource_type(self, prefix: str, resource_type: str) -> list[ActionRow]:
        """Every action row naming this resource type."""
        key = (prefix, resource_type)
        if key not in self._by_type:
            self._by_type[key] = [
                ActionRow(prefix, action, level, rtype, bool(req), tuple(split(keys)), tuple(split(deps)))
                for action, level, rtype, req, keys, deps in self.db.execute(
                    "SELECT r.action, a.effective_level, r.resource_type, r.required, "
                    "r.condition_keys, r.dependent_actions "
                    "FROM action_resources r JOIN actions a ON a.prefix = r.prefix AND a.name = r.action "
                    "WHERE r.prefix = ? AND r.resource_type = ? ORDER BY r.action",
                    key,
                )
            ]
        return self._by_type[key]

    def wildcard_only(self, prefix: str, level: str) -> list[str]:
        """Actions of a service at this level that support only ``*``."""
        return [
            a
            for (a,) in self.db.execute(
                "SELECT a.name FROM actions a WHERE a.prefix = ? AND a.effective_level = ? AND NOT EXISTS "
                "(SELECT 1 FROM action_resources r WHERE r.prefix = a.prefix AND r.action = "
                "a.name AND r.resource_type != '') "
                "ORDER BY a.name",
                (prefix, level),
            )
        ]

    def formats(self, prefix: str, resource_type: str) -> list[str]:
        """A resource type's ARN formats (a few have two), from the primary-keyed table, memoized."""
        key = (prefix, resource_type)
        if key not in self._formats:
            row = self.db.execute(
                "SELECT arn_format, other_formats FROM resource_types WHERE prefix = ? AND name = ?", key
            ).fetchone()
            self._formats[key] = [row[0], *split(row[1])] if row else []
        return self._formats[key]

    def formats_for_service(self, arn_service: str) -> list[str]:
        return [
            f"{p}:{t} {f}"
            for p, t, f in self.db.execute(
                "SELECT prefix, resource_type, arn_format FROM arn_formats WHERE arn_service = "
                "? ORDER BY prefix, resource_type",
                (arn_service,),
            )
        ]

    def resource_keys(self, prefix: str, resource_type: str) -> tuple[str, ...]:
        key = (prefix, resource_type)
        if key not in self._resource_keys:
            row = self.db.execute(
                "SELECT condition_keys FROM resource_types WHERE prefix = ? AND name = ?", key
            ).fetchone()
            self._resource_keys[key] = tuple(split(row[0])) if row else ()
        return self._resource_keys[key]

    @cached_property
    def key_types(self) -> dict[str, str]:
        """Lower-cased service condition key -> type (patterns keep their ``${...}``)."""
        return {name.lower(): kind for name, kind in self.db.execute("SELECT name, type FROM condition_keys")}


_CATALOGS: dict[str, Catalog] = {}


def catalog(db: Database | None = None) -> Catalog:
    db = db or get()
    found = _CATALOGS.get(str(db.path))
    if found is None or found.db is not db:
        found = _CATALOGS[str(db.path)] = Catalog(db)
    return found


def resource_types_for_arn(arn: str, db: Database | None = None) -> list[str]:
    """``service:resource-type`` names whose ARN format ``arn`` matches best (exact matching)."""
    from policy_tf.iamdb.arn import parse_arn

    return sorted(f"{prefix}:{rtype}" for prefix, rtype in catalog(db).match(parse_arn(arn)))
