"""Expand Action and NotAction patterns against the IAM database.

``Action`` patterns expand to the actions they match (case-insensitive, ``*`` and ``?``
as IAM reads them); ``NotAction`` to its explicit complement: every action in the
database that none of its patterns matches.
"""
from __future__ import annotations

from policy_tf.analysis import wildcard
from policy_tf.iamdb.catalog import Catalog, catalog

TYPE_CHECKING = False
if TYPE_CHECKING:
    from policy_tf.iamdb.database import Database


class ActionIndex:
    """Every action of the database, by service, with memoized pattern expansion."""

    def __init__(self, cat: Catalog):
        self.catalog = cat
        by_prefix: dict[str, list[str]] = {}
        self.levels: dict[str, str] = {}  # action -> effective access level
        for prefix, name, level in cat.db.execute("SELECT prefix, name, effective_level FROM actions ORDER BY prefix, name"):
            action = f"{prefix}:{name}"
            by_prefix.setdefault(prefix, []).append(action)
            self.levels[action] = level
        self.by_prefix = by_prefix
        self.prefixes = {p.lower(): p for p in by_prefix}
        self.all = frozenset(a for names in by_prefix.values() for a in names)
        self._lower = {a.lower(): a for a in self.all}
        self._expanded: dict[str, frozenset] = {}

    def canonical(self, action: str) -> str | None:
        """``S3:getobject`` -> ``s3:GetObject``; None if unknown."""
        return self._lower.get(action.lower())

    def expand(self, pattern: str) -> frozenset:
        """The actions ``pattern`` matches; an unknown name or a malformed pattern matches none."""
        found = self._expanded.get(pattern)
        if found is not None:
            return found
        if pattern == "*":
            found = self.all
        elif ":" not in pattern:
            found = frozenset()
        elif not wildcard.has_wildcard(pattern):
            name = self.canonical(pattern)
            found = frozenset([name]) if name else frozenset()
        else:
            service, _, rest = pattern.partition(":")
            if wildcard.has_wildcard(service):
                regex = wildcard.action_regex(service)
                prefixes = [p for low, p in self.prefixes.items() if regex.fullmatch(low)]
            else:
                prefixes = [self.prefixes[service.lower()]] if service.lower() in self.prefixes else []
            if rest == "*":
                found = frozenset(a for p in prefixes for a in self.by_prefix[p])
            else:
                regex = wildcard.action_regex(pattern)
                found = frozenset(a for p in prefixes for a in self.by_prefix[p] if regex.fullmatch(a))
        self._expanded[pattern] = found
        return found

    def expand_all(self, patterns) -> frozenset:
        out: set = set()
        for p in patterns:
            out |= self.expand(p)
        return frozenset(out)

    def complement(self, not_actions) -> frozenset:
        """NotAction's meaning: every action none of the patterns matches."""
        return self.all - self.expand_all(not_actions)

    def service_of(self, action: str) -> str:
        return action.partition(":")[0]


_INDEXES: dict[str, ActionIndex] = {}


def action_index(db: Database | None = None) -> ActionIndex:
    cat = catalog(db)
    found = _INDEXES.get(str(cat.db.path))
    if found is None or found.catalog is not cat:
        found = _INDEXES[str(cat.db.path)] = ActionIndex(cat)
    return found


def statement_actions(statement, index: ActionIndex) -> frozenset:
    """The actions a statement names: Action expanded, or NotAction's complement."""
    if statement.actions is not None:
        return index.expand_all(statement.actions)
    if statement.not_actions is not None:
        return index.complement(statement.not_actions)
    return frozenset()
