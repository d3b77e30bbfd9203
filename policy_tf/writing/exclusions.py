"""exclude-actions: IAM action wildcards removed from every grant, case-insensitively."""
from __future__ import annotations

import fnmatch
import re
from functools import lru_cache

from policy_tf.diagnostics import UNUSED_EXCLUSION, Diagnostic

TYPE_CHECKING = False
if TYPE_CHECKING:
    from policy_tf.writing.grants import Grants
    from policy_tf.writing.template import Template


@lru_cache(maxsize=1024)
def iam_pattern(pattern: str) -> re.Pattern:
    """An IAM action wildcard as a case-insensitive regex (compiled once per process)."""
    return re.compile(fnmatch.translate(pattern.lower()))


@lru_cache(maxsize=256)
def _union(patterns: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(iam_pattern(p).pattern for p in patterns))


def exclude(grants: Grants, patterns: list[str], matched: set[int]) -> None:
    """Remove excluded actions from every grant; add the indexes of the patterns that matched to ``matched``."""
    if not patterns:
        return
    patterns_ = tuple(patterns)
    anyone = _union(patterns_)  # one regex for all patterns: most actions match none
    for grant in grants:
        removed = {a.lower() for a in grant.actions if anyone.match(a.lower())}
        if not removed:
            continue
        grant.actions = {a for a in grant.actions if a.lower() not in removed}
        for i, pattern in enumerate(patterns_):
            if i not in matched and any(iam_pattern(pattern).match(a) for a in removed):
                matched.add(i)


def unused(template: Template, matched: set[int]) -> list[Diagnostic]:
    """Diagnostics for the patterns that excluded nothing."""
    return [Diagnostic(UNUSED_EXCLUSION, template.where(f"exclude-actions[{i}]"), f"{pattern} excluded nothing")
            for i, pattern in enumerate(template.exclude_actions) if i not in matched]
