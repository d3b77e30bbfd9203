"""Who a trust policy (or a resource policy) lets in: anyone, other accounts, compute services."""
from __future__ import annotations

import re

from policy_tf.analysis import risklists
from policy_tf.analysis.checks.base import registry

S, W, G = "SECURITY_WARNING", "WARNING", "SUGGESTION"

CHECKS = registry(
    ("TRUST_ANYONE", S, "trust", "The role can be assumed by any AWS principal (Principal '*'), with no Condition."),
    ("TRUST_ANYONE_WITH_CONDITION", W, "trust",
     "The role can be assumed by any AWS principal that meets its Condition: make sure the Condition pins the caller "
     "(aws:PrincipalOrgID, aws:PrincipalArn, sts:ExternalId)."),
    ("TRUST_CROSS_ACCOUNT", W, "trust",
     "The role can be assumed from another account: make sure it is yours, or require sts:ExternalId."),
    ("TRUST_COMPUTE_SERVICE", G, "trust",
     "A compute service can assume the role: code running there holds its permissions."),
    ("TRUST_FEDERATED_WITHOUT_CONDITION", S, "trust",
     "Web-identity federation without a condition on the token's aud or sub trusts every user of the provider."),
    ("RESOURCE_POLICY_PUBLIC", S, "resource-exposure",
     "A resource policy allows any principal, with no Condition: the resource is public."),
    ("RESOURCE_POLICY_CROSS_ACCOUNT", W, "resource-exposure",
     "A resource policy allows principals of another account: make sure it is meant to."),
)

_ACCOUNT_IN = re.compile(r"^(\d{12})$|^arn:[a-z-]+:(?:iam|sts)::(\d{12}):")


def _account(value: str) -> str | None:
    m = _ACCOUNT_IN.match(value)
    return (m.group(1) or m.group(2)) if m else None


def _anyone(principal) -> bool:
    """Principal "*", {"AWS": "*"}, or a wildcard account (arn:aws:iam::*:root, which IAM
    refuses, read as the widest trust it could mean)."""
    return bool(principal) and ("*" in principal or any(v == "*" or _any_account(v) for v in principal.get("AWS", ())))


def _any_account(value: str) -> bool:
    parts = value.split(":")
    return len(parts) > 5 and parts[0] == "arn" and any(c in parts[4] for c in "*?")


def run(ctx, report) -> None:
    from policy_tf.analysis.effective import holds

    if ctx.kind not in ("trust", "resource"):
        return
    for s in ctx.document.statements:
        state = holds(s) if isinstance(s.raw, dict) else None
        if not s.allow or state is False:  # a Condition that can never hold lets no one in
            continue
        conditional = state is None
        i = s.index
        principal = s.principal or {}
        own = ctx.policy.account
        accounts = {a for v in principal.get("AWS", ()) if (a := _account(v)) is not None and a != own}
        others = sorted(accounts)
        unless = "" if own else " (unless it is this policy's own account)"
        if ctx.kind == "resource":
            if (_anyone(principal) or s.not_principal is not None) and not conditional:
                report("RESOURCE_POLICY_PUBLIC", f"statement {i} allows any principal", statement=i)
            elif others and not conditional:
                report("RESOURCE_POLICY_CROSS_ACCOUNT", f"statement {i} allows account {', '.join(others)}{unless}",
                       statement=i)
            continue
        if _anyone(principal) or s.not_principal is not None:
            if not conditional:
                report("TRUST_ANYONE", f"statement {i}: any AWS principal can assume this role", statement=i)
            else:
                keys = sorted({k for keys in s.condition.values() if isinstance(keys, dict) for k in keys})
                report("TRUST_ANYONE_WITH_CONDITION", f"statement {i}: any AWS principal that meets its Condition "
                       f"({', '.join(keys)}) can assume this role", statement=i)
        if others and not any("sts:externalid" == k.lower()
                              for keys in s.condition.values() if isinstance(keys, dict) for k in keys):
            report("TRUST_CROSS_ACCOUNT", f"statement {i}: account {', '.join(others)}{unless} can assume this role",
                   statement=i)
        compute = risklists.compute_services()
        for service in sorted(set(principal.get("Service", ()))):
            if service in compute:
                report("TRUST_COMPUTE_SERVICE", f"statement {i}: {service} can assume this role: {compute[service]}",
                       statement=i)
        if principal.get("Federated"):
            lowered = {k.lower() for keys in s.condition.values() if isinstance(keys, dict) for k in keys}
            web = [f for f in principal["Federated"] if "oidc-provider/" in f or f in (
                "cognito-identity.amazonaws.com", "accounts.google.com", "graph.facebook.com", "www.amazon.com")]
            if web and not any(k.endswith((":aud", ":sub", ":amr")) for k in lowered):
                report("TRUST_FEDERATED_WITHOUT_CONDITION",
                       f"statement {i}: {', '.join(web)} is trusted without an aud or sub condition", statement=i)
