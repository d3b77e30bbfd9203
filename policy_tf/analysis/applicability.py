"""Which actions a Resource element can grant: an action granted on a resource that matches
none of its resource types grants nothing.

An action that supports only ``*`` is granted only by a Resource that matches the string
``*`` itself. For an ARN, the resource types it reaches are:

* for an ARN without wildcards, the database's exact matching (``Catalog.match``);
* for a pattern, the union of what ``Catalog.match`` finds (``*`` read as a variable's
  value: ``role/app/*`` is a role) and every format the pattern overlaps as IAM reads
  ``*`` (it crosses ``/``: ``arn:aws:s3:::*`` reaches objects as well as buckets), where a
  variable never takes a ``/`` or ``:`` that the pattern itself writes
  (``arn:aws:s3:::b/*`` is no bucket).

Policy variables count as ``*`` (they may take any value at request time).
"""
from __future__ import annotations

import re
from functools import lru_cache

from policy_tf.analysis import wildcard
from policy_tf.core.errors import InputError
from policy_tf.iamdb.arn import parse_arn
from policy_tf.iamdb.arn import tokens as arn_tokens

_VARIABLE = re.compile(r"\$?\{[^{}]*\}|\*")


@lru_cache(maxsize=16384)
def tokens(text: str) -> tuple:
    """A format field as literal characters and None for each variable."""
    return tuple(arn_tokens(text))


@lru_cache(maxsize=65536)
def field_overlap(glob: str, fmt: tuple, last: bool) -> bool:
    """Whether some value fits both the user's glob and a format field.

    A format variable takes one or more characters. It takes a ``/`` the glob writes only
    when the format itself is a path (has a literal ``/`` or ``:``: ``role/${RoleNameWithPath}``,
    ``${BucketName}/${ObjectName}``), so ``b/*`` is never a bucket; it takes a written
    ``:`` only when it ends the resource field.

    The globs policies hold are mostly literal or end in their only ``*`` (``b/*``,
    ``parameter/app/*``): those are read left to right in ``_fits`` (the value itself, or
    a prefix of one, since a final ``*`` can complete any prefix); any other glob is searched
    for in ``overlap_search``.
    """
    star = glob.find("*")
    if "?" not in glob and (star == -1 or star == len(glob) - 1):
        return _fits(glob if star == -1 else glob[:-1], fmt, last, star != -1)
    return overlap_search(glob, fmt, last)


@lru_cache(maxsize=16384)
def _loose(fmt: tuple) -> bool:
    """Whether the format is a path (a literal ``/`` or ``:``): its variables may take ``/``."""
    return any(c is not None and c in "/:" for c in fmt)


@lru_cache(maxsize=16384)
def _lead(fmt: tuple) -> str | None:
    """The literal text before the format's only variable when that variable ends it
    (``key/${KeyId}``, ``${QueueName}``: most formats), else None."""
    if fmt and fmt[-1] is None and None not in fmt[:-1]:
        return "".join(fmt[:-1])
    return None


def _fits(text: str, fmt: tuple, last: bool, prefix: bool) -> bool:
    """Whether the literal ``text`` is a value of the format (with ``prefix``: the start of
    one). A format that is a lead and one variable is read directly (what ``_fits_search``
    finds: the lead, then the variable's characters), any other by the search."""
    lead = _lead(fmt)
    if lead is None:
        return _fits_search(text, fmt, last, prefix)
    if not text.startswith(lead):
        return prefix and lead.startswith(text)
    rest = text[len(lead):]
    if not rest:
        return prefix  # the variable takes one character or more
    return ("/" not in rest or _loose(fmt)) and (":" not in rest or last)


def _fits_search(text: str, fmt: tuple, last: bool, prefix: bool) -> bool:
    """``_fits`` by a walk of the format's states: (format position, whether its variable has
    taken a character)."""
    m = len(fmt)
    if text and m and fmt[0] is not None and fmt[0] != text[0]:
        return False  # most formats of a service part from a value at once (arn:...:table/ vs key/)
    loose = _loose(fmt)
    states = {(0, False)}
    for g in text:
        after = set()
        for j, inside in states:
            # Inside a variable, it takes ``g`` too, or ends and ``g`` goes to what follows.
            for k in ((j, j + 1) if inside else (j,)):
                if k < m:
                    f = fmt[k]
                    if f is None:
                        if (g != "/" or loose) and (g != ":" or (last and k == m - 1)):
                            after.add((k, True))
                    elif f == g:
                        after.add((k + 1, False))
        if not after:
            return False
        states = after
    return prefix or any(j == m or (inside and j == m - 1) for j, inside in states)


def overlap_search(glob: str, fmt: tuple, last: bool) -> bool:
    """``field_overlap`` by a search of the product of the glob and the format."""
    n, m = len(glob), len(fmt)
    # While both sides are literal characters the only way on is for them to be equal: walk
    # that common start first (most formats of a service differ from a pattern right there).
    start = 0
    while start < n and start < m:
        g, f = glob[start], fmt[start]
        if f is None or g == "*" or g == "?":
            break
        if g != f:
            return False
        start += 1
    if start == n and start == m:
        return True
    loose = _loose(fmt)

    def literal_fits(g: str, j: int) -> bool:
        if g == "/":
            return loose
        if g == ":":
            return last and j == m - 1
        return True

    memo: dict = {}

    def go(i: int, j: int, inside: bool) -> bool:
        key = (i, j, inside)
        found = memo.get(key)
        if found is None:
            found = memo[key] = step(i, j, inside)
        return found

    def step(i: int, j: int, inside: bool) -> bool:
        if i == n and j == m:
            return True
        if i < n and glob[i] == "*" and go(i + 1, j, inside):
            return True  # the glob's * takes nothing more
        if j < m and fmt[j] is None and inside and go(i, j + 1, False):
            return True  # the variable ends
        if i < n and j < m:
            g, f = glob[i], fmt[j]
            if f is None:
                if g == "*":
                    return not inside and go(i, j, True)  # the * gives the variable its characters
                if g == "?" or literal_fits(g, j):
                    return go(i + 1, j, True)
            elif g == "*":
                return go(i, j + 1, False)  # the * covers a literal of the format
            elif g == "?" or g == f:
                return go(i + 1, j + 1, False)
        return False

    return go(start, start, False)


def first_literal(fmt: tuple) -> str | None:
    """The literal character a format field starts with (None: a variable, or empty)."""
    return fmt[0] if fmt and fmt[0] is not None else None


def may_start(first: str | None, glob: str) -> bool:
    """Whether a glob can fit a format field starting with ``first`` (see first_literal), by
    its first character alone: the cheap test that rules most of a service's formats out."""
    return first is None or (glob != "" and (glob[0] == first or glob[0] == "*" or glob[0] == "?"))


class ResourceResolver:
    """Memoized: the (prefix, resource type) keys a Resource pattern can reach."""

    def __init__(self, cat):
        self.catalog = cat
        self._formats: dict[str, list] = {}
        self._types: dict[str, frozenset] = {}
        self._action_types: dict[str, tuple[dict, dict]] = {}
        self._applicable: dict[str, frozenset | None] = {}
        self._broad: dict[str, frozenset | None] = {}
        self._not: dict[tuple, frozenset | None] = {}
        self._typed_sets: dict[frozenset, frozenset] = {}

    def _formats_for(self, service: str):
        """(prefix, resource type, format fields) of the formats an ARN with this service
        field can reach: its own and those whose service field is a variable; all of them for
        a wildcard service field."""
        key = service if not wildcard.has_wildcard(service) else "*"
        found = self._formats.get(key)
        if found is None:
            if key == "*":
                rows = self.catalog.db.execute("SELECT prefix, resource_type, arn_format FROM arn_formats")
            else:
                rows = self.catalog.db.execute(
                    "SELECT prefix, resource_type, arn_format FROM arn_formats WHERE arn_service = ? OR "
                    "arn_service LIKE '${%'",
                    (service,))
            found = self._formats[key] = []
            for p, t, f in rows:
                if f.count(":") >= 5:
                    fields = tuple(tokens(part) for part in f.split(":", 5))
                    found.append((p.lower(), t.lower(), fields, first_literal(fields[5])))
        return found

    def types(self, pattern: str) -> frozenset:
        """Lower-cased (prefix, resource type) keys; ``*`` is not handled here (it reaches all)."""
        found = self._types.get(pattern)
        if found is not None:
            return found
        text = wildcard.variables_as_wildcards(pattern)
        keys: set = set()
        fields = text.split(":", 5)
        if len(fields) == 6 and fields[0] == "arn":
            try:
                arn = parse_arn(text)
            except InputError:
                arn = None
            if arn is not None and not wildcard.has_wildcard(arn.service):
                keys |= {(p.lower(), t.lower()) for p, t in self.catalog.match(arn)}
            if wildcard.has_wildcard(text):
                resource, head = fields[5], fields[:5]
                for prefix, rtype, fmt, first in self._formats_for(fields[2]):
                    if (may_start(first, resource) and field_overlap(resource, fmt[5], True)
                            and all(field_overlap(g, f, False) for g, f in zip(head, fmt))):
                        keys.add((prefix, rtype))
        found = self._types[pattern] = frozenset(keys)
        return found

    def _tables(self, prefix: str) -> tuple[dict, dict]:
        """(action -> its resource types, resource type -> its actions) of one service, lower-cased types."""
        key = prefix.lower()
        tables = self._action_types.get(key)
        if tables is None:
            by_action: dict[str, set] = {}
            by_type: dict[str, set] = {}
            for p, act, rtype in self.catalog.db.execute(
                    "SELECT prefix, action, resource_type FROM action_resources WHERE prefix = ?", (key,)):
                name = f"{p}:{act}"
                bucket = by_action.setdefault(name.lower(), set())
                if rtype:
                    bucket.add(rtype.lower())
                    by_type.setdefault(rtype.lower(), set()).add(name)
            tables = self._action_types[key] = ({k: frozenset(v) for k, v in by_action.items()},
                                                {k: frozenset(v) for k, v in by_type.items()})
        return tables

    def action_types(self, action: str) -> frozenset:
        """Lower-cased resource type names of an action (empty: it supports only ``*``)."""
        return self._tables(action.partition(":")[0])[0].get(action.lower(), frozenset())

    def applicable(self, pattern: str) -> frozenset | None:
        """Every action ``Resource: pattern`` can grant (None: every action, for ``*``); memoized."""
        if pattern in self._applicable:
            return self._applicable[pattern]
        found: frozenset | None
        if pattern.strip("*") == "":
            found = None
        else:
            out: set = set()
            for prefix, rtype in self.types(pattern):
                out |= self._tables(prefix)[1].get(rtype, frozenset())
            found = frozenset(out)
        self._applicable[pattern] = found
        return found

    def applies(self, action: str, pattern: str) -> bool:
        """Whether ``Resource: pattern`` can grant ``action`` (``prefix:Name``, canonical)."""
        actions = self.applicable(pattern)
        if actions is None or action in actions:
            return True
        # An action that supports only "*" is granted by a pattern matching the string "*" ("?").
        return not self.action_types(action) and wildcard.arn_matches(pattern, "*")

    def applies_any(self, actions: frozenset, pattern: str) -> bool:
        """Whether ``Resource: pattern`` can grant at least one of ``actions``."""
        reach = self.applicable(pattern)
        if reach is None or not actions.isdisjoint(reach):
            return True
        return wildcard.arn_matches(pattern, "*") and any(not self.action_types(a) for a in actions)

    def unconstrained_set(self, pattern: str) -> frozenset | None:
        """The actions ``pattern`` reaches on every resource of their type (None: all); memoized."""
        if pattern not in self._broad:
            self._broad[pattern] = self._unconstrained_actions(pattern)
        return self._broad[pattern]

    def _unconstrained_actions(self, pattern: str) -> frozenset | None:
        if pattern.strip("*") == "":
            return None
        fields = pattern.split(":", 5)
        if len(fields) != 6:
            return frozenset()
        out: set = set()
        for prefix, rtype in self.types(pattern):
            for fmt in self.catalog.formats(prefix, rtype):
                resource = fmt.split(":", 5)[5] if fmt.count(":") >= 5 else ""
                if resource and wildcard.glob_contains(fields[5], _VARIABLE.sub("*", resource)):
                    out |= self._tables(prefix)[1].get(rtype, frozenset())
        return frozenset(out)

    def applies_not(self, action: str, not_resources) -> bool:
        """Whether ``NotResource: not_resources`` leaves some resource of ``action`` granted."""
        excluded = self._excluded(tuple(not_resources))
        if excluded is None:
            return False  # NotResource "*" excludes everything
        if not self.action_types(action):
            return not any(wildcard.arn_matches(n, "*") for n in not_resources)
        return action not in excluded

    def granted_not(self, actions, not_resources) -> frozenset:
        """The subset of ``actions`` for which ``applies_not`` holds, in one pass."""
        excluded = self._excluded(tuple(not_resources))
        if excluded is None:
            return frozenset()
        untyped = not any(wildcard.arn_matches(n, "*") for n in not_resources)
        actions = actions if isinstance(actions, frozenset) else frozenset(actions)
        typed = self._typed(actions)
        return (typed - excluded) | (actions - typed) if untyped else typed - excluded

    def _typed(self, actions: frozenset) -> frozenset:
        """Those of ``actions`` that have resource types; memoized (``s3:*`` with NotResource
        in every policy of a folder asks for the same set each time)."""
        found = self._typed_sets.get(actions)
        if found is None:
            if len(self._typed_sets) >= 1024:
                self._typed_sets.clear()
            found = self._typed_sets[actions] = frozenset(a for a in actions if self.action_types(a))
        return found

    def _excluded(self, not_resources: tuple) -> frozenset | None:
        """The typed actions every resource of which the patterns cover (None: all); memoized."""
        if not_resources in self._not:
            return self._not[not_resources]
        found: frozenset | None
        if any(wildcard.variables_as_wildcards(n).strip("*") == "" for n in not_resources):
            found = None
        else:
            covered: set = set()
            for n in not_resources:
                for prefix, rtype in self.types(n):
                    formats = self.catalog.formats(prefix, rtype)
                    if formats and all(any(_covers_format(m, f) for m in not_resources) for f in formats):
                        covered.add((prefix, rtype))
            out: set = set()
            for prefix, rtype in covered:
                by_action, by_type = self._tables(prefix)
                mine = {t for p, t in covered if p == prefix}
                out |= {a for a in by_type.get(rtype, ()) if by_action[a.lower()] <= mine}
            found = frozenset(out)
        self._not[not_resources] = found
        return found


def _covers_format(pattern: str, arn_format: str) -> bool:
    """Whether a Resource pattern matches every ARN of a format, in the pattern's own partition."""
    fields = arn_format.split(":", 5)
    mine = wildcard.variables_as_wildcards(pattern).split(":", 5)
    if len(fields) != 6 or len(mine) != 6:
        return False
    fields[1] = mine[1]
    return wildcard.resource_contains(pattern, ":".join(_VARIABLE.sub("*", f) for f in fields))


_RESOLVERS: dict[str, ResourceResolver] = {}


def resolver(cat) -> ResourceResolver:
    found = _RESOLVERS.get(str(cat.db.path))
    if found is None or found.catalog is not cat:
        found = _RESOLVERS[str(cat.db.path)] = ResourceResolver(cat)
    return found
