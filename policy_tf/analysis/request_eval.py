"""Whether statements allow one request, as IAM decides it: an explicit Deny wins, then any Allow.

A request is (action, resource ARN, principal, context). The statement matches when its Action
(or NotAction) expansion holds the action, its Resource (or NotResource) matches the ARN, its
Principal (resource and trust policies) the caller, and every clause of its Condition holds in
the context. This is the brute-force reference the access diff is tested against: it reads
one request at a time, where the diff reasons over patterns.

Conditions: the String, Arn, Bool, Null and IpAddress operators with ``IfExists`` and the
``ForAnyValue:``/``ForAllValues:`` qualifiers; any other operator raises ValueError (a
reference must not guess). Policy variables in Resource take their value from the context; a
variable with no value matches nothing.
"""
from __future__ import annotations

import ipaddress
import re
from collections import namedtuple

from policy_tf.analysis import wildcard

_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class Request(namedtuple("Request", "action resource principal context", defaults=(None, None))):
    """``action`` canonical (``s3:GetObject``); ``resource`` an ARN, or ``*`` for actions without a
    resource type; ``principal`` (type, value) of the caller; ``context`` lower-cased key ->
    str or list of str (a missing key is absent)."""

    __slots__ = ()


def _resolve(pattern: str, context: dict) -> str | None:
    """The pattern with its policy variables replaced by their values (None: one has none)."""
    missing = False

    def value(match):
        nonlocal missing
        name = match.group(1)
        if name in ("*", "?", "$"):
            return {"*": "\x00", "?": "\x01", "$": "$"}[name]
        found = context.get(name.lower())
        if not isinstance(found, str):
            missing = True
            return ""
        return found.replace("*", "\x00").replace("?", "\x01")

    text = _VARIABLE.sub(value, pattern)
    return None if missing else text


def _resource_matches(pattern: str, resource: str, context: dict) -> bool:
    text = _resolve(pattern, context)
    if text is None:
        return False
    if "\x00" in text or "\x01" in text:
        # an escaped or substituted literal * or ?: compare field by field with them as literals
        regex = re.compile("".join(".*" if c == "*" else "." if c == "?"
                                   else re.escape({"\x00": "*", "\x01": "?"}.get(c, c))
                                   for c in text), re.DOTALL)
        return regex.fullmatch(resource) is not None
    return wildcard.arn_matches(text, resource)


def _principal_matches(values: dict, caller) -> bool:
    if caller is None:
        return False
    ptype, value = caller
    for kind, patterns in values.items():
        for p in patterns:
            if kind == "*" and p == "*":
                return True
            if kind != ptype:
                continue
            if p == "*" or p == value:
                return True
            if kind == "AWS":
                account = p if p.isdigit() else (p.split(":")[4] if p.endswith(":root") and p.count(":") >= 5 else None)
                if account is not None and value.count(":") >= 5 and value.split(":")[4] == account:
                    return True
                if wildcard.has_wildcard(p) and wildcard.arn_matches(p, value):
                    return True
    return False


def _match_one(base: str, expected: str, actual: str) -> bool:
    if base.startswith("String"):
        if "IgnoreCase" in base:
            return expected.lower() == actual.lower()
        if "Like" in base:  # case-sensitive, * and ? as in IAM
            regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in expected)
            return re.fullmatch(regex, actual, re.DOTALL) is not None
        return expected == actual
    if base.startswith("Arn"):
        return wildcard.arn_matches(expected, actual)
    if base.startswith("Bool"):
        return expected.lower() == actual.lower()
    if base in ("IpAddress", "NotIpAddress"):
        try:
            return ipaddress.ip_address(actual) in ipaddress.ip_network(expected, strict=False)
        except ValueError:
            return False
    raise ValueError(f"operator {base} is not evaluated")


def _clause_holds(op: str, key: str, values: list, context: dict) -> bool:
    qualifier, _, base = op.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base[:-len("IfExists")] if if_exists else base
    actual = context.get(key.lower())
    if base == "Null":
        wanted = [str(v).lower() for v in values]
        return ("true" if actual is None else "false") in wanted
    known = ("StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike",
             "StringNotLike", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Bool", "IpAddress", "NotIpAddress")
    if base not in known or qualifier not in ("", "ForAnyValue", "ForAllValues"):
        raise ValueError(f"operator {op} is not evaluated")
    negated = "Not" in base
    expected = [v if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v) for v in values]
    if actual is None:
        if qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return if_exists or negated
    actuals = actual if isinstance(actual, list) else [actual]

    def holds(one: str) -> bool:
        hit = any(_match_one(base, e, one) for e in expected)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(holds(a) for a in actuals)
    return any(holds(a) for a in actuals) if qualifier == "ForAnyValue" or len(actuals) > 1 else holds(actuals[0])


def _condition_holds(condition: dict, context: dict) -> bool:
    for op, block in condition.items():
        for key, values in block.items():
            if not _clause_holds(op, key, values if isinstance(values, list) else [values], context):
                return False
    return True


def matches(statement, request: Request, index) -> bool:
    """Whether the statement applies to the request (its effect aside)."""
    from policy_tf.analysis.expand import statement_actions

    context = request.context or {}
    if request.action not in statement_actions(statement, index):
        return False
    if statement.resources is not None:
        if not any(_resource_matches(p, request.resource, context) for p in statement.resources):
            return False
    elif statement.not_resources is not None:
        if any(_resource_matches(p, request.resource, context) for p in statement.not_resources):
            return False
    if statement.principal is not None and not _principal_matches(statement.principal, request.principal):
        return False
    if statement.not_principal is not None and _principal_matches(statement.not_principal, request.principal):
        return False
    return _condition_holds(statement.condition, context)


def decide(statements, request: Request, index) -> str:
    """``deny`` (an explicit Deny matches), ``allow`` (an Allow does), else ``implicit``."""
    allowed = False
    for statement in statements:
        if statement.effect not in ("Allow", "Deny") or not matches(statement, request, index):
            continue
        if statement.deny:
            return "deny"
        allowed = True
    return "allow" if allowed else "implicit"


def allows(statements, request: Request, index) -> bool:
    return decide(statements, request, index) == "allow"
