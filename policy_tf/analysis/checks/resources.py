"""Validity of Resource and NotResource: ARN syntax, fields that suit the service, and
actions that cannot apply to any Resource given (RESOURCE_MISMATCH)."""
from __future__ import annotations

import re

from policy_tf.analysis.applicability import field_overlap, first_literal, may_start, tokens
from policy_tf.analysis.checks.base import registry
from policy_tf.analysis.wildcard import has_variable, has_wildcard, resource_contains, variables_as_wildcards
from policy_tf.iamdb.arn import PARTITIONS

E, S, W, G = "ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION"
V = "validity"

CHECKS = registry(
    ("INVALID_ARN", E, V,
     "A Resource is '*' or an ARN of six ':'-separated fields: arn:partition:service:region:account:resource."),
    ("INVALID_ARN_PARTITION", E, V, "The partition is not one AWS has (aws, aws-cn, aws-us-gov, aws-iso*, aws-eusc)."),
    ("UNKNOWN_ARN_SERVICE", E, V, "No resource type of any service has ARNs with this service field."),
    ("INVALID_ARN_REGION", E, V,
     "The region is malformed, belongs to another partition, or is given where the service's ARNs have none."),
    ("MISSING_ARN_REGION", E, V, "The service's ARNs always hold a region, and this one has none."),
    ("INVALID_ARN_ACCOUNT", E, V, "The account is not 12 digits, or is given where the service's ARNs have none."),
    ("MISSING_ARN_ACCOUNT", E, V, "The service's ARNs always hold an account, and this one has none."),
    ("UNKNOWN_RESOURCE_TYPE", W, V, "The ARN matches no resource type of its service, so no action can apply to it."),
    ("RESOURCE_MISMATCH", E, V,
     "An action applies to none of the statement's Resources, so it grants (or denies) nothing."),
    ("REDUNDANT_RESOURCE", G, V, "A Resource is already matched by another Resource of the same statement."),
)

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_ACCOUNT = re.compile(r"^\d{12}$")
# Region prefixes that belong to a partition other than "aws".
_REGION_PARTITION = (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("us-isob-", "aws-iso-b"), ("us-isof-", "aws-iso-f"),
                     ("us-iso-", "aws-iso"), ("eu-isoe-", "aws-iso-e"), ("eusc-", "aws-eusc"))


class _Formats:
    """Per ARN service field: does each format have a region / an account (memoized)."""

    def __init__(self, catalog):
        self.catalog = catalog
        self._fields: dict[str, list[tuple]] = {}
        self._services: set | None = None
        self._heads: dict[tuple[str, str], list] = {}

    def services(self) -> set:
        if self._services is None:
            self._services = {s for (s,) in self.catalog.db.execute("SELECT DISTINCT arn_service FROM arn_formats")}
        return self._services

    def fields(self, service: str) -> list[tuple]:
        """(region, account, resource tokens, its first literal) of each format of the service."""
        if service not in self._fields:
            out = self._fields[service] = []
            for (f,) in self.catalog.db.execute("SELECT arn_format FROM arn_formats WHERE arn_service = ?", (service,)):
                if f.count(":") >= 5:
                    region, account, resource = f.split(":", 5)[3:6]
                    fmt = tokens(resource)
                    out.append((region, account, fmt, first_literal(fmt)))
        return self._fields[service]


    def heads(self, service: str, resource: str) -> list[tuple[str, str]]:
        """(region, account) fields of the formats this resource part fits (DynamoDB tables
        have a region, its global tables none), or of all the service's when it fits none."""
        key = (service, resource)
        if key not in self._heads:
            formats = self.fields(service)
            fitting = [f for f in formats if may_start(f[3], resource) and field_overlap(resource, f[2], True)]
            self._heads[key] = [(f[0], f[1]) for f in (fitting or formats)]
        return self._heads[key]


_FORMATS: dict[int, _Formats] = {}


def _formats(catalog) -> _Formats:
    found = _FORMATS.get(id(catalog))
    if found is None or found.catalog is not catalog:
        found = _FORMATS[id(catalog)] = _Formats(catalog)
    return found


def _free(text: str) -> bool:
    """A field the user left open: a wildcard or a policy variable."""
    return has_wildcard(text) or has_variable(text)


def check_arn(ctx, i: int, element: str, arn: str, report) -> bool:
    """Report what is wrong with one ARN; True when it is well-formed enough to match."""
    if arn == "*" or (has_wildcard(arn) and variables_as_wildcards(arn).strip("*") == ""):
        return True
    where = f"statement {i}: {element} {arn!r}"
    fields = arn.split(":", 5)
    if fields[0] != "arn" or len(fields) < 6 or not fields[2] or not fields[5]:
        report("INVALID_ARN", f"{where} is not '*' nor an ARN arn:partition:service:region:account:resource",
               statement=i)
        return False
    _, partition, service, region, account, _resource = fields
    ok = True
    if not _free(partition) and partition not in PARTITIONS:
        report("INVALID_ARN_PARTITION", f"{where}: unknown partition {partition!r}", statement=i)
        ok = False
    if _free(service):
        return ok
    known = _formats(ctx.catalog)
    if service not in known.services():
        report("UNKNOWN_ARN_SERVICE", f"{where}: no resource type has ARNs with service {service!r}", statement=i)
        return False
    heads = known.heads(service, variables_as_wildcards(_resource))
    if region and not _free(region):
        if not _REGION.match(region):
            report("INVALID_ARN_REGION", f"{where}: {region!r} is not a region name", statement=i)
            ok = False
        elif all(r == "" for r, _ in heads):
            report("INVALID_ARN_REGION", f"{where}: {service} ARNs have no region", statement=i)
            ok = False
        elif not _free(partition):
            expected = next((p for prefix, p in _REGION_PARTITION if region.startswith(prefix)), "aws")
            if expected != partition:
                report("INVALID_ARN_REGION", f"{where}: region {region} is in partition {expected}, not {partition}",
                       statement=i)
                ok = False
    elif not region and heads and all(r != "" and r != "*" for r, _ in heads):
        report("MISSING_ARN_REGION", f"{where}: {service} ARNs hold a region", statement=i)
        ok = False
    if account and not _free(account):
        if all(a == "" for _, a in heads):
            report("INVALID_ARN_ACCOUNT", f"{where}: {service} ARNs have no account", statement=i)
            ok = False
        elif not _ACCOUNT.match(account) and account != "aws":
            report("INVALID_ARN_ACCOUNT", f"{where}: account {account!r} is not 12 digits", statement=i)
            ok = False
    elif not account and heads and all(a != "" and a != "*" for _, a in heads):
        report("MISSING_ARN_ACCOUNT", f"{where}: {service} ARNs hold an account", statement=i)
        ok = False
    if ok and not ctx.resolver.types(arn):
        report("UNKNOWN_RESOURCE_TYPE", f"{where} matches no {service} resource type's ARN format", statement=i)
    return ok


def run(ctx, report) -> None:
    for s in ctx.document.statements:
        i = s.index
        for element, patterns in (("Resource", s.resources), ("NotResource", s.not_resources)):
            if not patterns:
                continue
            for arn in patterns:
                check_arn(ctx, i, element, arn, report)
            for n, arn in enumerate(patterns):
                outer = next((o for m, o in enumerate(patterns) if m != n and resource_contains(o, arn)
                              and (o != arn or m < n)), None)
                if outer is not None:
                    what = "repeats" if outer == arn else f"is already matched by {outer!r}"
                    report("REDUNDANT_RESOURCE", f"statement {i}: {element} {arn!r} {what}", statement=i)
        if s.resources and s.actions and s.effect in ("Allow", "Deny"):
            _mismatch(ctx, s, report)


def _mismatch(ctx, s, report) -> None:
    i = s.index
    resources = s.resources
    if "*" in resources:
        return
    for pattern in s.actions:
        actions = ctx.index.expand(pattern)
        if not actions:
            continue  # UNKNOWN_ACTION says so
        if any(ctx.resolver.applies_any(actions, r) for r in resources):
            continue
        shown = ", ".join(resources[:3]) + (" ..." if len(resources) > 3 else "")
        if has_wildcard(pattern):
            message = f"statement {i}: none of the {len(actions)} actions {pattern!r} matches applies to {shown}"
        else:
            name = next(iter(actions))
            types = sorted(ctx.resolver.action_types(name))
            need = ", ".join(types) if types else "only '*'"
            what = "grants" if s.allow else "denies"
            message = f"statement {i}: {name} applies to {need}, not to {shown}; it {what} nothing"
        report("RESOURCE_MISMATCH", message, statement=i,
               actions=tuple(sorted(actions)) if not has_wildcard(pattern) else (pattern,))
