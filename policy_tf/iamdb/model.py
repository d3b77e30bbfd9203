"""The in-memory IAM model that every source (HTML pages, Service Reference JSON) produces.

Sources build these objects; ``policy_tf.iamdb.build`` merges them, applies access-level
overrides, checks them against the build guard and writes the SQLite database.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# The five access levels exactly as AWS documents them.
ACCESS_LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")


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
    access_level: str  # one of ACCESS_LEVELS, as documented
    description: str = ""
    permission_only: bool = False
    api_doc: str = ""
    resources: list[ResourceRef] = field(default_factory=list)


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
