"""``aws iam get-account-authorization-details`` output -> policies, grouped by principal.

Every managed policy (its default version), every inline policy and every trust policy is
analyzed once; each role, user and group is a principal holding its inline policies, the managed
policies attached to it and, for a user, those of its groups (for cross-policy checks).
"""
from __future__ import annotations

import json
from urllib.parse import unquote

from policy_tf.analysis.inputs import Inputs, unparsable
from policy_tf.analysis.model import PolicyInput


def _document(value, file: str, name: str, out: Inputs):
    """A policy document as the CLI prints it (an object) or as the API returns it (URL-encoded JSON)."""
    if isinstance(value, str):
        try:
            return json.loads(unquote(value))
        except ValueError as exc:
            out.findings.append(unparsable(file, name, f"{name}: not valid JSON: {exc}"))
            return None
    return value


def _list(document: dict, key: str, file: str, out: Inputs) -> list:
    value = document.get(key) or []
    if not isinstance(value, list):
        out.errors.append(f"{file}: {key} must be a list, not {type(value).__name__}")
        return []
    good = [item for item in value if isinstance(item, dict)]
    if len(good) != len(value):
        out.errors.append(f"{file}: {key} holds entries that are not objects")
    return good


def read_account_details(file: str, document: dict) -> Inputs:
    out = Inputs()
    managed: dict = {}  # ARN -> PolicyInput
    for policy in _list(document, "Policies", file, out):
        arn, name = policy.get("Arn") or policy.get("PolicyName"), f"policy/{policy.get('PolicyName')}"
        if not isinstance(arn, str):
            out.errors.append(f"{file}: managed policy {name}: Arn: expected a string, got {type(arn).__name__}")
            continue
        versions = [v for v in policy.get("PolicyVersionList") or [] if isinstance(v, dict)]
        default = next((v for v in versions if v.get("IsDefaultVersion")), None) or \
            next((v for v in versions if v.get("VersionId") == policy.get("DefaultVersionId")), None)
        if default is None:
            out.errors.append(f"{file}: managed policy {arn} has no default version in PolicyVersionList")
            continue
        body = _document(default.get("Document"), file, name, out)
        if body is not None:
            managed[arn] = PolicyInput(file, name, "identity", body)
            out.policies.append(managed[arn])

    def inline(kind: str, entry: dict, key: str) -> list:
        principal = f"{kind}/{entry.get(kind.capitalize() + 'Name')}"
        items = []
        for policy in entry.get(key) or []:
            if not isinstance(policy, dict):
                continue
            name = f"{principal}/inline/{policy.get('PolicyName')}"
            body = _document(policy.get("PolicyDocument"), file, name, out)
            if body is not None:
                item = PolicyInput(file, name, "identity", body, principal=principal)
                out.policies.append(item)
                items.append(item)
        attached = [managed[a["PolicyArn"]] for a in entry.get("AttachedManagedPolicies") or []
                    if isinstance(a, dict) and isinstance(a.get("PolicyArn"), str) and a["PolicyArn"] in managed]
        out.principals[principal] = items + attached
        return items + attached

    groups = {g.get("GroupName"): inline("group", g, "GroupPolicyList") for g in _list(document, "GroupDetailList", file, out)}
    for user in _list(document, "UserDetailList", file, out):
        own = inline("user", user, "UserPolicyList")
        for group in user.get("GroupList") or []:
            own += [p for p in groups.get(group, []) if p not in own]
        out.principals[f"user/{user.get('UserName')}"] = own
    for role in _list(document, "RoleDetailList", file, out):
        inline("role", role, "RolePolicyList")
        trust = _document(role.get("AssumeRolePolicyDocument"), file, f"role/{role.get('RoleName')}/trust", out)
        if trust is not None:
            out.policies.append(PolicyInput(file, f"role/{role.get('RoleName')}/trust", "trust", trust))
    return out
