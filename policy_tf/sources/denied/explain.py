"""A denial -> which kind of policy blocks it, and the smallest template change where an
identity policy can fix it.

Only an implicit deny that an identity-based policy would lift (the message says no
identity-based policy allows it, or does not say) gets a template change: the action alone on
the resource of the message (``named-actions``), or ``wildcard-only`` for actions that support
only ``*``, checked against the IAM database. A deny, or a missing allow in another kind of
policy, gets no template change: an identity policy cannot lift it; the explanation names
where to look instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from policy_tf.sources.denied.message import BOUNDARY, ENDPOINT, IDENTITY, RCP, RESOURCE, SCP, SESSION, UNKNOWN, Denial

WHERE = {
    IDENTITY: "the identity-based policies of the principal (its role or user, and the user's groups)",
    RESOURCE: "the policy of the resource itself (bucket policy, key policy, queue or topic policy, "
              "role trust policy...); across accounts both it and the caller's identity policy must allow",
    SCP: "the service control policies of the account's organization (AWS Organizations, from the root down "
         "to the account)",
    RCP: "the resource control policies of the resource's organization (AWS Organizations)",
    BOUNDARY: "the permissions boundary set on the principal's role or user",
    SESSION: "the session policy passed when the session was created (AssumeRole, GetFederationToken Policy "
             "/ PolicyArns)",
    ENDPOINT: "the policy of the VPC endpoint the request went through",
    UNKNOWN: "every policy type that applies: identity-based policies, then service control, resource control, "
             "resource-based, permissions boundary and session policies",
}


@dataclass
class Explanation:
    denial: Denial
    blocked_by: str                  # sentence: what blocks
    fixable: bool                    # an identity policy can fix it
    change: dict = field(default_factory=dict)  # template fragment (named-actions / wildcard-only)
    notes: list = field(default_factory=list)
    where: str = ""                  # where to look


def explain_message(message: str, db=None) -> Explanation:
    """An AccessDenied message (any form of ``policy_tf.sources.denied.message``) -> its explanation."""
    from policy_tf.sources.denied.message import parse

    return explain(parse(message), db)


def explain(denial: Denial, db=None) -> Explanation:
    from policy_tf.iamdb.catalog import catalog

    cat = catalog(db)
    if denial.explicit:
        kind = denial.kind or "a policy (the decoded message does not say which kind)"
        blocked = f"an explicit deny in {_article(kind)}" + (f" ({denial.policy_arn})" if denial.policy_arn else "")
        out = Explanation(denial, blocked, False, where=WHERE[denial.kind])
        out.notes.append("No template change: an Allow never overrides a Deny. Remove or narrow the Deny statement, "
                         "or stop making the call.")
        if denial.statements:
            out.notes.append("matched statements: " + ", ".join(denial.statements))
        return out
    if denial.kind not in (IDENTITY, UNKNOWN):
        out = Explanation(denial, f"no {denial.kind} allows it (an implicit deny)", False, where=WHERE[denial.kind])
        out.notes.append("No template change: the principal's identity policy may allow it already; "
                         f"{_article(denial.kind)} "
                         "must allow it too.")
        return out
    blocked = "no identity-based policy allows it (an implicit deny)" if denial.kind == IDENTITY else \
        "no policy allows it; the message does not say which kind (the older form, or a decoded message)"
    out = Explanation(denial, blocked, True, where=WHERE[denial.kind])
    found = cat.expand(denial.action) if "*" not in denial.action and "?" not in denial.action else []
    if not found:
        out.fixable = False
        out.notes.append(f"{denial.action} is not an action of the IAM database: no template change "
                         "(run 'policy_tf initialize' if AWS added it recently)")
        return out
    prefix, name = found[0]
    action = f"{prefix}:{name}"
    types = [r.resource_type for r in cat.rows(prefix, name) if r.resource_type]
    if not types:
        out.change = {"wildcard-only": {"single-actions": [action]}}
        out.notes.append(f"{action} supports only Resource \"*\".")
    elif denial.resource and denial.resource != "*" and _matches(cat, denial.resource, prefix, types):
        out.change = {"named-actions": {action: [denial.resource]}}
        level = cat.level(prefix, name)
        out.notes.append(f"{action} alone on this resource; listing the ARN under '{_level_key(level)}' instead would "
                         f"grant every {level} action on it.")
    else:
        formats = [f"{t}: {f}" for t in types for f in cat.formats(prefix, t)]
        out.fixable = False
        shown = denial.resource or "no resource"
        out.notes.append(f"No template change: the message names {shown}, which is no ARN of a resource type "
                         f"{action} acts on ({'; '.join(formats[:4])}). Add {action} with the ARN of the resource "
                         "the call used under named-actions.")
    if denial.kind == UNKNOWN and out.change:
        out.notes.append("If the principal's policy already allows this, the deny comes from another policy "
                         "type: look at "
                         + WHERE[UNKNOWN] + ".")
    return out


def _matches(cat, arn: str, prefix: str, types: list[str]) -> bool:
    from policy_tf.core.errors import InputError
    from policy_tf.iamdb.arn import parse_arn

    try:
        return any(p == prefix and t in types for p, t in cat.match(parse_arn(arn)))
    except InputError:
        return False


def _level_key(level: str) -> str:
    from policy_tf.writing.template import LEVEL_KEYS

    return next((k for k, v in LEVEL_KEYS.items() if v == level), level.lower())


def _article(kind: str) -> str:
    return ("an " if kind[:1].lower() in "aeiou" else "a ") + kind


def merge(template: dict, change: dict) -> tuple[dict, bool]:
    """(the template with the change merged, whether it changed anything)."""
    import copy

    merged = copy.deepcopy(template)
    changed = False
    if merged.get("mode") == "actions":
        actions = merged.setdefault("actions", [])
        if isinstance(actions, str):
            actions = merged["actions"] = [actions]
        for action in [*change.get("named-actions", {}), *change.get("wildcard-only", {}).get("single-actions", [])]:
            if action not in actions:
                actions.append(action)
                changed = True
        return merged, changed
    for action, arns in change.get("named-actions", {}).items():
        named = merged.setdefault("named-actions", {})
        present = named.setdefault(action, [])
        if isinstance(present, str):
            present = named[action] = [present]
        for arn in arns:
            if arn not in present:
                present.append(arn)
                changed = True
    for action in change.get("wildcard-only", {}).get("single-actions", []):
        wildcard = merged.setdefault("wildcard-only", {})
        single = wildcard.setdefault("single-actions", [])
        if isinstance(single, str):
            single = wildcard["single-actions"] = [single]
        if action not in single:
            single.append(action)
            changed = True
    return merged, changed
