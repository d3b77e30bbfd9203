"""Shorten a policy's actions to prefix wildcards (``s3:GetObject*``) that grant nothing more.

A wildcard is chosen only when every action of the service in the database that it matches
is already granted by the statement, so the policy allows exactly the same documented
actions after minimizing. Matching is case-insensitive, as in IAM.
"""
from __future__ import annotations

import bisect
import copy

from policy_tf.core.errors import InputError

_WILDCARDS = ("*", "?")
_TOP = chr(0x10FFFF)  # sorts after any character: upper bisect bound for "starts with"


def minimize_policy(policy: dict, min_chars: int = 0, db=None) -> dict:
    """A copy of ``policy`` whose statements' actions use the shortest safe prefix wildcards.

    ``min_chars`` is the least number of characters a wildcard keeps after ``service:``
    (policy_sentry's ``--minimize N``; 0 means as short as safe). Statements with
    ``NotAction`` or without a list of strings as ``Action`` are copied untouched.
    """
    if min_chars < 0:
        raise InputError(f"the minimum wildcard prefix length must be 0 or more, not {min_chars}")
    result = copy.deepcopy(policy)
    if not isinstance(result, dict):
        return result
    statements = result.get("Statement")
    catalog = _Catalog(db)
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict) or "NotAction" in statement:
            continue
        actions = statement.get("Action")
        if isinstance(actions, str):
            actions = [actions]
        if not actions or not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
            continue
        statement["Action"] = _minimize(actions, min_chars, catalog)
    return result


def minimize_actions(actions: list[str], min_chars: int = 0, db=None) -> list[str]:
    """The sorted, minimized equivalent of one statement's ``actions``."""
    if min_chars < 0:
        raise InputError(f"the minimum wildcard prefix length must be 0 or more, not {min_chars}")
    return _minimize(list(actions), min_chars, _Catalog(db))


def _minimize(actions: list[str], min_chars: int, catalog: _Catalog) -> list[str]:
    patterns = sorted({a for a in actions if _is_pattern(a)})
    matchers = [_matcher(p) for p in patterns]
    literals: dict[str, str] = {}  # lower-cased -> first spelling (sorted, so deterministic)
    for action in sorted(a for a in actions if not _is_pattern(a)):
        literals.setdefault(action.lower(), action)

    by_service: dict[str, list[str]] = {}
    out: set[str] = set(patterns)
    for action in literals.values():
        service, sep, name = action.partition(":")
        if any(m(action) for m in matchers):
            continue  # a wildcard of the statement already grants it
        if sep and name and catalog.names(service) is not None:
            by_service.setdefault(service.lower(), []).append(action)
        else:
            out.add(action)  # unknown service or malformed: nothing to compare against, keep it
    for service, requested in sorted(by_service.items()):
        out.update(_shorten(service, requested, catalog.names(service) or [], matchers, min_chars))
    return sorted(out)


def _shorten(service: str, requested: list[str], names: list[str], matchers: list, min_chars: int) -> list[str]:
    """Wildcards and names for the ``requested`` actions of one service (``names``: sorted, lower-cased)."""
    wanted = {a.partition(":")[2].lower() for a in requested}
    # blocked[i] = how many of names[:i] the statement does not grant; a prefix is safe when
    # its bisect range [lo, hi) holds none, checked in O(1).
    blocked = [0]
    for name in names:
        granted = name in wanted or any(m(f"{service}:{name}") for m in matchers)
        blocked.append(blocked[-1] + (not granted))
    known = set(names)

    wildcards: dict[str, str] = {}  # lower-cased prefix "svc:pre" -> text "Svc:Pre*"
    plain: list[str] = []
    for action in requested:
        svc, _, name = action.partition(":")
        if name.lower() not in known:
            plain.append(action)  # newer than the database: keep it, maybe covered below
            continue
        chosen = None
        # Never "svc:*": it would also grant every action AWS adds to the service later.
        for k in range(max(min_chars, 1), len(name) + 1):
            prefix = name[:k].lower()
            lo, hi = bisect.bisect_left(names, prefix), bisect.bisect_left(names, prefix + _TOP)
            if blocked[hi] == blocked[lo]:
                chosen = (k, hi - lo)
                break
        if chosen is None or chosen[1] == 1:
            plain.append(action)  # no safe wildcard, or one that only matches this action
        else:
            wildcards.setdefault(f"{svc}:{name[:chosen[0]]}".lower(), f"{svc}:{name[:chosen[0]]}*")

    # Shortest safe prefixes never nest (a longer one's actions would have chosen the shorter),
    # so only names unknown to the database can already be granted by a chosen wildcard.
    return [*wildcards.values(), *(a for a in plain if not any(a.lower().startswith(w) for w in wildcards))]


def _is_pattern(action: str) -> bool:
    return any(w in action for w in _WILDCARDS)


def _matcher(pattern: str):
    """A case-insensitive IAM-style matcher: ``*`` any run of characters, ``?`` exactly one."""
    from policy_tf.core import iamnames

    return iamnames.regex(pattern).fullmatch


class _Catalog:
    """Action names per service, read from the database at most once per call."""

    def __init__(self, db=None) -> None:
        self._db = db
        self._prefixes: dict[str, str] | None = None
        self._names: dict[str, list[str] | None] = {}

    def names(self, service: str) -> list[str] | None:
        """Lower-cased action names of ``service`` (no prefix), sorted; None if it is unknown."""
        key = service.lower()
        if key not in self._names:
            from policy_tf.iamdb import query

            if self._prefixes is None:
                self._prefixes = {s["prefix"].lower(): s["prefix"] for s in query.service_table(self._db)}
            prefix = self._prefixes.get(key)
            self._names[key] = None if prefix is None else sorted(
                a.partition(":")[2].lower() for a in query.action_names(prefix, db=self._db))
        return self._names[key]
