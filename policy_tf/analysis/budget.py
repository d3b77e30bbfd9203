"""The expansion budget of an audit: work scales with distinct patterns, and a policy whose
statements together expand to more actions than any real policy can hold is refused by name.

Patterns are de-duplicated before expansion (``ActionIndex.expand_all``), so ``["*"] x 100,000``
costs one expansion. What de-duplication cannot shrink is a policy that repeats a broad
statement: 2,000 statements of ``"*"`` hold 44 million (statement, action) pairs, and every
check that reports per statement would pay for each. AWS caps a managed policy at 6,144
characters (about 300 statements); the budget below is far above any policy AWS accepts.
"""
from __future__ import annotations

MAX_EXPANDED = 2_000_000  # (statement, action) pairs in one policy: ~90 statements of "*"


def over_budget(document, index) -> str | None:
    """Why ``document`` is too large to audit, or None."""
    from policy_tf.analysis.document import normalize
    from policy_tf.analysis.expand import statement_actions

    if not isinstance(document, dict):
        return None
    statements = document.get("Statement")
    if (len(statements) if isinstance(statements, list) else 1) * index.count <= MAX_EXPANDED:
        return None  # even every statement granting every action stays in budget: nothing to expand
    total = 0
    for s in normalize(document).statements:
        total += len(statement_actions(s, index))
        if total > MAX_EXPANDED:
            return (f"its statements expand to more than {MAX_EXPANDED:,} actions in all (at statement {s.index}); "
                    "no policy AWS accepts is this large, so it is not audited")
    return None


def refuse_over_budget(inputs, db=None) -> None:
    """Move each over-budget policy of ``inputs`` (and its prior state) to ``inputs.errors``."""
    from policy_tf.analysis.expand import action_index

    index = action_index(db)
    for found in (inputs, inputs.prior):
        if found is None:
            continue
        refused = set()
        for policy in found.policies:
            why = over_budget(policy.document, index)
            if why:
                refused.add(id(policy))
                found.errors.append(f"{policy.file}: {policy.name}: {why}")
        if refused:
            found.policies = [p for p in found.policies if id(p) not in refused]
            found.principals = {who: [p for p in ps if id(p) not in refused] for who, ps in found.principals.items()}
