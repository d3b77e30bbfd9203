"""IAM wildcards exactly as IAM reads them: ``*`` any run of characters, ``?`` exactly one.

Actions match ASCII case-insensitively (``policy_tf.core.iamnames``, the one action matcher);
ARNs case-sensitively, field by field: each of the six
``:``-separated fields of an ARN is matched on its own, so a ``*`` in the region never
reaches into the account (the resource field, the last, may itself hold ``:``). Nothing
else is special: ``[`` is a literal (``fnmatch`` would read it as a character class).

Policy variables (``${aws:username}``) are resolved only at request time, so here they
stand for an unknown value: ``variables_as_wildcards`` turns them into ``*`` for a reading
that may over-grant (right for Allow), and callers decide what a Deny with one means.
The escapes ``${*}``, ``${?}`` and ``${$}`` are the literal characters.
"""
from __future__ import annotations

import re
from functools import lru_cache

from policy_tf.core import iamnames

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_ESCAPES = {"*": "\x00", "?": "\x01", "$": "$"}  # placeholders for escaped literal wildcards


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def has_variable(text: str) -> bool:
    return any(m.group(1) not in _ESCAPES for m in _VARIABLE.finditer(text))


def variables_as_wildcards(text: str) -> str:
    """``arn:aws:s3:::b/${aws:username}/*`` -> ``arn:aws:s3:::b/*/*``; escapes become placeholders."""
    if "${" not in text:
        return text
    return _VARIABLE.sub(lambda m: _ESCAPES.get(m.group(1), "*"), text)


def _regex(glob: str) -> str:
    out = []
    for ch in glob:
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == "\x00":
            out.append(re.escape("*"))
        elif ch == "\x01":
            out.append(re.escape("?"))
        else:
            out.append(re.escape(ch))
    return "".join(out)


def action_regex(pattern: str) -> re.Pattern:
    """A compiled regex for an action pattern such as ``s3:Get*``: ``policy_tf.core.iamnames``'s,
    ASCII case-insensitive (``re.IGNORECASE`` alone folds KELVIN SIGN into ``k``)."""
    return iamnames.regex(pattern)


def action_matches(pattern: str, action: str) -> bool:
    return iamnames.matches(pattern, action)


def _literal(glob: str) -> str | None:
    """The one string a glob without wildcards matches (escapes resolved), else None."""
    if has_wildcard(glob):
        return None
    return glob.replace("\x00", "*").replace("\x01", "?")


@lru_cache(maxsize=8192)
def _arn_fields(pattern: str) -> tuple[re.Pattern | str, ...]:
    """A compiled regex per field of an ARN pattern, or the field itself when it is literal: most
    fields of most ARNs are, and compiling a regex per ARN dominated folders of distinct ARNs."""
    return tuple(literal if (literal := _literal(f)) is not None else re.compile(_regex(f), re.DOTALL)
                 for f in pattern.split(":", 5))


@lru_cache(maxsize=8192)
def _whole(pattern: str) -> re.Pattern:
    """The compiled regex of a pattern that is not an ARN pattern (``*`` among them)."""
    return re.compile(_regex(pattern), re.DOTALL)


def arn_matches(pattern: str, arn: str) -> bool:
    """Whether the Resource pattern matches ``arn`` (case-sensitive, field by field)."""
    pattern = variables_as_wildcards(pattern)
    if pattern != "*" and pattern.startswith("arn:"):
        fields = arn.split(":", 5)
        if len(fields) != min(pattern.count(":"), 5) + 1:
            return False  # no need to compile anything ("is this ARN pattern the string '*'?")
        return all(c == f if isinstance(c, str) else c.fullmatch(f) is not None
                   for c, f in zip(_arn_fields(pattern), fields))
    return _whole(pattern).fullmatch(arn) is not None


@lru_cache(maxsize=16384)
def glob_contains(outer: str, inner: str) -> bool:
    """Whether every string ``inner`` matches is also matched by ``outer`` (both IAM globs).

    ``inner``'s ``*`` can only be absorbed by a ``*`` of ``outer``; its ``?`` by a ``?`` or ``*``.
    The globs of most Resources are literal or end in their only ``*``: those are answered
    directly (what the search would find), the others by ``_contains_search``.
    """
    star = outer.find("*")
    if "?" not in outer and (star == -1 or star == len(outer) - 1):
        return outer == inner if star == -1 else inner.startswith(outer[:-1])
    return _contains_search(outer, inner)


def _contains_search(outer: str, inner: str) -> bool:
    """``glob_contains`` by a search of the two globs' positions."""
    @lru_cache(maxsize=None)
    def go(i: int, j: int) -> bool:
        if i == len(outer):
            return j == len(inner)
        o = outer[i]
        if o == "*":
            return go(i + 1, j) or (j < len(inner) and go(i, j + 1))
        if j == len(inner):
            return False
        c = inner[j]
        if o == "?":
            return c != "*" and go(i + 1, j + 1)
        return c == o and go(i + 1, j + 1)

    return go(0, 0)


@lru_cache(maxsize=16384)
def glob_overlap(a: str, b: str) -> bool:
    """Whether some string matches both IAM globs."""
    @lru_cache(maxsize=None)
    def go(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == "*" and (go(i + 1, j) or (j < len(b) and go(i, j + 1))):
            return True
        if j < len(b) and b[j] == "*" and (go(i, j + 1) or (i < len(a) and go(i + 1, j))):
            return True
        if i < len(a) and j < len(b) and a[i] != "*" and b[j] != "*":
            if a[i] == "?" or b[j] == "?" or a[i] == b[j]:
                return go(i + 1, j + 1)
        return False

    return go(0, 0)


def _arn_parts(pattern: str) -> list[str] | None:
    pattern = variables_as_wildcards(pattern)
    if pattern.startswith("arn:"):
        parts = pattern.split(":", 5)
        return parts if len(parts) == 6 else None
    return None


def _fieldwise(a: str, b: str, compare) -> bool:
    """Compare two Resource patterns with ``compare`` field by field (ARNs) or whole."""
    pa, pb = _arn_parts(a), _arn_parts(b)
    if pa is None or pb is None:
        return compare(a, b)
    return all(compare(x, y) for x, y in zip(pa, pb))


def resource_contains(outer: str, inner: str) -> bool:
    """Whether Resource pattern ``outer`` matches every ARN that ``inner`` matches."""
    outer, inner = variables_as_wildcards(outer), variables_as_wildcards(inner)
    return outer == "*" or outer == inner or _fieldwise(outer, inner, glob_contains)


def resource_overlap(a: str, b: str) -> bool:
    """Whether some ARN matches both Resource patterns."""
    a, b = variables_as_wildcards(a), variables_as_wildcards(b)
    return a == "*" or b == "*" or _fieldwise(a, b, glob_overlap)


def action_contains(outer: str, inner: str) -> bool:
    """Whether action pattern ``outer`` matches every action ``inner`` matches (case-insensitive)."""
    if "*" not in outer and "?" not in outer:  # a literal holds only itself
        return iamnames.same(outer, inner)
    return glob_contains(iamnames.fold(outer), iamnames.fold(inner))
