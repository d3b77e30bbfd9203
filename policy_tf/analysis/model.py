"""What analysis reads and what it reports: input -> policies -> findings -> report.

Readers (policy files, folders, account-authorization-details, Terraform plans, ``.tf`` files)
produce ``PolicyInput``; checks turn those into ``Finding``; renderers (text, JSON, SARIF,
HTML) only read findings.
"""
from __future__ import annotations

from collections import namedtuple

SEVERITIES = ("ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION")  # most severe first
CATEGORIES = ("validity", "privilege-escalation", "resource-exposure", "credentials-exposure",
              "data-exfiltration", "infrastructure-modification", "service-wildcard", "trust")
# kind of policy: what its statements mean and which checks apply
KINDS = ("identity", "resource", "trust", "boundary", "scp")
# The account of an ARN that Terraform knows only at apply: a role, user, group or policy of the
# configuration named by reference (``aws_iam_role.ops.arn``), or ``aws_caller_identity``'s
# ``account_id``. Written as AWS's ARN formats write an account; read as a policy variable
# (any account), and never as another account than the policy's own.
UNKNOWN_ACCOUNT = "${Account}"


# The records are named tuples rather than dataclasses: importing dataclasses and building
# the classes cost about 10 ms of every audit's start, and these are immutable all the same.


class PolicyInput(namedtuple("PolicyInput",
                             "file name kind document principal line statement_lines resource_type account",
                             defaults=(None, 1, (), None, None))):
    """One policy document to analyze, with where it came from.

    ``document`` is the parsed JSON (normally a dict; checks report malformed shapes).
    ``name`` identifies the policy within ``file``: a policy name, a Terraform resource
    address plus attribute path (``aws_iam_role.app.inline_policy.0.policy``), and so on.
    ``statement_lines`` holds the 1-based line in ``file`` of each statement, when known
    (for SARIF and text output); ``line`` is the line of the policy itself.
    ``principal`` groups the policies of one role/user/group for cross-policy checks.
    ``resource_type`` names a resource policy's Terraform type (aws_s3_bucket_policy);
    ``account`` the owning account, when known (trust checks then tell other accounts apart).
    """

    __slots__ = ()


class NotAnalyzed(namedtuple("NotAnalyzed", "file name reason line", defaults=(1,))):
    """A policy that exists but whose content cannot be analyzed (for example, known only after apply)."""

    __slots__ = ()


class Finding(namedtuple("Finding", "code severity category message file policy statement actions method line extra",
                         defaults=(None, (), None, None, None))):
    """One finding. ``code`` is stable, upper snake case (UNKNOWN_ACTION, PRIVESC_PASSROLE_LAMBDA);
    ``severity`` one of SEVERITIES; ``category`` one of CATEGORIES; ``statement`` the index
    into the Statement list, when the finding is about one; ``method`` the privilege-escalation
    method's name; ``extra`` what a check adds (not compared: two findings that say the same
    thing are equal)."""

    __slots__ = ()

    def __eq__(self, other) -> bool:
        return isinstance(other, Finding) and self[:10] == other[:10]

    def __ne__(self, other) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self[:10])

    def as_dict(self) -> dict:
        return {
            "code": self.code, "severity": self.severity, "category": self.category, "method": self.method,
            "actions": list(self.actions), "file": self.file, "policy": self.policy, "statement": self.statement,
            "message": self.message, "location": {"line": self.line} if self.line else None,
        }
