"""Validate IAM condition blocks and decide which actions each condition key applies to.

A key is valid for an action when it is a global ``aws:`` key (available in every request)
or when the IAM database lists it for that action, on the action's own rows or on one of
its resource types. The operator must suit the key's type.
"""
from __future__ import annotations

from collections import namedtuple

from policy_tf.core.diagnostics import ADVICE, Diagnostic
from policy_tf.core.errors import InputError
from policy_tf.iamdb.condition_keys import global_key, is_pattern
from policy_tf.iamdb.condition_keys import pattern as _pattern

_STRING = {
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
}
OPERATORS = {
    "String": _STRING,
    "ARN": {"ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"} | _STRING,
    "Numeric": {
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
    },
    "Date": {
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
    },
    "Bool": {"Bool"},
    "IPAddress": {"IpAddress", "NotIpAddress"},
    "Binary": {"BinaryEquals"},
}


# One (operator, key, values) of a condition block; documented is the key as the database or
# the global list spells it.
Entry = namedtuple("Entry", "operator key values documented is_global")


def split_operator(operator: str) -> tuple[str, str, bool]:
    """'ForAnyValue:StringLikeIfExists' -> ('ForAnyValue', 'StringLike', True)."""
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists") and base != "IfExists"
    if if_exists:
        base = base[: -len("IfExists")]
    return qualifier, base, if_exists


def lookup_key(key: str, key_types: dict[str, str]) -> tuple[str, str, bool] | None:
    """(documented key, type, is_global) for a user's key, or None if it is unknown."""
    found = global_key(key)
    if found:
        return found[0], found[1], True
    lowered = key.lower()
    if lowered in key_types:
        return lowered, key_types[lowered], False
    for documented, kind in key_types.items():
        if is_pattern(documented) and _pattern(documented).fullmatch(key):
            return documented, kind, False
    return None


def validate_block(block: dict, where: str, key_types: dict[str, str], warnings: list[Diagnostic]) -> list[Entry]:
    """Check every operator and key of a condition block; return its entries."""
    entries = []
    for operator, keys in block.items():
        qualifier, base, if_exists = split_operator(operator)
        if qualifier not in ("", "ForAnyValue", "ForAllValues"):
            raise InputError(f"{where}.{operator}: unknown set operator {qualifier!r}; use ForAnyValue or ForAllValues")
        known = base == "Null" or any(base in ops for ops in OPERATORS.values())
        if not known or (base == "Null" and (if_exists or qualifier)):
            raise InputError(f"{where}.{operator}: unknown condition operator")
        for key, values in keys.items():
            found = lookup_key(key, key_types)
            if found is None:
                raise InputError(
                    f"{where}.{operator}.{key}: unknown condition key (not a global aws: key nor a key of any service)"
                )
            documented, kind, is_global = found
            array = kind.startswith("ArrayOf")
            scalar = kind[len("ArrayOf"):] if array else kind
            if base != "Null" and base not in OPERATORS.get(scalar, set()):
                allowed = ", ".join(sorted(OPERATORS.get(scalar, set()))) or "Null"
                raise InputError(
                    f"{where}.{operator}.{key}: operator {base} does not suit a {kind} key; use one of: {allowed}"
                )
            if qualifier and not array:
                raise InputError(
                    f"{where}.{operator}.{key}: {qualifier} is for multivalued keys, and {key} "
                    f"is a single-valued {kind} key"
                )
            if array and not qualifier and base != "Null":
                warnings.append(Diagnostic(ADVICE, f"{where}.{operator}.{key}", f"{key} is multivalued ({kind})",
                                           "consider ForAnyValue: or ForAllValues:"))
            entries.append(Entry(operator, key, tuple(values), documented, is_global))
    return entries


def supports(entry: Entry, action_keys: set[str]) -> bool:
    """Whether an action (given its lower-cased documented keys) accepts this condition key."""
    if entry.is_global:
        return True
    if entry.documented in action_keys:
        return True
    pattern = _pattern(entry.documented)
    return any(
        pattern.fullmatch(k) or k == entry.documented
        for k in action_keys
        if is_pattern(k) and _pattern(k).pattern == pattern.pattern
    )


def block_of(entries: list[Entry]) -> dict:
    """Entries back to an IAM Condition block, deterministic."""
    block: dict[str, dict[str, list[str] | str]] = {}
    for entry in sorted(entries, key=lambda e: (e.operator, e.key)):
        values = sorted(entry.values)
        block.setdefault(entry.operator, {})[entry.key] = values[0] if len(values) == 1 else values
    return block
