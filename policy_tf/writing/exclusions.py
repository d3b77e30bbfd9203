"""exclude-actions: IAM action wildcards removed from every grant, ASCII case-insensitively.

Patterns are read by ``policy_tf.iamnames``, the one matcher: ``*`` and ``?`` only (fnmatch's
``[...]`` would make ``s3:GetObjec[t]`` remove ``s3:GetObject``).
"""
from __future__ import annotations

from policy_tf import iamnames
from policy_tf.diagnostics import UNUSED_EXCLUSION, Diagnostic

TYPE_CHECKING = False
if TYPE_CHECKING:
    from policy_tf.writing.grants import Grants
    from policy_tf.writing.template import Template


def exclude(grants: Grants, patterns: list[str], matched: set[int]) -> None:
    """Remove excluded actions from every grant; add the indexes of the patterns that matched to ``matched``."""
    if not patterns:
        return
    matcher = iamnames.Patterns(patterns)
    for grant in grants:
        removed = {a for a in grant.actions if matcher(a)}
        if removed:
            grant.actions = grant.actions - removed
            matched |= matcher.which(removed)

def unused(template: Template, matched: set[int]) -> list[Diagnostic]:
    """Diagnostics for the patterns that excluded nothing."""
    return [Diagnostic(UNUSED_EXCLUSION, template.where(f"exclude-actions[{i}]"), f"{pattern} excluded nothing")
            for i, pattern in enumerate(template.exclude_actions) if i not in matched]
