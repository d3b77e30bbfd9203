"""Turn a validated template into a least-privilege IAM policy document.

A pipeline of small steps, each a module of its own and testable alone:
template -> requests (``requests``: validated ARNs, actions, services) -> grants (``grants``:
service, access level, resource type, actions, resources) -> dependent actions (``dependents``)
-> exclusions (``exclusions``) -> statements (``statements``: conditions, Sids) -> document.
Every statement holds actions of exactly one service and one access level.
"""
from __future__ import annotations

from collections import namedtuple

from policy_tf.core.diagnostics import NOT_GRANTED, Diagnostic
from policy_tf.core.errors import InputError
from policy_tf.iamdb.catalog import catalog
from policy_tf.writing.dependents import add_dependents
from policy_tf.writing.exclude_actions import exclude, unused
from policy_tf.writing.grants import grant
from policy_tf.writing.requested import requests
from policy_tf.writing.statements import condition_entries, statements
from policy_tf.writing.template import Template, parse

VERSION = "2012-10-17"

TYPE_CHECKING = False
if TYPE_CHECKING:
    from policy_tf.iamdb.database import Database

# warnings: the Diagnostics of writing it, in the order found.
Result = namedtuple("Result", "policy warnings")


def document(statements_: list[dict]) -> dict:
    """The policy document holding ``statements_``."""
    return {"Version": VERSION, "Statement": statements_}


def build(template: Template | dict, db: Database | None = None) -> Result:
    """Write the policy for one template; its diagnostics are returned, never printed.

    A template that grants nothing is an ``InputError`` that names every reason something was not granted.
    """
    t = parse(template, "template") if isinstance(template, dict) else template
    cat = catalog(db)
    warnings: list[Diagnostic] = []
    entries = condition_entries(t, cat, warnings)  # every input is checked before the work starts
    grants = grant(t, requests(t, cat, warnings), cat, warnings)
    matched: set[int] = set()
    exclude(grants, t.exclude_actions, matched)
    add_dependents(grants, t, cat, warnings)
    exclude(grants, t.exclude_actions, matched)  # dependents are excluded too
    warnings.extend(unused(t, matched))
    found = statements(grants, t, entries, cat, warnings)
    if not found:
        left_out = "".join(f"\n  {w}" for w in warnings if w.kind == NOT_GRANTED)
        raise InputError(
            t.where("the template grants nothing (no ARNs, actions or services given, or all excluded)") + left_out
        )
    return Result(document(found), warnings)


def write_policy(
    template: Template | dict, db: Database | None = None, warnings: list[Diagnostic] | None = None
) -> dict:
    """The policy document for a template (a dict in the YAML template's shape, or a Template);
    the ``Diagnostic`` records of writing it are appended to ``warnings`` when given."""
    result = build(template, db)
    if warnings is not None:
        warnings.extend(result.warnings)
    return result.policy
