"""The permissions boundary an entity's real usage calls for: what it keeps, its protection, its size.

What a boundary keeps, from an entity's Access Advisor entry (``advisor.usage``):

* every service used within the period; where AWS tracks the service at action level, only
  the tracked actions used plus every action of the service that AWS does not track (an
  untracked ``s3:GetObject`` is never cut off); otherwise ``service:*``;
* the base set of actions, for entities that used nothing;
* the always-keep list (``ALWAYS_KEEP`` plus ``--keep``): actions Access
  Advisor cannot see, like ``iam:PassRole``.

A Deny statement protects the boundary: the entity can neither change nor delete policy_tf's
boundary policies, nor put or delete a permissions boundary. The document is fitted to the
6,144-character managed-policy limit by minimizing actions (exact prefix wildcards), never by
widening; what still does not fit is an error for that entity.
"""
from __future__ import annotations

from policy_tf.core.errors import PolicyTfError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

POLICY_PREFIX = "policy_tf-boundary-"
POLICY_PATH = "/policy_tf/"
MANAGED_LIMIT = 6144
BASE_ACTIONS = ("sts:GetCallerIdentity",)  # for an entity that used nothing: enough to say who it is
PROTECTED_POLICY_ACTIONS = ("iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
                            "iam:SetDefaultPolicyVersion")
BOUNDARY_ACTIONS = ("iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary",
                    "iam:PutRolePermissionsBoundary", "iam:PutUserPermissionsBoundary")
ALLOW_SID = "PolicyTfUsedWithinPeriod"
# Actions Access Advisor cannot see being used: cutting them on its evidence would break working
# entities. Each with its reason; --keep adds more.
ALWAYS_KEEP = {
    "iam:PassRole": "not an API call but a permission checked when a role is handed to a service (Lambda, ECS, "
                    "EC2...): Access Advisor never reports it (IAM User Guide, last accessed information)",
}


class BoundaryTooLarge(PolicyTfError):
    """The boundary does not fit 6,144 characters even minimized."""


def policy_name(entity_type: str, name: str) -> str:
    """``policy_tf-boundary-<role|user>-<name>``: one boundary policy per entity (at most 88 characters)."""
    return f"{POLICY_PREFIX}{entity_type}-{name}"


def is_ours(policy_arn: str | None) -> bool:
    """True for a boundary policy that policy_tf wrote (by its name, whatever its path)."""
    return bool(policy_arn) and str(policy_arn).rsplit("/", 1)[-1].startswith(POLICY_PREFIX)


def always_keep(extra: Iterable[str] = ()) -> list[str]:
    """The curated always-keep list (``ALWAYS_KEEP``) plus ``extra``."""
    return sorted(set(ALWAYS_KEEP) | set(extra))


def protection(partition: str, account: str) -> list[dict]:
    """Deny statements that keep the entity from loosening or removing its own boundary."""
    return [
        {"Sid": "PolicyTfProtectBoundaryPolicies", "Effect": "Deny", "Action": list(PROTECTED_POLICY_ACTIONS),
         # Any path: the policies-dir module may put the files under a path of its own.
         "Resource": f"arn:{partition}:iam::{account}:policy/*{POLICY_PREFIX}*"},
        {"Sid": "PolicyTfProtectBoundaryAttachment", "Effect": "Deny", "Action": list(BOUNDARY_ACTIONS),
         "Resource": "*"},
    ]


def kept_actions(entry: dict, keep: list[str], base: list[str], db=None) -> tuple[list[str], list[str]]:
    """(actions the boundary allows, notes) for one entity's usage entry."""
    from policy_tf.iamdb import query

    known = {s["prefix"] for s in query.service_table(db)}
    actions: set[str] = set()
    notes: list[str] = []
    used = [s for s in entry["services"] if s["used"]]
    for service in used:
        namespace = service["namespace"]
        if not service["tracked_actions"]:
            actions.add(f"{namespace}:*")
            continue
        if namespace not in known:
            actions.add(f"{namespace}:*")
            notes.append(f"{namespace}: tracked at action level but unknown to the IAM database: kept {namespace}:*")
            continue
        tracked = {a["action"].lower() for a in service["actions"]}
        actions.update(a["action"] for a in service["actions"] if a["used"])
        actions.update(a for a in query.action_names(namespace, db=db) if a.lower() not in tracked)
    if not used:
        actions.update(base)
        notes.append(f"used nothing within the period: the base set only ({', '.join(sorted(base))})")
    actions.update(keep)
    return sorted(actions), notes


def boundary_document(entry: dict, partition: str, account: str, keep: list[str], base: list[str],
                      db=None) -> tuple[dict, list[str]]:
    """(the boundary policy document, notes); BoundaryTooLarge if it cannot fit without widening."""
    from policy_tf.writing.fit import policy_size

    actions, notes = kept_actions(entry, keep, base, db)
    document: dict = {"Version": "2012-10-17", "Statement": [
        {"Sid": ALLOW_SID, "Effect": "Allow", "Action": actions, "Resource": "*"}, *protection(partition, account)]}
    size = policy_size(document)
    if size > MANAGED_LIMIT:
        from policy_tf.writing.minimize import minimize_actions

        document["Statement"][0]["Action"] = minimize_actions(actions, 0, db)
        smaller = policy_size(document)
        notes.append(f"minimized actions to fit {MANAGED_LIMIT} characters: {size} -> {smaller}")
        if smaller > MANAGED_LIMIT:
            raise BoundaryTooLarge(f"the boundary is {smaller} characters even minimized, over the {MANAGED_LIMIT}-"
                                   "character limit of a managed policy; policy_tf never widens a boundary to fit: "
                                   "narrow the entity's permissions or add it to the exceptions")
    return document, notes


def allowed(document: dict | None) -> set[str]:
    """The actions a boundary's Allow statements name (for the plan's diff)."""
    found: set[str] = set()
    statements = (document or {}).get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        if isinstance(statement, dict) and statement.get("Effect") == "Allow":
            action = statement.get("Action", [])
            found.update([action] if isinstance(action, str) else action)
    return found
