"""Conditions as clauses, for comparing what two statements allow without evaluating requests.

A Condition block is a conjunction of clauses ``(operator, key, values)``; a clause with several
values of a positive operator (``StringEquals``, ``ArnLike``, ``IpAddress``, ...) holds when any
value does, so ``split`` turns one block into the disjunction of its single-value blocks (within a
budget: beyond it the block stays as it is, which only ever reports more change, never less).

``implies(strong, weak)``: whenever every clause of ``strong`` holds, every clause of ``weak``
does: each clause of ``weak`` is implied by one of ``strong`` (the same clause; the same operator
and key with fewer values for a positive operator, more for a negated one). ``disjoint(a, b)``:
no request satisfies both (one key required equal to values the other excludes). Both are
sound, not complete: what they cannot prove counts as "may differ".

Keys are kept as written and compared case-insensitively (IAM does); operators and values as
written.
"""
from __future__ import annotations

from itertools import product

SPLIT_LIMIT = 64  # single-value blocks one Condition may become


def _negated(op: str) -> bool:
    base = op.split(":", 1)[-1]
    return "Not" in base and not base.startswith("Null")


def _splittable(op: str) -> bool:
    """Positive operators whose value list is an OR for one context value (not ForAllValues)."""
    return not op.startswith("ForAllValues:") and not _negated(op) \
        and not op.split(":", 1)[-1].startswith(("Bool", "Null"))


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def clauses(condition) -> frozenset:
    """The Condition map as a frozenset of (operator, key as written, sorted values)."""
    out: set[tuple[str, str, tuple[str, ...]]] = set()
    if not isinstance(condition, dict):
        return frozenset()
    for op, block in condition.items():
        if not isinstance(block, dict):
            out.add((str(op), "", (repr(block),)))
            continue
        for key, values in block.items():
            values = values if isinstance(values, list) else [values]
            out.add((str(op), str(key), tuple(sorted({_text(v) for v in values}))))
    return frozenset(out)


def split(condition) -> list:
    """The Condition as a list of alternative clause sets (their OR is the Condition)."""
    base = clauses(condition)
    fixed = [c for c in base if not (_splittable(c[0]) and len(c[2]) > 1)]
    multi = [c for c in base if _splittable(c[0]) and len(c[2]) > 1]
    count = 1
    for c in multi:
        count *= len(c[2])
    if not multi or count > SPLIT_LIMIT:
        return [base]
    options = [[(op, key, (v,)) for v in values] for op, key, values in multi]
    return [frozenset(fixed) | frozenset(choice) for choice in product(*options)]


_CROSS = {"StringEquals": "StringNotEquals", "ArnEquals": "ArnNotEquals"}


def _clause_implies(strong: tuple, weak: tuple) -> bool:
    if strong == weak:
        return True
    if strong[1].lower() != weak[1].lower():  # IAM reads condition keys case-insensitively
        return False
    if strong[0] != weak[0]:
        weak_op = weak[0][:-len("IfExists")] if weak[0].endswith("IfExists") else weak[0]
        if strong[0] == weak_op:  # a present key that passes X passes XIfExists
            return _clause_implies(strong, (weak_op, weak[1], weak[2]))
        # a key equal to one of V1 is equal to none of V2 when they share no value
        return _CROSS.get(strong[0]) == weak_op and not set(strong[2]) & set(weak[2])
    op = strong[0]
    if op.split(":", 1)[-1].startswith(("Bool", "Null")):
        return False
    if _negated(op):
        return set(weak[2]) <= set(strong[2])   # excluding more is stronger
    return set(strong[2]) <= set(weak[2])       # allowing fewer values is stronger


def implies(strong: frozenset, weak: frozenset) -> bool:
    """Whether ``strong`` holding means ``weak`` holds (sound, not complete)."""
    return all(any(_clause_implies(s, w) for s in strong) for w in weak)


_EQUALITY = ("StringEquals", "ArnEquals", "NumericEquals")


def disjoint(a: frozenset, b: frozenset) -> bool:
    """Whether no request satisfies both clause sets (sound, not complete): a key required to
    equal some values in one and other values (or none of them) in the other."""
    for op1, key1, v1 in a:
        if op1 not in _EQUALITY:
            continue
        for op2, key2, v2 in b:
            if key2.lower() != key1.lower():
                continue
            if op2 == op1 and not set(v1) & set(v2):
                return True
            if op2 == "StringNotEquals" and op1 == "StringEquals" and set(v1) <= set(v2):
                return True
    for op1, key1, v1 in b:
        if op1 == "StringEquals":
            for op2, key2, v2 in a:
                if key2.lower() == key1.lower() and op2 == "StringNotEquals" and set(v1) <= set(v2):
                    return True
    return False


def as_map(clause_set: frozenset) -> dict:
    """Clauses back as a Condition map (for reports)."""
    out: dict = {}
    for op, key, values in sorted(clause_set):
        out.setdefault(op, {})[key] = values[0] if len(values) == 1 else list(values)
    return out
