"""One template in, finished policies out: write, then minimize and fit to a size limit if asked.

This is what ``write-policy``, ``write-policy-dir`` and ``terraform-external`` share, so the
same template always gives byte-identical output whichever way it is run.
"""
from __future__ import annotations

from collections import namedtuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from policy_tf.iamdb.database import Database
    from policy_tf.writing.template import Template

# policies: one, or several when --fit managed had to split; sizes: without whitespace.
Generated = namedtuple("Generated", "name policies sizes warnings notes")


def generate(
    template: Template, minimize: int | None = None, fit: str | None = None, db: Database | None = None
) -> Generated:
    from policy_tf.writing.fit import fit_policy, policy_size
    from policy_tf.writing.pipeline import build

    result = build(template, db)
    policy = result.policy
    if minimize is not None:
        from policy_tf.writing.minimize import minimize_policy

        policy = minimize_policy(policy, minimize, db)
    if fit:
        fitted = fit_policy(policy, fit, minimize if minimize is not None else 0, db)
        return Generated(template.name, fitted.policies, fitted.sizes, result.warnings, list(fitted.notes))
    return Generated(template.name, [policy], [policy_size(policy)], result.warnings, [])

