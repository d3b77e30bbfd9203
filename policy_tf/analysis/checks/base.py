"""What every check module shares: the registry of checks and the per-policy context."""
from __future__ import annotations

from collections import namedtuple
from functools import cached_property

from policy_tf.analysis.model import Finding

Check = namedtuple("Check", "code severity category reason")

IDENTITY_KINDS = ("identity", "boundary", "scp")


class Context:
    """One policy being checked, with the database views its checks need (built lazily)."""

    def __init__(self, policy, db=None, iam_names=None):
        from policy_tf.analysis.document import normalize
        from policy_tf.analysis.expand import action_index

        self.policy = policy
        self.iam_names = iam_names or {}  # Terraform address -> IAM name (Inputs.iam_names)
        self.document = normalize(policy.document)
        self.index = action_index(db)
        self.catalog = self.index.catalog
        self.findings: list[Finding] = []

    @property
    def kind(self) -> str:
        return self.policy.kind

    @cached_property
    def resolver(self):
        from policy_tf.analysis.applicability import resolver

        return resolver(self.catalog)

    @cached_property
    def effective(self):
        from policy_tf.analysis.effective import evaluate

        return evaluate([(0, s) for s in self.document.statements], self.index)

    def actions_of(self, statement) -> frozenset:
        from policy_tf.analysis.expand import statement_actions

        return statement_actions(statement, self.index)


def finding(check: Check, policy, message: str, statement: int | None = None, actions=(), method=None,
            **extra) -> Finding:
    # positional: an audit makes thousands, and keywords cost a Finding a third more
    return Finding(check.code, check.severity, check.category, message, policy.file, policy.name, statement,
                   tuple(actions), method, None, extra)


def registry(*checks: tuple) -> dict:
    """code -> Check, from (code, severity, category, reason) tuples."""
    return {c[0]: Check(*c) for c in checks}
