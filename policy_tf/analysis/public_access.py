"""Whether a resource (or trust) policy grants public access, offline.

Following IAM Access Analyzer's and Amazon S3's documented reading of "public":

* an Allow statement is *open* when its Principal is ``"*"`` (or ``{"AWS": "*"}``, or any
  principal type with the value ``*``), names an account through a wildcard
  (``arn:aws:iam::*:root``, ``arn:aws:iam::*:role/x``), or uses ``NotPrincipal``;
* an open statement is *restricted* when its Condition fixes one of the keys that tie the
  caller to an account, organization, network or source: ``aws:SourceAccount``,
  ``aws:SourceArn``, ``aws:SourceOwner``, ``aws:PrincipalAccount``, ``aws:PrincipalArn``,
  ``aws:PrincipalOrgID``, ``aws:PrincipalOrgPaths``, ``aws:SourceVpc``, ``aws:SourceVpce``,
  ``aws:SourceIp``, with a positive operator (``StringEquals``, ``StringLike``, ``ArnLike``,
  ``IpAddress``, ...) and fixed values. Weak forms do not count: an ``IfExists`` or
  ``ForAllValues`` operator (a request without the key passes), a value that is all wildcards,
  a wildcard in an account, organization, VPC or endpoint id, a wildcard account in an ARN, a
  CIDR of length 0 (``0.0.0.0/0``, ``::/0``) or CIDRs that together cover every address;
* or when a Deny for everyone, on at least the same actions and resources, denies every caller
  for whom one of those keys is not a fixed value (``StringNotEquals aws:PrincipalOrgID``).

What is not followed (IAM Access Analyzer evaluates more than the policy text): service-specific
keys (``kms:CallerAccount``, ``lambda:FunctionUrlAuthType``, ``s3:DataAccessPointAccount``), the
resource's own settings (S3 Block Public Access, ACLs, OpenSearch VPC domains). Each is reported as
public, the safe side.
"""
from __future__ import annotations

import ipaddress
from collections import namedtuple

from policy_tf.analysis import condition_logic as cl
from policy_tf.analysis import wildcard

RESTRICTING_KEYS = ("aws:sourceaccount", "aws:sourcearn", "aws:sourceowner", "aws:principalaccount", "aws:principalarn",
                    "aws:principalorgid", "aws:principalorgpaths", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceip")
_ACCOUNT_KEYS = ("aws:sourceaccount", "aws:sourceowner", "aws:principalaccount")
_ID_KEYS = ("aws:principalorgid", "aws:sourcevpc", "aws:sourcevpce")
_ARN_KEYS = ("aws:sourcearn", "aws:principalarn")
_POSITIVE = ("StringEquals", "StringLike", "StringEqualsIgnoreCase", "ArnEquals", "ArnLike", "IpAddress")
_NEGATIVE = ("StringNotEquals", "StringNotLike", "StringNotEqualsIgnoreCase", "ArnNotEquals", "ArnNotLike",
             "NotIpAddress")


class Exposure(namedtuple("Exposure", "statement sid principal actions")):
    """One Allow statement that grants public access: its index, Sid, open principal and actions."""

    __slots__ = ()


def _open_principal(statement) -> str | None:
    """How the statement's principal is open to anyone ('*', a wildcard account...), else None."""
    if statement.not_principal is not None:
        return "NotPrincipal (everyone but those named)"
    for ptype, values in (statement.principal or {}).items():
        for value in values:
            if value.strip("*?") == "":
                return f"{ptype}: {value}" if ptype != "*" else "*"
            if ptype == "AWS" and value.startswith("arn:") and value.count(":") >= 5:
                account = value.split(":")[4]
                if wildcard.has_wildcard(account):
                    return f"AWS: {value}"
    return None


def _strong_value(key: str, value: str) -> bool:
    if value.strip("*?") == "":
        return False
    if key in _ACCOUNT_KEYS:
        return value.isdigit() and len(value) == 12
    if key in _ID_KEYS:
        return not wildcard.has_wildcard(value)
    if key == "aws:principalorgpaths":
        return value.startswith("o-") and not wildcard.has_wildcard(value.split("/", 1)[0])
    if key in _ARN_KEYS:
        fields = value.split(":", 5)
        if len(fields) != 6 or fields[0] != "arn":
            return False
        if wildcard.has_wildcard(fields[4]) or wildcard.has_wildcard(fields[2]):
            return False
        # any resource of one fixed account still ties the caller to that account; with no account
        # (S3's arn:aws:s3:::*), any resource is anyone's
        return fields[5].strip("*?/") != "" or (fields[4].isdigit() and len(fields[4]) == 12)
    if key == "aws:sourceip":
        try:
            return ipaddress.ip_network(value, strict=False).prefixlen > 0
        except ValueError:
            return False
    return False


def _restricts(clause: tuple, operators: tuple) -> bool:
    op, key, values = clause
    key = key.lower()
    base = op.split(":", 1)[-1]
    if op.startswith("ForAllValues:") or key not in RESTRICTING_KEYS:
        return False
    if base.endswith("IfExists") and operators is _POSITIVE:
        return False  # a request without the key passes an Allow's IfExists
    base = base[:-len("IfExists")] if base.endswith("IfExists") else base
    if key == "aws:sourceip" and _every_address(values):
        return False  # 0.0.0.0/1 and 128.0.0.0/1 together let anyone in, as 0.0.0.0/0 does
    return base in operators and bool(values) and all(_strong_value(key, v) for v in values)


def _every_address(values) -> bool:
    """Whether the CIDRs together cover every IPv4 or every IPv6 address."""
    try:
        networks = [ipaddress.ip_network(v, strict=False) for v in values]
    except (TypeError, ValueError):
        return False  # a value that is no CIDR is weak on its own (_strong_value)
    v4 = [n for n in networks if isinstance(n, ipaddress.IPv4Network)]
    v6 = [n for n in networks if isinstance(n, ipaddress.IPv6Network)]
    return any(n.prefixlen == 0 for n in ipaddress.collapse_addresses(v4)) or \
        any(n.prefixlen == 0 for n in ipaddress.collapse_addresses(v6))


def _deny_restricts(allow, deny, index) -> bool:
    """Whether the Deny refuses, for every caller not tied to a fixed account/org/network, all the
    Allow grants: everyone, at least its actions and resources, only restricting negated clauses."""
    from policy_tf.analysis.expand import statement_actions

    if deny.not_principal is not None or (deny.principal is not None and _open_principal(deny) is None):
        return False
    clauses = cl.clauses(deny.condition)
    if not clauses or not all(_restricts(c, _NEGATIVE) for c in clauses):
        return False
    if not statement_actions(allow, index) <= statement_actions(deny, index):
        return False
    if deny.resources is None:
        return deny.not_resources is None
    if allow.resources is None:
        return any(r.strip("*") == "" for r in deny.resources)
    return all(any(wildcard.resource_contains(d, r) for d in deny.resources) for r in allow.resources)


def exposures(document, index) -> list:
    """Every Allow statement of ``document`` that grants public access."""
    from policy_tf.analysis.document import normalize

    statements = [s for s in normalize(document).statements if isinstance(s.raw, dict)]
    denies = [s for s in statements if s.deny]
    out = []
    for s in statements:
        if not s.allow:
            continue
        who = _open_principal(s)
        if who is None:
            continue
        if any(_restricts(c, _POSITIVE) for c in cl.clauses(s.condition)):
            continue
        if any(_deny_restricts(s, d, index) for d in denies):
            continue
        actions = s.actions if s.actions is not None else tuple(f"NotAction {a}" for a in s.not_actions or ())
        out.append(Exposure(s.index, s.sid, who, tuple(actions)))
    return out
