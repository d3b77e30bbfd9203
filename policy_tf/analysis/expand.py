"""Expand Action and NotAction patterns against the IAM database.

``Action`` patterns expand to the actions they match (ASCII case-insensitive, ``*`` and ``?``
as IAM reads them, through ``policy_tf.core.iamnames``); ``NotAction`` to its explicit complement: every action in the
database that none of its patterns matches.
"""
from __future__ import annotations

from itertools import chain

from policy_tf.analysis import wildcard
from policy_tf.core import iamnames
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
        self._lower: dict[str, str] = {}         # lower-cased action -> canonical, per service in _lowered
        self._lowered: set[str] = set()
        self._levels: dict[str, str] = {}        # action -> effective access level, of services loaded one by one
        self._by_level: dict[str, set] = {}       # effective access level -> loaded actions
        self._level_texts: dict[str, str] = {}    # effective access level -> all its actions, not yet split
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

    def names(self, prefix: str) -> list[str]:
        """The actions of one service (canonical prefix), sorted."""
        found = self._names.get(prefix)
        if found is None:
            found = self._names[prefix] = []
            for name, level in self.catalog.db.execute(
                    "SELECT name, effective_level FROM actions WHERE prefix = ? ORDER BY name", (prefix,)):
                action = f"{prefix}:{name}"
                found.append(action)
                self._levels[action] = level
                self._by_level.setdefault(level, set()).add(action)
        return found

    @property
    def all(self) -> frozenset:
        if self._all is None:
            if not self._load_lists():
                self._load_rows()
            self._all = frozenset(chain.from_iterable(self._names.values()))
        return self._all

    def _load_lists(self) -> bool:
        """Every action from the database's ``action_lists`` rows (False: a database built before them)."""
        from policy_tf.iamdb.database import sqlite3

        try:
            rows = self.catalog.db.execute("SELECT kind, key, names FROM action_lists").fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return False
            raise
        if not rows:
            return False
        # A level's set is built when first asked for (an audit asks for two of the five).
        self._names = {key: text.split("\n") for kind, key, text in rows if kind == "prefix"}
        self._level_texts = {key: text for kind, key, text in rows if kind == "level"}
        return True

    def _level_set(self, level: str) -> set:
        text = self._level_texts.pop(level, None)
        if text is not None:
            self._by_level[level] = set(text.split("\n"))
        return self._by_level.get(level, set())

    def _load_rows(self) -> None:
        """Every action, row by row (what ``names`` does per service, in bulk)."""
        rows = self.catalog.db.execute(
            "SELECT prefix, prefix || ':' || name, effective_level FROM actions ORDER BY prefix, name").fetchall()
        names: dict[str, list[str]] = {}
        by_level: dict[str, set] = {}
        for prefix, action, level in rows:
            found = names.get(prefix)
            if found is None:
                found = names[prefix] = []
            found.append(action)
            level_actions = by_level.get(level)
            if level_actions is None:
                level_actions = by_level[level] = set()
            level_actions.add(action)
        self._names, self._by_level = names, by_level
        self._levels = {action: level for _, action, level in rows}

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
        found = self._levels.get(action)
        if found is None:  # loaded in bulk: looked up in the few level sets
            levels = {*self._by_level, *self._level_texts}
            found = next((level for level in sorted(levels) if action in self._level_set(level)), "")
        return found

    def of_level(self, actions, level: str) -> frozenset:
        """The subset of ``actions`` (from this index's expansions) at one effective level."""
        return frozenset(self._level_set(level).intersection(actions))

    def prefixes_of(self, actions) -> set:
        """The services (canonical prefixes) of ``actions``, which come from this index's
        expansions (so their services are loaded): for a large set, a set operation per
        loaded service beats splitting every name."""
        if len(actions) < 512:
            return {a.partition(":")[0] for a in actions}
        return {p for p, names in self._names.items() if not actions.isdisjoint(names)}

    def canonical(self, action: str) -> str | None:
        """``S3:getobject`` -> ``s3:GetObject``; None if unknown (or not ASCII: ``\u212Ams`` is not kms)."""
        if not action.isascii():
            return None
        prefix = self.prefixes.get(action.partition(":")[0].lower())
        if prefix is None:
            return None
        if prefix not in self._lowered:
            self._lower.update((a.lower(), a) for a in self.names(prefix))
            self._lowered.add(prefix)
        return self._lower.get(action.lower())

    def expand(self, pattern: str) -> frozenset:
        """The actions ``pattern`` matches; an unknown name or a malformed pattern matches none."""
        found = self._expanded.get(pattern)
        if found is not None:
            return found
        if pattern == "*":
            found = self.all
        elif not iamnames.is_pattern(pattern):
            found = frozenset()  # outside the one grammar (non-ASCII, white space, no colon): no action
        elif not wildcard.has_wildcard(pattern):
            name = self.canonical(pattern)
            found = frozenset([name]) if name else frozenset()
        else:
            service, _, rest = pattern.partition(":")
            if wildcard.has_wildcard(service):
                regex = wildcard.action_regex(service)
                prefixes = [p for low, p in self.prefixes.items() if regex.fullmatch(low)]
            else:
                prefixes = [self.prefixes[iamnames.fold(service)]] if iamnames.fold(service) in self.prefixes else []
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
            distinct = tuple(dict.fromkeys(key))  # ["*"] x 100,000 is one expansion, not 100,000 unions
            if "*" in distinct:
                found = self.all
            elif len(distinct) == 1:
                found = self.expand(distinct[0])
            else:
                out: set = set()
                for p in distinct:
                    out |= self.expand(p)
                found = frozenset(out)
            self._expanded_all[key] = found
        return found

    def complement(self, not_actions) -> frozenset:
        """NotAction's meaning: every action none of the patterns matches; memoized (a set
        difference over every action in the database is worth doing once per pattern list)."""
        key = tuple(dict.fromkeys(not_actions))
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


def level_rows(allowed: dict, index: ActionIndex) -> list[dict]:
    """``{file: [action, ...]}`` as table rows: ``{"file", "action", "access_level"}`` each, in order."""
    return [{"file": file, "action": action, "access_level": index.level(action)}
            for file, actions in allowed.items() for action in actions]


def statement_actions(statement, index: ActionIndex) -> frozenset:
    """The actions a statement names: Action expanded, or NotAction's complement."""
    if statement.actions is not None:
        return index.expand_all(statement.actions)
    if statement.not_actions is not None:
        return index.complement(statement.not_actions)
    return frozenset()
