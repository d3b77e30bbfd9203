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
    """The actions of the database, loaded per service when first needed (a small policy
    touches a few services; ``*`` and NotAction need them all), with memoized expansion."""

    def __init__(self, cat: Catalog):
        self.catalog = cat
        self._names: dict[str, list[str]] = {}   # prefix -> canonical "prefix:Name", sorted
        self._lower: dict[str, str] = {}         # lower-cased action -> canonical
        self._levels: dict[str, str] = {}        # action -> effective access level
        self._by_level: dict[str, set] = {}       # effective access level -> loaded actions
        self._expanded: dict[str, frozenset] = {}
        self._expanded_all: dict[tuple, frozenset] = {}  # a statement's patterns -> one shared set
        self._complements: dict[tuple, frozenset] = {}
        self._all: frozenset | None = None
        self._count: int | None = None
        self._memos: dict[str, dict] = {}

    def memo(self, name: str) -> dict:
        """A memo table that lives as long as this index (checks keep what they derived from
        the database here, so a new database never sees another's results)."""
        table = self._memos.get(name)
        if table is None:
            table = self._memos[name] = {}
        return table

    @property
    def prefixes(self) -> dict[str, str]:
        """Lower-cased prefix -> prefix."""
        return self.catalog.prefixes

    def _add(self, prefix: str, name: str, level: str) -> None:
        action = f"{prefix}:{name}"
        self._names.setdefault(prefix, []).append(action)
        self._lower[action.lower()] = action
        self._levels[action] = level
        self._by_level.setdefault(level, set()).add(action)

    def names(self, prefix: str) -> list[str]:
        """The actions of one service (canonical prefix), sorted."""
        found = self._names.get(prefix)
        if found is None:
            self._names[prefix] = []
            for name, level in self.catalog.db.execute(
                    "SELECT name, effective_level FROM actions WHERE prefix = ? ORDER BY name", (prefix,)):
                self._add(prefix, name, level)
            found = self._names[prefix]
        return found

    @property
    def all(self) -> frozenset:
        if self._all is None:
            # What _add does per action, in bulk: '*' and NotAction load all ~20k at once.
            rows = self.catalog.db.execute(
                "SELECT prefix, prefix || ':' || name, effective_level FROM actions ORDER BY prefix, name").fetchall()
            names: dict[str, list[str]] = {}
            by_level: dict[str, list[str]] = {}
            for prefix, action, level in rows:
                found = names.get(prefix)
                if found is None:
                    found = names[prefix] = []
                found.append(action)
                found = by_level.get(level)
                if found is None:
                    found = by_level[level] = []
                found.append(action)
            self._names = names
            self._levels = {action: level for _, action, level in rows}
            self._lower = {action.lower(): action for action in self._levels}
            self._by_level = {level: set(actions) for level, actions in by_level.items()}
            self._all = frozenset(self._levels)
        return self._all

    @property
    def count(self) -> int:
        """How many actions the database has (without loading them)."""
        if self._all is not None:
            return len(self._all)
        if self._count is None:
            self._count = self.catalog.db.execute("SELECT COUNT(*) FROM actions").fetchone()[0]
        return self._count

    def level(self, action: str) -> str:
        """The effective access level of a canonical action ('' if unknown)."""
        self.names(action.partition(":")[0])
        return self._levels.get(action, "")

    def of_level(self, actions, level: str) -> frozenset:
        """The subset of ``actions`` (from this index's expansions) at one effective level."""
        return frozenset(self._by_level.get(level, set()).intersection(actions))

    def prefixes_of(self, actions) -> set:
        """The services (canonical prefixes) of ``actions``, which come from this index's
        expansions (so their services are loaded): for a large set, a set operation per
        loaded service beats splitting every name."""
        if len(actions) < 512:
            return {a.partition(":")[0] for a in actions}
        return {p for p, names in self._names.items() if not actions.isdisjoint(names)}

    def canonical(self, action: str) -> str | None:
        """``S3:getobject`` -> ``s3:GetObject``; None if unknown."""
        prefix = self.prefixes.get(action.partition(":")[0].lower())
        if prefix is None:
            return None
        self.names(prefix)
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
                found = frozenset(a for p in prefixes for a in self.names(p))
            else:
                regex = wildcard.action_regex(pattern)
                found = frozenset(a for p in prefixes for a in self.names(p) if regex.fullmatch(a))
        self._expanded[pattern] = found
        return found

    def expand_all(self, patterns) -> frozenset:
        """The union of what ``patterns`` match; memoized, so statements that name the same
        patterns share one set (later set operations and memo keys then compare by identity)."""
        key = tuple(patterns)
        found = self._expanded_all.get(key)
        if found is None:
            if len(key) == 1:
                found = self.expand(key[0])
            else:
                out: set = set()
                for p in key:
                    out |= self.expand(p)
                found = frozenset(out)
            self._expanded_all[key] = found
        return found

    def complement(self, not_actions) -> frozenset:
        """NotAction's meaning: every action none of the patterns matches; memoized (a set
        difference over every action in the database is worth doing once per pattern list)."""
        key = tuple(not_actions)
        found = self._complements.get(key)
        if found is None:
            found = self._complements[key] = self.all - self.expand_all(key)
        return found


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
