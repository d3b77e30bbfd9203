"""What analysis reads and what it reports: input -> policies -> findings -> report.

Readers (policy files, folders, account-authorization-details, Terraform plans, ``.tf`` files)
produce ``PolicyInput``; checks turn those into ``Finding``; renderers (text, JSON, SARIF,
HTML) only read findings.
"""
from __future__ import annotations

from dataclasses import dataclass, field

SEVERITIES = ("ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION")  # most severe first
CATEGORIES = ("validity", "privilege-escalation", "resource-exposure", "credentials-exposure",
              "data-exfiltration", "infrastructure-modification", "service-wildcard", "trust")
# kind of policy: what its statements mean and which checks apply
KINDS = ("identity", "resource", "trust", "boundary", "scp")


@dataclass(frozen=True)
class PolicyInput:
    """One policy document to analyze, with where it came from.

    ``name`` identifies the policy within ``file``: a policy name, a Terraform resource
    address plus attribute path (``aws_iam_role.app.inline_policy.0.policy``), and so on.
    ``statement_lines`` holds the 1-based line in ``file`` of each statement, when known
    (for SARIF and text output); ``line`` is the line of the policy itself.
    ``principal`` groups the policies of one role/user/group for cross-policy checks.
    """

    file: str
    name: str
    kind: str
    document: object  # parsed JSON (normally a dict); checks report malformed shapes
    principal: str | None = None
    line: int = 1
    statement_lines: tuple = ()
    resource_type: str | None = None  # e.g. aws_s3_bucket_policy, for resource policies
    account: str | None = None  # the owning account, when known: trust checks then tell other accounts apart


@dataclass(frozen=True)
class NotAnalyzed:
    """A policy that exists but whose content cannot be analyzed (for example, known only after apply)."""

    file: str
    name: str
    reason: str
    line: int = 1


@dataclass(frozen=True)
class Finding:
    code: str            # stable, upper snake case: e.g. UNKNOWN_ACTION, PRIVESC_PASSROLE_LAMBDA
    severity: str        # one of SEVERITIES
    category: str        # one of CATEGORIES
    message: str
    file: str
    policy: str
    statement: int | None = None  # index into the Statement list, when the finding is about one
    actions: tuple = ()
    method: str | None = None     # privilege-escalation method name
    line: int | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def as_dict(self) -> dict:
        return {
            "code": self.code, "severity": self.severity, "category": self.category, "method": self.method,
            "actions": list(self.actions), "file": self.file, "policy": self.policy, "statement": self.statement,
            "message": self.message, "location": {"line": self.line} if self.line else None,
        }
