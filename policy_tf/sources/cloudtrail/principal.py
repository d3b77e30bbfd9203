"""Who made a call: the IAM principal a policy would be attached to.

Assumed-role sessions collapse to their role (every session of a role shares its policy);
identities without an ARN of their own (AWS services, other accounts' callers seen from
the resource side) have nothing to attach a policy to and are reported instead.
"""
from __future__ import annotations

import re

_ASSUMED = re.compile(r"^arn:([\w-]+):sts::(\d{12}):assumed-role/([^/]+)/.+$")


def principal_of(identity) -> tuple[str | None, str]:
    """(principal ARN, "") or (None, why no policy can be written for it)."""
    if not isinstance(identity, dict):
        return None, "no userIdentity"
    kind = identity.get("type")
    arn = identity.get("arn")
    if kind == "AssumedRole":
        issuer = (identity.get("sessionContext") or {}).get("sessionIssuer") or {}
        if isinstance(issuer, dict) and issuer.get("type") == "Role" and str(issuer.get("arn")).startswith("arn:"):
            return issuer["arn"], ""  # keeps the role's path, which the session ARN drops
        found = _ASSUMED.match(arn) if isinstance(arn, str) else None
        if found:
            partition, account, role = found.groups()
            return f"arn:{partition}:iam::{account}:role/{role}", ""
        return None, "assumed-role session without a role ARN"
    if kind == "AWSService":
        return None, "call made by an AWS service"
    found = _ASSUMED.match(arn) if isinstance(arn, str) else None
    if found:  # a session ARN, whatever the type says: the policy belongs to its role
        partition, account, role = found.groups()
        return f"arn:{partition}:iam::{account}:role/{role}", ""
    if isinstance(arn, str) and arn.startswith("arn:"):
        return arn, ""
    return None, f"{str(kind or 'unknown')[:40]} identity without an ARN"


def file_stem(principal: str) -> str:
    """A file name for a principal's template: ``123456789012-role-path-Name``."""
    _, _, rest = principal.partition("::")
    account, _, resource = rest.partition(":")
    stem = f"{account}-{resource}" if account else resource or principal
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "principal"


def policy_name(principal: str) -> str:
    """The template's policy name: the principal's own name, as IAM allows in a policy name."""
    name = principal.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return re.sub(r"[^A-Za-z0-9+=,.@_-]+", "-", name)[:128] or "Policy"
