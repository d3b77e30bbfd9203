"""What a CloudTrail record must look like before any code behind it reads it.

Only the fields generate-template reads are checked, and only for their JSON type (plus the
few formats that reach a template as data: region, account). A record that breaks the shape
is skipped whole and reported by its problem (``userIdentity.sessionContext is a string,
expected an object``), so the analyzer, the principal and the resource finder never see a
wrong type. Missing fields and ``null`` are allowed everywhere: CloudTrail leaves many out.
"""
from __future__ import annotations

import re

# Top-level fields read as strings.
_STRINGS = ("eventTime", "eventSource", "eventName", "eventType", "errorCode", "awsRegion", "recipientAccountId")
_IDENTITY_STRINGS = ("type", "arn", "accountId")
_ISSUER_STRINGS = ("type", "arn")
_REGION = re.compile(r"[a-z]{2,}(?:-[a-z0-9]+)+")  # eu-west-1, us-gov-east-1, cn-north-1
_ACCOUNT = re.compile(r"\d{12}")
_KINDS = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}


def _kind(value) -> str:
    return _KINDS.get(type(value), "null" if value is None else type(value).__name__)


def _wrong(where: str, value, expected: str) -> str:
    return f"{where} is {_kind(value)}, expected {expected}"


def shape_problem(event) -> str | None:
    """None when the record has the shape the analyzer reads, else what is wrong (one line)."""
    if type(event) is not dict:
        return f"the record is {_kind(event)}, expected an object"
    identity = event.get("userIdentity")
    return (top_problem(event) or (identity_problem(identity) if identity is not None else None)
            or rest_problem(event.get("resources"), event.get("requestParameters")))


def top_problem(event: dict) -> str | None:
    """The top-level scalar fields (checked first)."""
    get = event.get
    for name in _STRINGS:
        value = get(name)
        if value is not None and type(value) is not str:
            return _wrong(name, value, "a string")
    read_only = get("readOnly")
    if read_only is not None and type(read_only) is not bool:
        return _wrong("readOnly", read_only, "true or false")
    region = get("awsRegion")
    if region and not _REGION.fullmatch(region):
        return "awsRegion is not a region name"
    account = get("recipientAccountId")
    if account and not _ACCOUNT.fullmatch(account):
        return "recipientAccountId is not a 12-digit account id"
    return None


def rest_problem(resources, params) -> str | None:
    """``resources`` and ``requestParameters`` (checked after the identity)."""
    if resources is not None:
        if type(resources) is not list:
            return _wrong("resources", resources, "a list")
        for item in resources:
            if type(item) is not dict:
                return _wrong("resources[]", item, "an object")
            arn = item.get("ARN")
            if arn is not None and type(arn) is not str:
                return _wrong("resources[].ARN", arn, "a string")
    if params is not None and type(params) is not dict:
        return _wrong("requestParameters", params, "an object")
    return None


def _object_problem(value, where: str, strings: tuple[str, ...]) -> str | None:
    """``value`` must be an object whose ``strings`` fields, where present, are strings."""
    if type(value) is not dict:
        return _wrong(where, value, "an object")
    for name in strings:
        field = value.get(name)
        if field is not None and type(field) is not str:
            return _wrong(f"{where}.{name}", field, "a string")
    return None


def identity_problem(identity) -> str | None:
    """``userIdentity`` (not None), checked after the top-level fields."""
    problem = _object_problem(identity, "userIdentity", _IDENTITY_STRINGS)
    if problem:
        return problem
    account = identity.get("accountId")
    if account and not _ACCOUNT.fullmatch(account):
        return "userIdentity.accountId is not a 12-digit account id"
    context = identity.get("sessionContext")
    if context is None:
        return None
    if type(context) is not dict:
        return _wrong("userIdentity.sessionContext", context, "an object")
    issuer = context.get("sessionIssuer")
    if issuer is None:
        return None
    return _object_problem(issuer, "userIdentity.sessionContext.sessionIssuer", _ISSUER_STRINGS)
