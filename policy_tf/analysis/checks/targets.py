"""Escalation towards named targets: a method whose actions are all granted, but on named
resources or patterns rather than on every resource, escalates towards whatever those match
(``iam:CreatePolicyVersion`` on ``policy/app-*``; ``iam:UpdateAssumeRolePolicy`` +
``sts:AssumeRole`` on one role). Reported with the targets, by breadth; a target that is the
policy itself or the principal holding it is self-escalation."""
from __future__ import annotations

from functools import lru_cache

from policy_tf.analysis import risklists
from policy_tf.analysis.checks.base import registry

S, W = "SECURITY_WARNING", "WARNING"

CHECKS = registry(
    ("SELF_ESCALATION", S, "privilege-escalation",
     "A privilege-escalation method whose target pattern matches this policy itself or the principal holding it."),
    ("ESCALATION_TOWARDS_PATTERN", S, "privilege-escalation",
     "A privilege-escalation method granted on a wildcard pattern: every principal or policy it matches is a target."),
    ("PATH_TO_ADMIN", S, "privilege-escalation",
     "The principal can become an admin-equivalent principal (assuming roles, passing them to compute, rewriting "
     "trust, taking a user's credentials): the shortest path, each hop with its evidence."),
    ("ESCALATION_TOWARDS_TARGET", W, "privilege-escalation",
     "A privilege-escalation method granted on named resources: a takeover of those targets."),
)

_AWS_MANAGED = ("arn:aws:iam::aws:", "arn:aws-cn:iam::aws:", "arn:aws-us-gov:iam::aws:")
# the resource type each method acts on, as it appears in an IAM ARN
_ARN_KIND = {"role": ":role/", "user": ":user/", "group": ":group/", "policy": ":policy/"}


def _own_names(policy, iam_names=None) -> dict:
    """kind -> IAM-ish names of the policy itself and of the principal holding it (the last
    segment of ``role/app``, ``aws_iam_role.app``, ``policy/fn2-x``, ``aws_iam_policy.fn2.policy``;
    a Terraform resource's ``name`` argument where ``iam_names`` knows it)."""
    out: dict = {}
    iam_names = iam_names or {}

    def add(kind, text):
        if text:
            out.setdefault(kind, set()).add(text)

    name = policy.name or ""
    if name.startswith("policy/"):
        add("policy", name.split("/")[-1])
    elif ".aws_iam_policy." in f".{name}":
        label = name.split("aws_iam_policy.")[-1].split(".")[0]
        address = name[: name.rfind("aws_iam_policy.") + len("aws_iam_policy.") + len(label)]
        add("policy", iam_names.get(address, label))
    principal = policy.principal or ""
    for kind in ("role", "user", "group"):
        if principal.startswith(f"{kind}/"):
            add(kind, principal.split("/")[-1])
        elif f"aws_iam_{kind}." in principal:
            add(kind, iam_names.get(principal, principal.split(f"aws_iam_{kind}.")[-1].split(".")[0]))
    return out


def _matches(pattern: str, kind: str, name: str) -> bool:
    """Whether a Resource pattern covers the customer-managed ``kind/name`` of this account
    (an ``arn:aws:iam::aws:policy/...`` pattern names AWS-managed policies, which no customer
    can change)."""
    from policy_tf.analysis.wildcard import arn_matches

    if pattern == "*":
        return True
    marker = _ARN_KIND[kind]
    if marker not in pattern or pattern.count(":") < 5:
        return False
    account, rest = pattern.split(":", 5)[4:]
    if account == "aws":
        return False
    account = account if account.isdigit() else "123456789012"
    candidates = [f"{kind}/{name}"]
    if rest.startswith(f"{kind}/") and rest.count("/") > 1:  # a path (user/people/ana): the name under it
        candidates.append(f"{rest.rsplit('/', 1)[0]}/{name}")
    return any(arn_matches(pattern, f"arn:aws:iam::{account}:{c}") for c in candidates)


@lru_cache(maxsize=None)
def _methods() -> tuple:
    """(method, its actions as a set): subset tests at C speed, policy after policy."""
    return tuple((m, frozenset(m.actions)) for m in risklists.privilege_escalation())


@lru_cache(maxsize=None)
def _needed() -> frozenset:
    """An action of every method (its first that is not iam:PassRole): a policy granting none
    of these completes no method, and most scoped policies are done with one set test."""
    return frozenset(next((a for a in m.actions if a != "iam:PassRole"), m.actions[0])
                     for m in risklists.privilege_escalation())


def _iam(action: str) -> bool:
    """An action on an IAM principal or policy itself (iam:PassRole only hands a role on)."""
    return action.startswith(("iam:", "sts:")) and action != "iam:PassRole"


def run(ctx, report) -> None:
    if ctx.kind != "identity":
        return
    effective = ctx.effective
    if not effective.grants:
        return
    anywhere = effective.actions()
    if _needed().isdisjoint(anywhere):
        return
    broad = effective.actions(unconstrained_only=True)
    own = None
    for method, actions in _methods():
        if not actions <= anywhere or actions <= broad:
            continue
        # the action that acts on the target: the first one not granted on every resource
        acting = next(a for a in method.actions if a not in broad)
        grants = effective.where(acting, unconstrained_only=False)
        targets = sorted({g.resource or f"NotResource {', '.join(g.not_resources or ())}" for g in grants
                          if not (g.resource or "").startswith(_AWS_MANAGED)})
        if not targets:
            continue  # AWS-managed policies: no customer can write them
        wide = any("*" in t or "?" in t or t.startswith("NotResource") for t in targets)
        if not wide and not _iam(acting):
            continue  # a named function, project or role handed on: least privilege, judged by the graph
        if own is None:
            own = _own_names(ctx.policy, ctx.iam_names)
        selves = sorted({f"{method.target}/{name}" for name in own.get(method.target, ()) for t in targets
                         if _iam(acting) and _matches(t, method.target, name)})
        statement = min(g.statement for g in grants)
        shown = ", ".join(targets[:5]) + (f" and {len(targets) - 5} more" if len(targets) > 5 else "")
        what = f"statement {statement}: {method.name} ({' + '.join(method.actions)})"
        extra = dict(statement=statement, actions=method.actions, method=method.name, targets=targets)
        if selves:
            report("SELF_ESCALATION", f"{what} on {shown} matches {', '.join(selves)} itself: the holder can raise its "
                   f"own permissions. {method.reason}", **extra)
        elif wide:
            report("ESCALATION_TOWARDS_PATTERN", f"{what} towards everything matching {shown}. {method.reason}",
                   **extra)
        else:
            report("ESCALATION_TOWARDS_TARGET", f"{what} towards {shown}. {method.reason}", **extra)
