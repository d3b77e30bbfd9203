"""An entity's permissions boundary and policies, read and set the same way for roles and users."""
from __future__ import annotations

import hashlib
import json


def _call(iam, verb: str, entity_type: str, name: str, **kwargs):
    """``iam.<verb>_role_...`` or ``..._user_...``: ``verb`` holds ``{}`` where role/user goes."""
    key = "RoleName" if entity_type == "role" else "UserName"
    return getattr(iam, verb.format(entity_type))(**{key: name}, **kwargs)


def current_boundary(iam, entity_type: str, name: str) -> str | None:
    """The ARN of the entity's permissions boundary, or None."""
    item = _call(iam, "get_{}", entity_type, name)["Role" if entity_type == "role" else "User"]
    return (item.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")


def put_boundary(iam, entity_type: str, name: str, policy_arn: str | None) -> None:
    """Set the boundary to ``policy_arn``, or remove it when None."""
    if policy_arn:
        _call(iam, "put_{}_permissions_boundary", entity_type, name, PermissionsBoundary=policy_arn)
    else:
        _call(iam, "delete_{}_permissions_boundary", entity_type, name)


def default_document(iam, policy_arn: str) -> tuple[str, dict] | None:
    """(default version id, document) of a managed policy, or None if it does not exist."""
    try:
        version = iam.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"]
    except iam.exceptions.NoSuchEntityException:
        return None
    document = iam.get_policy_version(PolicyArn=policy_arn, VersionId=version)["PolicyVersion"]["Document"]
    if isinstance(document, str):
        from urllib.parse import unquote

        document = json.loads(unquote(document))
    return version, document


def fingerprint(iam, entity_type: str, name: str) -> str:
    """A digest of what the plan was based on: boundary (and its version), attached and inline policies.

    ``boundary apply`` refuses an entity whose fingerprint changed since the plan.
    """
    boundary = current_boundary(iam, entity_type, name)
    found = default_document(iam, boundary) if boundary else None
    key = {("RoleName" if entity_type == "role" else "UserName"): name}
    attached, inline = [], []
    for page in iam.get_paginator(f"list_attached_{entity_type}_policies").paginate(**key):
        attached += [p["PolicyArn"] for p in page["AttachedPolicies"]]
    for page in iam.get_paginator(f"list_{entity_type}_policies").paginate(**key):
        inline += page["PolicyNames"]
    version = found[0] if found else None
    state = {"boundary": boundary, "boundary_version": version, "attached": sorted(attached), "inline": sorted(inline)}
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()
