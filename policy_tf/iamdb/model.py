"""The in-memory IAM model that every source (HTML pages, Service Reference JSON) produces.

Sources build these objects; ``policy_tf.iamdb.build`` merges them, applies access-level
overrides, checks them against the build guard and writes the SQLite database.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# The five access levels exactly as AWS documents them.
ACCESS_LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")
# Since July 2026 AWS documents some actions with two levels ("Tagging, Write"), and the
# Service Reference JSON sets several flags at once. One effective level is derived by this
# precedence, most specific first (measured in sources/service_reference.py).
PRECEDENCE = ("Permissions management", "Tagging", "Write", "List", "Read")
_BY_LOWER = {level.lower(): level for level in ACCESS_LEVELS}


def effective_level(documented: str) -> str | None:
    """The one level a documented text stands for: 'Tagging, Write' -> 'Tagging'; None if unknown."""
    parts = [_BY_LOWER.get(part.strip().lower()) for part in documented.split(",")]
    if not parts or None in parts:
        return None
    return min(parts, key=PRECEDENCE.index)


@dataclass
class ResourceRef:
    """One row of an action's resource column: a resource type (or none) with its keys."""

    resource_type: str  # "" when the row names no resource type (action-level keys)
    required: bool = False
    condition_keys: list[str] = field(default_factory=list)
    dependent_actions: list[str] = field(default_factory=list)


@dataclass
class Action:
    name: str
    access_level: str  # one of ACCESS_LEVELS: the effective level of what is documented
    description: str = ""
    permission_only: bool = False
    api_doc: str = ""
    resources: list[ResourceRef] = field(default_factory=list)
    documented_level: str = ""  # the text as documented when it differs ("Tagging, Write")
    # Where this action's dependent actions came from when its own source has none
    # (carried over from an earlier source, e.g. "html 2026-06-15"); "" = its own source.
    dependent_actions_from: str = ""

    @property
    def documented(self) -> str:
        return self.documented_level or self.access_level


@dataclass
class Operation:
    """One API operation and the IAM actions it needs (AWS's "API operations" table)."""

    name: str
    actions: list[str] = field(default_factory=list)  # "prefix:Action"
    condition_keys: list[str] = field(default_factory=list)
    access_level: str = ""  # effective level; "" = take the action's own
    # Service Reference JSON's per-operation data: the SDK methods that call the operation,
    # (package, SDK service name, method), e.g. ("Boto3", "s3", "get_object"); and the request
    # context an authorized action carries, "prefix:Action" -> {key: values}, e.g.
    # {"iam:PassRole": {"iam:PassedToService": ["ec2.amazonaws.com"]}}.
    sdk: list[tuple[str, str, str]] = field(default_factory=list)
    context: dict[str, dict[str, list[str]]] = field(default_factory=dict)


@dataclass
class ResourceType:
    name: str
    arn_format: str
    condition_keys: list[str] = field(default_factory=list)
    # A few names have two formats (apigateway v1/v2 pages, lex, greengrass): keep them all.
    other_formats: list[str] = field(default_factory=list)

    def add_format(self, arn_format: str) -> None:
        if arn_format and arn_format != self.arn_format and arn_format not in self.other_formats:
            self.other_formats.append(arn_format)

    @property
    def arn_formats(self) -> list[str]:
        return [self.arn_format, *self.other_formats]


@dataclass
class ConditionKey:
    name: str
    type: str = ""
    description: str = ""


@dataclass
class Service:
    prefix: str
    name: str
    sources: list[str] = field(default_factory=list)  # page file names or URLs
    actions: dict[str, Action] = field(default_factory=dict)
    resource_types: dict[str, ResourceType] = field(default_factory=dict)
    condition_keys: dict[str, ConditionKey] = field(default_factory=dict)
    operations: dict[str, Operation] = field(default_factory=dict)


@dataclass
class Part:
    """Where one part of a database came from, and the date of that data (YYYY-MM-DD)."""

    source: str
    date: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"source": self.source, "date": self.date}
