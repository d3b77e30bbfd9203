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

from policy_tf.errors import InputError

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
    from policy_tf.analysis.checks import check_policy
    from policy_tf.analysis.inputs import guess_kind
    from policy_tf.analysis.model import PolicyInput

    kind = guess_kind(document)
    found = check_policy(PolicyInput(path, path, kind, document), db, {"validity"})
    errors = [f for f in found if f.severity == "ERROR"]
    shape = [f for f in errors if f.code in SHAPE_ERRORS]
    if shape:
        shown = "; ".join(f"{f.code}: {f.message}" for f in shape[:MAX_SHOWN])
        more = f"; and {len(shape) - MAX_SHOWN} more (run policy_tf audit {path})" if len(shape) > MAX_SHOWN else ""
        raise InputError(f"{path}: not a policy document AWS would accept: {shown}{more}")
    return [f for f in errors if f.code not in SHAPE_ERRORS]
