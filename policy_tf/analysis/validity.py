"""The audit's validity pass, for the commands that read a policy to expand or list its actions.

``expand-policy`` and ``analyze-iam-policy`` used to read whatever they were given: a
Statement that is a string, ``Resource: null``, a string Condition, a lowercase ``deny`` or an
action with a trailing space were read as something, silently. They now run the same checks
``audit`` runs first:

* a shape error (``SHAPE_ERRORS``: the policy cannot be read one way only, and AWS rejects it)
  is an ``InputError`` listing every such finding, and the command exits 2;
* any other validity ERROR (an unknown action, a malformed ARN, an unknown condition key) is
  returned as a note, so that a policy naming an action newer than the database still expands.
"""
from __future__ import annotations

from policy_tf.core.errors import InputError

SHAPE_ERRORS = frozenset({
    "MALFORMED_JSON", "POLICY_NOT_OBJECT", "MISSING_STATEMENT", "EMPTY_STATEMENT", "STATEMENT_NOT_OBJECT",
    "UNKNOWN_POLICY_ELEMENT", "UNKNOWN_STATEMENT_ELEMENT", "INVALID_ELEMENT_TYPE", "EMPTY_ARRAY", "INVALID_VERSION",
    "MISSING_EFFECT", "INVALID_EFFECT", "MISSING_ACTION", "ACTION_AND_NOT_ACTION", "MISSING_RESOURCE",
    "RESOURCE_AND_NOT_RESOURCE", "EMPTY_CONDITION", "INVALID_ACTION_FORMAT", "UNKNOWN_CONDITION_OPERATOR",
})


MAX_SHOWN = 5


def check(document, path: str, db=None) -> list:
    """The validity ERROR findings that leave the policy readable; ``InputError`` for shape errors.

    The policy is read as an identity policy unless a statement names a Principal (as ``audit``
    guesses it), so a bucket policy is not faulted for having one.
    """
    from policy_tf.analysis.inputs import guess_kind
    from policy_tf.analysis.model import PolicyInput

    found = _validity_findings(PolicyInput(path, path, guess_kind(document), document), db)
    errors = [f for f in found if f.severity == "ERROR"]
    shape = [f for f in errors if f.code in SHAPE_ERRORS]
    if shape:
        shown = "; ".join(f"{f.code}: {f.message}" for f in shape[:MAX_SHOWN])
        more = f"; and {len(shape) - MAX_SHOWN} more (run policy_tf audit {path})" if len(shape) > MAX_SHOWN else ""
        raise InputError(f"{path}: not a policy document AWS would accept: {shown}{more}")
    return [f for f in errors if f.code not in SHAPE_ERRORS]


# The modules whose checks are about validity; the risk and semantics modules, which evaluate
# what the policy grants, have no ERROR to add and would cost what ``audit`` pays.
_SHAPE_MODULES = ("structure", "actions", "conditions", "principals", "trust")


def _validity_findings(policy, db=None) -> list:
    """The validity findings of ``check_policy`` from the validity modules alone (``resources``
    too when the policy is within the expansion budget: it compares every action with every ARN)."""
    import importlib

    from policy_tf.analysis.budget import over_budget
    from policy_tf.analysis.checks.base import Context, finding
    from policy_tf.analysis.expand import action_index

    names = _SHAPE_MODULES if over_budget(policy.document, action_index(db)) else (*_SHAPE_MODULES, "resources")
    modules = [importlib.import_module(f"policy_tf.analysis.checks.{name}") for name in names]
    table = {code: check for module in modules for code, check in module.CHECKS.items()}
    ctx = Context(policy, db)
    found: list = []

    def report(code: str, message: str, statement=None, actions=(), method=None, **extra) -> None:
        check = table[code]
        if check.category == "validity":
            found.append(finding(check, policy, message, statement, actions, method, **extra))

    modules[0].run(ctx, report)  # structure: the others need a policy object
    if isinstance(policy.document, dict):
        for module in modules[1:]:
            module.run(ctx, report)
    return list({(f.code, f.statement, f.message): f for f in found}.values())
