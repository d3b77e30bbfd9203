"""Validity of Principal and NotPrincipal, per kind of policy."""
from __future__ import annotations

import re

from policy_tf.analysis.checks.base import IDENTITY_KINDS, registry
from policy_tf.analysis.model import UNKNOWN_ACCOUNT

E, S, W, G = "ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION"
V = "validity"

CHECKS = registry(
    ("MISSING_PRINCIPAL", E, V, "A resource or trust policy statement needs Principal or NotPrincipal."),
    ("PRINCIPAL_IN_IDENTITY_POLICY", E, V, "An identity policy applies to whoever holds it: Principal is not allowed."),
    ("PRINCIPAL_AND_NOT_PRINCIPAL", E, V, "A statement may have Principal or NotPrincipal, not both."),
    ("UNKNOWN_PRINCIPAL_TYPE", E, V, "A principal is of type AWS, Service, Federated or CanonicalUser."),
    ("INVALID_AWS_PRINCIPAL", E, V, "An AWS principal is '*', a 12-digit account or an IAM/STS principal ARN."),
    ("INVALID_SERVICE_PRINCIPAL", W, V, "A service principal looks like service.amazonaws.com."),
    ("WILDCARD_IN_PRINCIPAL", E, V,
     "IAM refuses wildcards in a principal (arn:aws:iam::*:root, role/*): only \"*\" alone means every principal, and "
     "read as any account it would be the widest trust there is."),
    ("INVALID_FEDERATED_PRINCIPAL", E, V,
     "A federated principal is a SAML or OIDC provider ARN, or cognito-identity.amazonaws.com, accounts.google.com, "
     "graph.facebook.com or www.amazon.com."),
    ("INVALID_CANONICAL_USER", E, V, "A CanonicalUser principal is a 64-character hexadecimal S3 canonical user id."),
    ("ALLOW_WITH_NOT_PRINCIPAL", S, V, "Allow with NotPrincipal grants everyone else, including anonymous users."),
)

TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
# IAM and STS principal ARNs (a user group is no principal); the account may be a policy variable.
_AWS_ARN = re.compile(r"^arn:aws[a-z-]*:(?:iam::(?:\d{12}|\$\{[^}]+\}):(?:root|user/.+|role/.+)"
                      r"|sts::(?:\d{12}|\$\{[^}]+\}):(?:assumed-role/.+/.+|federated-user/.+))$")
# A CloudFront origin access identity, as S3 bucket policies name it.
_CLOUDFRONT_OAI = re.compile(r"^arn:aws[a-z-]*:iam::cloudfront:user/CloudFront Origin Access Identity [A-Z0-9]+$")
_FEDERATED = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(saml-provider/[\w+=,.@-]+|oidc-provider/[^\s*?]+)$")
_WEB_IDENTITY = ("cognito-identity.amazonaws.com", "accounts.google.com", "graph.facebook.com", "www.amazon.com")
_CANONICAL = re.compile(r"^[0-9a-f]{64}$")
_ACCOUNT = re.compile(r"^\d{12}$")
# IAM shows a deleted user's or role's unique id (AIDA..., AROA...) where its ARN stood.
_UNIQUE_ID = re.compile(r"^A(IDA|ROA|GPA)[A-Z0-9]{12,}$")
_SERVICE = re.compile(r"^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$|^[a-z0-9-]+\.amazon\.com$")


def _wildcard(value: str) -> bool:
    """A * or ? outside policy variables, in anything but "*" alone."""
    return value != "*" and any(c in re.sub(r"\$\{[^}]*\}", "", value) for c in "*?")


def run(ctx, report) -> None:
    for s in ctx.document.statements:
        if not isinstance(s.raw, dict):
            continue
        i = s.index
        if s.principal is not None and s.not_principal is not None:
            report("PRINCIPAL_AND_NOT_PRINCIPAL", f"statement {i} has both Principal and NotPrincipal", statement=i)
        present = s.principal is not None or s.not_principal is not None
        if ctx.kind in IDENTITY_KINDS and present:
            report("PRINCIPAL_IN_IDENTITY_POLICY", f"statement {i}: an {ctx.kind} policy cannot name a Principal",
                   statement=i)
        elif ctx.kind in ("resource", "trust") and not present:
            report("MISSING_PRINCIPAL", f"statement {i} has no Principal", statement=i)
        if s.allow and s.not_principal is not None:
            report("ALLOW_WITH_NOT_PRINCIPAL", f"statement {i}: Allow with NotPrincipal allows every other principal",
                   statement=i)
        for element in (s.principal, s.not_principal):
            for kind, values in (element or {}).items():
                if kind == "*":
                    continue
                if kind not in TYPES:
                    report("UNKNOWN_PRINCIPAL_TYPE", f"statement {i}: unknown principal type {kind!r}", statement=i)
                    continue
                for value in values:
                    if _wildcard(value):
                        report("WILDCARD_IN_PRINCIPAL",
                               f"statement {i}: {kind} principal {value!r} holds a wildcard: IAM refuses it "
                               "(only \"*\" alone means every principal)", statement=i)
                    elif kind == "AWS" and value not in ("*", UNKNOWN_ACCOUNT) \
                            and not any(p.match(value) for p in (_ACCOUNT, _AWS_ARN, _UNIQUE_ID, _CLOUDFRONT_OAI)):
                        report("INVALID_AWS_PRINCIPAL",
                               f"statement {i}: {value!r} is not an account id or principal ARN", statement=i)
                    elif kind == "Service" and value != "*" and not _SERVICE.match(value):
                        report("INVALID_SERVICE_PRINCIPAL", f"statement {i}: {value!r} is not a service principal",
                               statement=i)
                    elif kind == "Federated" and value not in _WEB_IDENTITY and not _FEDERATED.match(value):
                        report("INVALID_FEDERATED_PRINCIPAL", f"statement {i}: {value!r} is not an identity provider",
                               statement=i)
                    elif kind == "CanonicalUser" and not _CANONICAL.match(value):
                        report("INVALID_CANONICAL_USER", f"statement {i}: {value!r} is not a canonical user id",
                               statement=i)
