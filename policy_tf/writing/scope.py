"""Where a grant lives, and ARN formats filled in from there (for actions mode and dependents)."""
from __future__ import annotations

import re
from collections import namedtuple

WILDCARD = "*"
_VARIABLE = re.compile(r"\$\{([^}]*)\}")

# Where a grant lives, so dependent actions can be scoped to the same place. ``arn`` and
# ``resource`` name the grant's own ARN and resource type (prefix, name): a dependent action
# on that same resource type is scoped to that very ARN.
Context = namedtuple("Context", "partition region account arn resource", defaults=("", ("", "")))


def context_of(arn, resource: tuple[str, str]) -> Context:
    """The context of a grant on a parsed ``Arn`` of resource type ``resource``."""
    return Context(arn.partition, arn.region or WILDCARD, arn.account or WILDCARD, arn.text, resource)


def fill(arn_format: str, context: Context) -> str:
    """An ARN format with partition/region/account filled in and every other variable as '*'."""
    values = {"Partition": context.partition, "Region": context.region, "Account": context.account}
    return _VARIABLE.sub(lambda m: values.get(m.group(1), WILDCARD), arn_format)


def parent_of(arn_format: str, parents: list[str]) -> str | None:
    """The grant's format that ``arn_format`` extends, if any.

    A table's index format is the table format plus ``/index/${IndexName}``: an index
    dependency of a grant on ``table/orders`` goes under it, as ``table/orders/index/*``.
    """
    return next((p for p in parents if arn_format.startswith(p) and len(arn_format) > len(p)), None)


def under(arn_format: str, context: Context, parents: list[str]) -> str | None:
    """A format under the grant's own ARN (see ``parent_of``), or None when it extends none of ``parents``."""
    parent = parent_of(arn_format, parents)
    return context.arn + fill(arn_format[len(parent):], context) if parent else None
