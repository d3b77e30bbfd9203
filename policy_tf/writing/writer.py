"""Turn a validated template into a least-privilege IAM policy document.

Data flows one way: template -> grants (service, access level, resource type, actions,
resources) -> statements (conditions applied, exclusions removed) -> policy document.
Every statement holds actions of exactly one service and one access level.
"""
from __future__ import annotations

import fnmatch
import re
from collections import namedtuple
from functools import lru_cache

from policy_tf.errors import InputError, not_found
from policy_tf.iamdb.arn import Arn, parse_arn, shape
from policy_tf.iamdb.catalog import Catalog, catalog
from policy_tf.writing import conditions as cond
from policy_tf.writing.sid import make_sid, unique
from policy_tf.writing.template import LEVEL_KEYS, STS_KEYS, Template, parse

VERSION = "2012-10-17"
WILDCARD = "*"
_ACTION = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$")
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_SECTION_OF_LEVEL = {level: key for key, level in LEVEL_KEYS.items()}


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from policy_tf.iamdb.database import Database


class Group:
    """Actions ("prefix:Action") of one service and access level granted on one resource type's ARNs."""

    __slots__ = ("section", "sid", "prefix", "level", "actions", "resources")

    def __init__(self, section: str, sid: str, prefix: str, level: str):
        self.section = section  # template section whose conditions apply
        self.sid, self.prefix, self.level = sid, prefix, level
        self.actions: set[str] = set()
        self.resources: set[str] = set()


# Where a grant lives, so dependent actions can be scoped to the same place. ``arn`` and
# ``resource`` name the grant's own ARN and resource type (prefix, name): a dependent action
# on that same resource type is scoped to that very ARN.
Context = namedtuple("Context", "partition region account arn resource", defaults=("", ("", "")))

Result = namedtuple("Result", "policy warnings")


class _Writer:
    def __init__(self, template: Template, cat: Catalog):
        self.t = template
        self.cat = cat
        self.groups: dict[tuple, Group] = {}
        self.warnings: list[str] = []
        # dependent action -> (granted action that needs it, where that grant lives)
        self.dependents: dict[str, list[tuple[str, Context]]] = {}
        self.excluded_by: set[int] = set()  # indexes of exclude-actions patterns that matched

    # --- grants ---------------------------------------------------------------------------

    def _group(self, section: str, prefix: str, level: str, label: str, sid_prefix: str = "") -> Group:
        key = (section, prefix, level, label)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(section, make_sid(sid_prefix, prefix, level, label), prefix, level)
        return group

    def _need_dependents(self, prefix: str, action: str, resource_type: str | None, context: Context) -> None:
        for row in self.cat.rows(prefix, action):
            if resource_type is None or row.resource_type in ("", resource_type):
                for dep in row.dependent_actions:
                    self.dependents.setdefault(dep, []).append((f"{prefix}:{action}".lower(), context))

    def crud(self) -> None:
        for level, arns in self.t.levels.items():
            section = _SECTION_OF_LEVEL[level]
            for i, text in enumerate(arns):
                where = self.t.where(f"{section}[{i}]")
                arn = _parse(text, where)
                keys = self._resolve(arn, where)
                granted = 0
                for prefix, rtype in keys:
                    rows = [r for r in self.cat.by_resource_type(prefix, rtype) if r.level == level]
                    if not rows:
                        continue
                    group = self._group(section, prefix, level, rtype)
                    group.resources.add(arn.text)
                    context = _context(arn, (prefix, rtype))
                    for row in rows:
                        group.actions.add(f"{prefix}:{row.action}")
                        self._need_dependents(prefix, row.action, rtype, context)
                    granted += len(rows)
                if not granted:
                    types = ", ".join(f"{p}:{t}" for p, t in keys)
                    self.warnings.append(f"{where}: no {level} action supports {arn.text} (resource type {types}); nothing granted for it")

    def _resolve(self, arn: Arn, where: str) -> list[tuple[str, str]]:
        keys = self.cat.match(arn)
        if not keys:
            formats = self.cat.formats_for_service(arn.service)
            if not formats:
                raise InputError(f"{where}: no AWS service uses '{arn.service}' in its ARNs ({arn.text})")
            listing = "\n  ".join(formats[:40]) + ("\n  ..." if len(formats) > 40 else "")
            raise InputError(f"{where}: {arn.text} matches no resource type of '{arn.service}'; its ARN formats are:\n  {listing}")
        if len(keys) > 1:
            formats = {shape(f) for p, t in keys for f in self.cat.formats(p, t)}
            why = "share one ARN format" if len(formats) == 1 else "are all covered by this wildcard"
            self.warnings.append(f"{where}: {arn.text} matches resource types {', '.join(f'{p}:{t}' for p, t in keys)}, which {why}; "
                                 "granting for each")
        return keys

    def _actions(self, patterns: list[str], where_key: str) -> list[tuple[str, str]]:
        """Resolve action names or wildcards; unknown ones are errors with suggestions."""
        out: list[tuple[str, str]] = []
        for i, pattern in enumerate(patterns):
            where = self.t.where(f"{where_key}[{i}]")
            if not _ACTION.match(pattern):
                raise InputError(f"{where}: {pattern!r} is not an action ('service:Action', wildcards * and ? allowed)")
            found = self.cat.expand(pattern)
            if not found:
                raise InputError(f"{where}: {_unknown_action(pattern, self.cat)}")
            out.extend(a for a in found if a not in out)
        return out

    def wildcard_only(self) -> None:
        for prefix, action in self._actions(self.t.single_actions, "wildcard-only.single-actions"):
            typed = sorted({r.resource_type for r in self.cat.rows(prefix, action) if r.resource_type})
            if typed:
                raise InputError(
                    self.t.where(f"wildcard-only.single-actions: {prefix}:{action} supports resource types ({', '.join(typed)}); "
                                 "list its ARNs under an access level, or put it under skip-resource-constraints to grant it on '*' on purpose"))
            self._wildcard("wildcard-only", prefix, action)
        for level, prefixes in self.t.service_levels.items():
            key = "service-" + _SECTION_OF_LEVEL[level]
            for i, name in enumerate(prefixes):
                prefix = self.cat.prefixes.get(name.lower())
                if prefix is None:
                    raise InputError(self.t.where(f"wildcard-only.{key}[{i}]: {not_found('service', name, list(self.cat.prefixes.values()))}"))
                actions = self.cat.wildcard_only(prefix, level)
                if not actions:
                    self.warnings.append(self.t.where(f"wildcard-only.{key}[{i}]: {prefix} has no {level} action that supports only '*'; nothing granted"))
                for action in actions:
                    self._wildcard("wildcard-only", prefix, action)

    def _wildcard(self, section: str, prefix: str, action: str, label: str = "Wildcard") -> None:
        group = self._group(section, prefix, self.cat.level(prefix, action), label)
        group.actions.add(f"{prefix}:{action}")
        group.resources.add(WILDCARD)
        self._need_dependents(prefix, action, None, Context(self.t.partition, WILDCARD, WILDCARD))

    def skip_resource_constraints(self) -> None:
        found = self._actions(self.t.skip_resource_constraints, "skip-resource-constraints")
        for prefix, action in found:
            self._wildcard("skip-resource-constraints", prefix, action, "SkipResourceConstraints")
        if found:
            self.warnings.append(self.t.where(f"skip-resource-constraints: {len(found)} action(s) granted on '*' although they support resource ARNs"))

    def sts(self) -> None:
        for action, arns in self.t.sts.items():
            key = next(k for k, a in STS_KEYS.items() if a == action)
            prefix, name = action.split(":")
            for i, text in enumerate(arns):
                where = self.t.where(f"sts.{key}[{i}]")
                arn = _parse(text, where)
                if ("iam", "role") not in self.cat.match(arn):
                    raise InputError(f"{where}: {arn.text} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
                group = self._group("sts", prefix, self.cat.level(prefix, name), name, "")
                group.sid = make_sid(name)
                group.actions.add(action)
                group.resources.add(arn.text)

    def actions_mode(self) -> None:
        context = Context(self.t.partition, self.t.region, self.t.account)
        for prefix, action in self._actions(self.t.actions, "actions"):
            level = self.cat.level(prefix, action)
            typed = [r for r in self.cat.rows(prefix, action) if r.resource_type]
            if not typed:
                self._wildcard("actions", prefix, action)
                continue
            for row in typed:
                group = self._group("actions", prefix, level, row.resource_type)
                group.actions.add(f"{prefix}:{action}")
                group.resources.update(_fill(f, context) for f in self.cat.formats(prefix, row.resource_type))
                self._need_dependents(prefix, action, row.resource_type, context)

    def dependent_actions(self) -> None:
        if not self.t.include_dependent_actions or self.t.effect == "Deny":
            return  # a Deny policy never denies actions the user did not name
        granted = {a.lower() for g in self.groups.values() for a in g.actions}
        for dep in sorted(self.dependents):
            # Only actions still granted (after exclude-actions) bring their dependents.
            contexts = [c for trigger, c in self.dependents[dep] if trigger in granted]
            if dep.lower() in granted or not contexts:
                continue
            prefix, _, name = dep.partition(":")
            prefix = self.cat.prefixes.get(prefix.lower())
            action = self.cat.canonical(prefix, name) if prefix else None
            if action is None:
                self.warnings.append(f"dependent action {dep} is not in the IAM database; not granted")
                continue
            level = self.cat.level(prefix, action)
            typed = [r for r in self.cat.rows(prefix, action) if r.resource_type]
            if not typed:
                self.warnings.append(f"dependent action {prefix}:{action} supports only Resource '*'; granted on '*' "
                                     "(set include-dependent-actions: false to leave dependent actions out)")
                group = self._group("dependent", prefix, level, "Wildcard", "Dependent")
                group.actions.add(f"{prefix}:{action}")
                group.resources.add(WILDCARD)
                continue
            for row in typed:
                group = self._group("dependent", prefix, level, row.resource_type, "Dependent")
                group.actions.add(f"{prefix}:{action}")
                for context in contexts:
                    if context.resource == (prefix, row.resource_type):
                        group.resources.add(context.arn)
                        continue
                    parents = self.cat.formats(*context.resource) if context.arn else []
                    for arn_format in self.cat.formats(prefix, row.resource_type):
                        group.resources.add(_scope(arn_format, context, parents))

    # --- statements -----------------------------------------------------------------------

    def exclude(self) -> None:
        """Remove excluded actions; run before and after dependents are added."""
        if not self.t.exclude_actions:
            return
        patterns = tuple(self.t.exclude_actions)
        anyone = _iam_union(patterns)  # one regex for all patterns: most actions match none
        for group in self.groups.values():
            removed = {a.lower() for a in group.actions if anyone.match(a.lower())}
            if not removed:
                continue
            group.actions = {a for a in group.actions if a.lower() not in removed}
            for i, pattern in enumerate(patterns):
                if i not in self.excluded_by and any(_iam_pattern(pattern).match(a) for a in removed):
                    self.excluded_by.add(i)

    def report_unused_excludes(self) -> None:
        for i, pattern in enumerate(self.t.exclude_actions):
            if i not in self.excluded_by:
                self.warnings.append(self.t.where(f"exclude-actions[{i}]: {pattern} excluded nothing"))

    def statements(self) -> list[dict]:
        entries = self._condition_entries()
        drafts: list[tuple[str, dict]] = []
        unused = {id(e): (section, e) for section, es in entries.items() for e in es}
        for group in sorted(self.groups.values(), key=lambda g: g.sid):
            if not group.actions:
                continue
            applicable = entries.get("all", []) + entries.get(group.section, [])
            resources = sorted(group.resources) if WILDCARD not in group.resources else [WILDCARD]
            if not applicable:
                drafts.append((group.sid, self._statement(group.sid, group.actions, resources, [])))
                continue
            parts: dict[tuple, set[str]] = {}
            for action in group.actions:
                keys = self._action_keys(action)
                signature = tuple(e for e in applicable if cond.supports(e, keys))
                for e in signature:
                    unused.pop(id(e), None)
                parts.setdefault(signature, set()).add(action)
            for signature, actions in sorted(parts.items(), key=lambda kv: (-len(kv[0]), sorted(kv[1]))):
                missing = [e for e in applicable if e not in signature]
                if missing:
                    self.warnings.append(
                        f"{group.sid}: condition key(s) {', '.join(sorted({e.key for e in missing}))} do not apply to "
                        f"{', '.join(sorted(actions))}; those actions get a statement without them")
                drafts.append((group.sid, self._statement(group.sid, actions, resources, list(signature))))
        for section, entry in unused.values():
            raise InputError(self.t.where(f"conditions.{section}.{entry.operator}.{entry.key}: no action of this section supports "
                                          f"this condition key, so it would apply nowhere"))
        sids = unique([sid for sid, _ in drafts])
        for sid, (_, statement) in zip(sids, drafts):
            statement["Sid"] = sid
        return [s for _, s in sorted(zip(sids, (d for _, d in drafts)))]

    def _statement(self, sid: str, actions: set[str], resources: list[str], entries: list) -> dict:
        statement: dict[str, Any] = {"Sid": sid, "Effect": self.t.effect, "Action": sorted(actions), "Resource": resources}
        if entries:
            statement["Condition"] = cond.block_of(entries)
        return statement

    def _action_keys(self, action: str) -> set[str]:
        prefix, name = action.split(":", 1)
        keys = set()
        for row in self.cat.rows(prefix, name):
            keys.update(k.lower() for k in row.condition_keys)
            if row.resource_type:
                keys.update(k.lower() for k in self.cat.resource_keys(prefix, row.resource_type))
        return keys

    def _condition_entries(self) -> dict[str, list]:
        return {
            section: cond.validate_block(block, self.t.where(f"conditions.{section}"), self.cat.key_types, self.warnings)
            for section, block in self.t.conditions.items()
        }

    def write(self) -> Result:
        if self.t.mode == "crud":
            self.crud()
            self.wildcard_only()
            self.skip_resource_constraints()
            self.sts()
        else:
            self.actions_mode()
        self.exclude()
        self.dependent_actions()
        self.exclude()
        self.report_unused_excludes()
        statements = self.statements()
        if not statements:
            raise InputError(self.t.where("the template grants nothing (no ARNs, actions or services given, or all excluded)"))
        return Result({"Version": VERSION, "Statement": statements}, self.warnings)


@lru_cache(maxsize=1024)
def _iam_pattern(pattern: str) -> re.Pattern:
    """An IAM action wildcard as a case-insensitive regex (compiled once per process)."""
    return re.compile(fnmatch.translate(pattern.lower()))


@lru_cache(maxsize=256)
def _iam_union(patterns: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(_iam_pattern(p).pattern for p in patterns))


def _parse(text: str, where: str) -> Arn:
    try:
        return parse_arn(text)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


def _context(arn: Arn, resource: tuple[str, str]) -> Context:
    return Context(arn.partition, arn.region or WILDCARD, arn.account or WILDCARD, arn.text, resource)


def _fill(arn_format: str, context: Context) -> str:
    """An ARN format with partition/region/account filled in and every other variable as '*'."""
    values = {"Partition": context.partition, "Region": context.region, "Account": context.account}
    return _VARIABLE.sub(lambda m: values.get(m.group(1), WILDCARD), arn_format)


def _scope(arn_format: str, context: Context, parents: list[str]) -> str:
    """Fill a dependent action's format, under the grant's own ARN when the format extends it.

    A table's index format is the table format plus ``/index/${IndexName}``: an index
    dependency of a grant on ``table/orders`` becomes ``table/orders/index/*``.
    """
    for parent in parents:
        if arn_format.startswith(parent) and len(arn_format) > len(parent):
            return context.arn + _fill(arn_format[len(parent):], context)
    return _fill(arn_format, context)


def _unknown_action(pattern: str, cat: Catalog) -> str:
    service, _, name = pattern.partition(":")
    prefix = cat.prefixes.get(service.lower())
    if prefix is None:
        return str(not_found("service", service, list(cat.prefixes.values())))
    return str(not_found(f"action of {prefix}", name, cat.action_names(prefix)))


def build(template: Template | dict, db: Database | None = None) -> Result:
    """Write the policy for one template; warnings are returned, never printed."""
    if isinstance(template, dict):
        template = parse(template, "template")
    return _Writer(template, catalog(db)).write()


def write_policy(template: Template | dict, db: Database | None = None, warnings: list[str] | None = None) -> dict:
    """The policy document for a template (a dict in the YAML template's shape, or a Template)."""
    result = build(template, db)
    if warnings is not None:
        warnings.extend(result.warnings)
    return result.policy
