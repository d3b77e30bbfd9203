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
from policy_tf.iamdb.arn import parse_arn
from policy_tf.errors import InputError

_VARIABLE = re.compile(r"\$?\{[^{}]*\}|\*")


def tokens(text: str) -> tuple:
    """A format field as literal characters and None for each variable."""
    out: list = []
    pos = 0
    for m in _VARIABLE.finditer(text):
        out.extend(text[pos:m.start()])
        out.append(None)
        pos = m.end()
    out.extend(text[pos:])
    return tuple(out)


@lru_cache(maxsize=65536)
def field_overlap(glob: str, fmt: tuple, last: bool) -> bool:
    """Whether some value fits both the user's glob and a format field.

    A format variable takes one or more characters. It takes a ``/`` the glob writes only
    when the format itself is a path (has a literal ``/`` or ``:``: ``role/${RoleNameWithPath}``,
    ``${BucketName}/${ObjectName}``), so ``b/*`` is never a bucket; it takes a written
    ``:`` only when it ends the resource field.
    """
    loose = any(c is not None and c in "/:" for c in fmt)
    n, m = len(glob), len(fmt)

    def literal_fits(g: str, j: int) -> bool:
        if g == "/":
            return loose
        if g == ":":
            return last and j == m - 1
        return True

    @lru_cache(maxsize=None)
    def go(i: int, j: int, inside: bool) -> bool:
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

    return go(0, 0, False)


class ResourceResolver:
    """Memoized: the (prefix, resource type) keys a Resource pattern can reach."""

    def __init__(self, cat):
        self.catalog = cat
        self._formats: list[tuple[str, str, str, tuple]] | None = None
        self._types: dict[str, frozenset] = {}
        self._action_types: dict[str, dict[str, frozenset]] = {}

    def _all_formats(self):
        if self._formats is None:
            self._formats = [
                (service, prefix.lower(), rtype.lower(), tuple(fmt.split(":", 5)))
                for service, prefix, rtype, fmt in self.catalog.db.execute(
                    "SELECT arn_service, prefix, resource_type, arn_format FROM arn_formats")
                if fmt.count(":") >= 5
            ]
        return self._formats

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
                for service, prefix, rtype, fmt in self._all_formats():
                    head = fmt[:5]
                    if not all(field_overlap(g, tokens(f), False) for g, f in zip(fields[:5], head)):
                        continue
                    if field_overlap(fields[5], tokens(fmt[5]), True):
                        keys.add((prefix, rtype))
        found = self._types[pattern] = frozenset(keys)
        return found

    def action_types(self, action: str) -> frozenset:
        """Lower-cased resource type names of an action ('' absent: it supports only ``*``)."""
        prefix, _, name = action.partition(":")
        table = self._action_types.get(prefix)
        if table is None:
            rows: dict[str, set] = {}
            for act, rtype in self.catalog.db.execute(
                    "SELECT action, resource_type FROM action_resources WHERE prefix = ?", (prefix,)):
                bucket = rows.setdefault(act.lower(), set())
                if rtype:
                    bucket.add(rtype.lower())
            table = self._action_types[prefix] = {k: frozenset(v) for k, v in rows.items()}
        return table.get(name.lower(), frozenset())

    def applies(self, action: str, pattern: str) -> bool:
        """Whether ``Resource: pattern`` can grant ``action`` (``prefix:Name``, canonical)."""
        if pattern == "*":
            return True
        types = self.action_types(action)
        if not types:
            return wildcard.arn_matches(pattern, "*")
        prefix = action.partition(":")[0].lower()
        reached = self.types(pattern)
        return any((prefix, t) in reached for t in types)

    def unconstrained(self, action: str, pattern: str) -> bool:
        """Whether ``pattern`` reaches every resource of one of the action's types in its
        account and region: ``*``, ``arn:aws:s3:::*``, ``arn:aws:iam::123456789012:role/*``
        (but not ``arn:aws:s3:::b/*``). Only the resource field is compared: an account-wide
        wildcard is as broad as it gets for one account."""
        if pattern.strip("*") == "":
            return True
        fields = pattern.split(":", 5)
        if len(fields) != 6:
            return False
        prefix = action.partition(":")[0]
        for t in self.action_types(action):
            for fmt in self.catalog.formats(prefix, t):
                resource = fmt.split(":", 5)[5] if fmt.count(":") >= 5 else ""
                if resource and wildcard.glob_contains(fields[5], _VARIABLE.sub("*", resource)):
                    return True
        return False

    def applies_not(self, action: str, not_resources) -> bool:
        """Whether ``NotResource: not_resources`` leaves some resource of ``action`` granted."""
        if any(wildcard.variables_as_wildcards(n).strip("*") == "" for n in not_resources):
            return False  # NotResource "*" excludes everything
        types = self.action_types(action)
        if not types:
            return not any(wildcard.arn_matches(n, "*") for n in not_resources)
        prefix = action.partition(":")[0]
        for t in types:
            formats = self.catalog.formats(prefix, t)
            for fmt in formats:
                glob = _VARIABLE.sub("*", fmt)
                if not any(wildcard.resource_contains(n, glob) for n in not_resources):
                    return True
        return False


_RESOLVERS: dict[str, ResourceResolver] = {}


def resolver(cat) -> ResourceResolver:
    found = _RESOLVERS.get(str(cat.db.path))
    if found is None or found.catalog is not cat:
        found = _RESOLVERS[str(cat.db.path)] = ResourceResolver(cat)
    return found
