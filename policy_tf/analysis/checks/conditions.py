"""Validity of Condition blocks: operators, keys, types, set operators and values."""
from __future__ import annotations

import re

from policy_tf.analysis.checks.base import registry
from policy_tf.analysis.wildcard import has_variable
from policy_tf.writing import conditions as cond

E, S, W, G = "ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION"
V = "validity"

CHECKS = registry(
    ("UNKNOWN_CONDITION_OPERATOR", E, V,
     "The condition operator (or its ForAnyValue/ForAllValues/IfExists form) does not exist."),
    ("UNKNOWN_CONDITION_KEY", E, V, "The key is neither a global aws: key nor a key of any service."),
    ("CONDITION_KEY_NOT_SUPPORTED", W, V,
     "None of the statement's actions supports the key, so the condition never matches (or always, with IfExists)."),
    ("MISMATCHED_OPERATOR_TYPE", E, V,
     "The operator does not suit the key's type (StringEquals on a Date key, Bool on an ARN key, ...)."),
    ("FOR_ALL_VALUES_WITH_SINGLE_VALUED_KEY", S, V,
     "ForAllValues on a single-valued key also matches when the key is absent."),
    ("FOR_ANY_VALUE_WITH_SINGLE_VALUED_KEY", W, V,
     "ForAnyValue is for multivalued keys; on a single-valued key use the plain operator."),
    ("MISSING_SET_OPERATOR", W, V,
     "A multivalued key needs ForAnyValue: or ForAllValues: to be compared value by value."),
    ("ALLOW_FOR_ALL_VALUES_WITHOUT_NULL", S, V,
     "Allow with ForAllValues matches a request without the key; add a Null check."),
    ("INVALID_CONDITION_VALUE", E, V,
     "A value does not suit the operator (a Bool not true/false, a bad CIDR, date or number)."),
    ("IMPOSSIBLE_CONDITION", W, V,
     "A date condition on aws:CurrentTime or aws:TokenIssueTime can never hold from now on: the statement grants (or "
     "denies) nothing."),
)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_MAX_ACTIONS = 400  # support is checked per action; beyond this the statement is broad anyway


def _bad_value(base: str, value) -> str | None:
    if isinstance(value, (dict, list)) or value is None:
        return "a nested value"
    text = str(value).lower() if isinstance(value, bool) else str(value)
    if has_variable(text):
        return None
    if base in ("Bool", "Null"):
        return None if text.lower() in ("true", "false") else "not true or false"
    if base.startswith("Numeric"):
        return None if _NUMBER.match(text) else "not a number"
    if base.startswith("Date"):
        return None if _DATE.match(text) or _NUMBER.match(text) else "not an ISO 8601 date or epoch seconds"
    if base in ("IpAddress", "NotIpAddress"):
        try:
            import ipaddress  # only for IpAddress conditions: ~2 ms to import

            ipaddress.ip_network(text, strict=False)
        except ValueError:
            return "not an IP address or CIDR block"
        return None
    if base.startswith("Arn") and text != "*" and not text.startswith("arn:"):
        return "not an ARN"
    return None


def _federation_key(key: str) -> tuple[str, str, bool] | None:
    """Keys a federated trust policy compares: SAML assertions (``saml:aud``) and an identity
    provider's token claims (``token.actions.githubusercontent.com:sub``, ``accounts.google.com:aud``,
    ``oidc.eks.<region>.amazonaws.com/id/<id>:sub``), named after the provider, so in no service's table."""
    provider, _, claim = key.rpartition(":")
    if not provider or not claim:
        return None
    if provider.lower() == "saml" or "." in provider:
        return key, "ArrayOfString" if claim.lower() == "amr" else "String", True
    return None


def _supported(ctx, s, found, key: str) -> bool:
    documented, kind, is_global = found
    if is_global or s.actions is None:
        return True
    actions = ctx.actions_of(s)
    if not actions:
        return True
    service = key.partition(":")[0].lower()
    if service != "aws":
        actions = [a for a in actions if a.partition(":")[0].lower() == service]
        if not actions:
            return False
    if len(actions) > _MAX_ACTIONS:
        return True
    from policy_tf.iamdb.query import action_condition_keys

    entry = cond.Entry("", key, (), documented, is_global)
    return any(cond.supports(entry, action_condition_keys(prefix, name, db=ctx.catalog.db))
               for prefix, _, name in (a.partition(":") for a in sorted(actions)))


def _impossible(s, report) -> None:
    from policy_tf.analysis.decidable import impossible

    entries = impossible(s.condition)
    if entries:
        shown = "; ".join(f"{op}.{key} {values!r}" for op, key, values in entries)
        what = "grants" if s.allow else "denies"
        report("IMPOSSIBLE_CONDITION",
               f"statement {s.index}: {shown} can never hold from now on: the statement {what} nothing",
               statement=s.index)


def run(ctx, report) -> None:
    key_types = ctx.catalog.key_types
    for s in ctx.document.statements:
        i = s.index
        block = s.condition
        if block and any(isinstance(op, str) and "Date" in op for op in block):
            _impossible(s, report)
        null_keys = {k.lower() for op, keys in block.items() if op == "Null" and isinstance(keys, dict) for k in keys}
        for operator, keys in block.items():
            if not isinstance(keys, dict):
                continue
            qualifier, base, if_exists = cond.split_operator(operator)
            known = base == "Null" or any(base in ops for ops in cond.OPERATORS.values())
            if qualifier not in ("", "ForAnyValue", "ForAllValues") or not known \
                    or (base == "Null" and (if_exists or qualifier)):
                report("UNKNOWN_CONDITION_OPERATOR", f"statement {i}: unknown condition operator {operator!r}",
                       statement=i)
                continue
            for key, values in keys.items():
                where = f"statement {i}: {operator}.{key}"
                for value in values if isinstance(values, list) else [values]:
                    problem = _bad_value(base, value)
                    if problem:
                        report("INVALID_CONDITION_VALUE", f"{where}: {value!r} is {problem}", statement=i)
                        break
                found = _federation_key(key) or cond.lookup_key(key, key_types)
                if found is None:
                    report("UNKNOWN_CONDITION_KEY", f"{where}: unknown condition key {key!r}", statement=i)
                    continue
                documented, kind, _ = found
                array = kind.startswith("ArrayOf")
                scalar = kind[len("ArrayOf"):] if array else kind
                if base != "Null" and scalar in cond.OPERATORS and base not in cond.OPERATORS[scalar]:
                    report("MISMATCHED_OPERATOR_TYPE", f"{where}: {base} does not suit a {kind} key", statement=i)
                if qualifier == "ForAllValues" and not array:
                    report("FOR_ALL_VALUES_WITH_SINGLE_VALUED_KEY",
                           f"{where}: {key} is single-valued; ForAllValues also matches when it is absent", statement=i)
                elif qualifier == "ForAnyValue" and not array:
                    report("FOR_ANY_VALUE_WITH_SINGLE_VALUED_KEY", f"{where}: {key} is single-valued; use {base}",
                           statement=i)
                elif array and not qualifier and base != "Null":
                    report("MISSING_SET_OPERATOR",
                           f"{where}: {key} is multivalued; use ForAnyValue:{base} or ForAllValues:{base}", statement=i)
                if qualifier == "ForAllValues" and s.allow and key.lower() not in null_keys:
                    report("ALLOW_FOR_ALL_VALUES_WITHOUT_NULL",
                           f"{where}: a request without {key} also matches; add Null {{\"{key}\": \"false\"}}",
                           statement=i)
                if not _supported(ctx, s, found, key):
                    report("CONDITION_KEY_NOT_SUPPORTED", f"{where}: no action of this statement supports {key}",
                           statement=i)
