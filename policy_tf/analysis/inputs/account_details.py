"""``aws iam get-account-authorization-details`` output -> policies, grouped by principal.

Every managed policy (its default version), every inline policy and every trust policy is
analyzed once; each role, user and group is a principal holding its inline policies, the managed
policies attached to it and, for a user, those of its groups (for cross-policy checks).
"""
from __future__ import annotations

from urllib.parse import unquote

from policy_tf.analysis.inputs import Inputs, unparsable
from policy_tf.analysis.model import PolicyInput


def _document(value, file: str, name: str, out: Inputs):
    """A policy document as the CLI prints it (an object) or as the API returns it (URL-encoded JSON)."""
    if isinstance(value, str):
        from policy_tf.analysis.inputs import json_text
        from policy_tf.core.errors import InputError

        try:  # the one JSON loader: duplicate keys and deep nesting are findings too
            return json_text.loads(unquote(value), name)
        except InputError as exc:
            out.findings.append(unparsable(file, name, str(exc)))
            return None
    return value


def _entries(entry: dict, key: str, where: str, out: Inputs, kind: type = dict) -> list:
    """``entry[key]`` as a list of ``kind`` items; anything else is an error naming the field."""
    value = entry.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        out.errors.append(f"{where}: {key} must be a list, not {type(value).__name__}")
        return []
    good = [item for item in value if isinstance(item, kind)]
    if len(good) != len(value):
        out.errors.append(f"{where}: {key} holds entries that are not {'objects' if kind is dict else 'strings'}")
    return good


def _named(entry: dict, key: str, file: str, out: Inputs) -> bool:
    if isinstance(entry.get(key), str):
        return True
    out.errors.append(f"{file}: {key} must be a string, not {type(entry.get(key)).__name__}")
    return False


def read_account_details(file: str, document: dict) -> Inputs:
    out = Inputs()
    managed: dict = {}  # ARN -> PolicyInput
    for policy in _entries(document, "Policies", file, out):
        arn, name = policy.get("Arn") or policy.get("PolicyName"), f"policy/{policy.get('PolicyName')}"
        if not isinstance(arn, str):
            out.errors.append(f"{file}: managed policy {name}: Arn: expected a string, got {type(arn).__name__}")
            continue
        versions = _entries(policy, "PolicyVersionList", f"{file}: managed policy {name}", out)
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
        for policy in _entries(entry, key, f"{file}: {principal}", out):
            name = f"{principal}/inline/{policy.get('PolicyName')}"
            body = _document(policy.get("PolicyDocument"), file, name, out)
            if body is not None:
                item = PolicyInput(file, name, "identity", body, principal=principal)
                out.policies.append(item)
                items.append(item)
        attached = [managed[a["PolicyArn"]] for a in _entries(entry, "AttachedManagedPolicies", f"{file}: {principal}",
                                                              out)
                    if isinstance(a.get("PolicyArn"), str) and a["PolicyArn"] in managed]
        out.principals[principal] = items + attached
        return items + attached

    groups = {g.get("GroupName"): inline("group", g, "GroupPolicyList")
              for g in _entries(document, "GroupDetailList", file, out)
              if _named(g, "GroupName", file, out)}
    for user in _entries(document, "UserDetailList", file, out):
        own = inline("user", user, "UserPolicyList")
        for group in _entries(user, "GroupList", f"{file}: user/{user.get('UserName')}", out, str):
            own += [p for p in groups.get(group, []) if p not in own]
        out.principals[f"user/{user.get('UserName')}"] = own
    for role in _entries(document, "RoleDetailList", file, out):
        inline("role", role, "RolePolicyList")
        trust = _document(role.get("AssumeRolePolicyDocument"), file, f"role/{role.get('RoleName')}/trust", out)
        if trust is not None:
            out.policies.append(PolicyInput(file, f"role/{role.get('RoleName')}/trust", "trust", trust))
    return out
