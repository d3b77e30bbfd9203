"""Condition key names as AWS documents them: the global ``aws:`` keys, and keys with a
placeholder for a name (``aws:ResourceTag/${TagKey}``, ``s3:ExistingObjectTag/<key>``) that a
concrete key (``aws:ResourceTag/team``) stands for. Shared by queries and policy writing.
"""
from __future__ import annotations

import re
from functools import lru_cache

# AWS global condition context keys and their types (IAM User Guide, "AWS global condition
# context keys"). aws:RequestTag/aws:ResourceTag/aws:TagKeys are not here: services list
# them where they apply, so they are checked per action like service keys.
GLOBAL_KEYS = {
    "aws:CalledVia": "ArrayOfString",
    "aws:CalledViaFirst": "String",
    "aws:CalledViaLast": "String",
    "aws:CurrentTime": "Date",
    "aws:Ec2InstanceSourcePrivateIPv4": "IPAddress",
    "aws:Ec2InstanceSourceVpc": "String",
    "aws:EpochTime": "Numeric",
    "aws:FederatedProvider": "String",
    "aws:MultiFactorAuthAge": "Numeric",
    "aws:MultiFactorAuthPresent": "Bool",
    "aws:PrincipalAccount": "String",
    "aws:PrincipalArn": "ARN",
    "aws:PrincipalIsAWSService": "Bool",
    "aws:PrincipalOrgID": "String",
    "aws:PrincipalOrgPaths": "ArrayOfString",
    "aws:PrincipalServiceName": "String",
    "aws:PrincipalServiceNamesList": "ArrayOfString",
    "aws:PrincipalTag/${TagKey}": "String",
    "aws:PrincipalType": "String",
    "aws:RequestedRegion": "String",
    "aws:ResourceAccount": "String",
    "aws:ResourceOrgID": "String",
    "aws:ResourceOrgPaths": "ArrayOfString",
    "aws:SecureTransport": "Bool",
    "aws:SourceAccount": "String",
    "aws:SourceArn": "ARN",
    "aws:SourceIdentity": "String",
    "aws:SourceIp": "IPAddress",
    "aws:SourceOrgID": "String",
    "aws:SourceOrgPaths": "ArrayOfString",
    "aws:SourceVpc": "String",
    "aws:SourceVpcArn": "ARN",
    "aws:SourceVpce": "String",
    "aws:TokenIssueTime": "Date",
    "aws:UserAgent": "String",
    "aws:ViaAWSService": "Bool",
    "aws:VpcSourceIp": "IPAddress",
    "aws:referer": "String",
    "aws:userid": "String",
    "aws:username": "String",
}

# ``${TagKey}`` in most pages, ``<key>`` in a few (S3 object tags).
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}|<[^<>]*>")


def is_pattern(key: str) -> bool:
    """Whether a documented key holds a placeholder."""
    return bool(_PLACEHOLDER.search(key))


@lru_cache(maxsize=None)
def pattern(key: str) -> re.Pattern:
    """'aws:ResourceTag/${TagKey}' -> a regex matching 'aws:ResourceTag/team' (case-insensitive)."""
    return re.compile(".+".join(re.escape(p) for p in _PLACEHOLDER.split(key)), re.I)


def documented_key(name: str, documented: list[str] | dict) -> str | None:
    """The documented key that ``name`` is or stands for: an exact (case-insensitive) match
    first, else the first key whose placeholder ``name`` fills; None if there is none."""
    wanted = name.strip()
    exact = {k.lower(): k for k in documented}
    if wanted.lower() in exact:
        return exact[wanted.lower()]
    return next((k for k in documented if is_pattern(k) and pattern(k).fullmatch(wanted)), None)


def global_key(name: str) -> tuple[str, str] | None:
    """(documented key, type) of the global key ``name`` is or stands for, or None."""
    found = documented_key(name, GLOBAL_KEYS)
    return (found, GLOBAL_KEYS[found]) if found else None
