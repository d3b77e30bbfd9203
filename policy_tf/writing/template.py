"""Read and validate policy templates (policy_sentry's format, plus policy_tf's additions).

A template is YAML or JSON. Two layouts are read:

* the current one: one policy per document, ``mode: crud`` or ``mode: actions``;
* policy_sentry's first one: ``roles_with_crud_levels:`` / ``roles_with_actions:`` lists,
  one policy per entry (``tag`` for tagging, ``arn`` for the policy's subject, ignored).

Every problem is an ``InputError`` naming the source and the key path, e.g.
``roles/app.yml: write[2]: expected an ARN string, got 3``.
"""
from __future__ import annotations

from policy_tf.core.errors import InputError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Template keys of each access level, in the order statements are written.
LEVEL_KEYS = {
    "read": "Read",
    "write": "Write",
    "list": "List",
    "tagging": "Tagging",
    "permissions-management": "Permissions management",
}
WILDCARD_KEYS = {
    "single-actions": None,
    "service-read": "Read",
    "service-write": "Write",
    "service-list": "List",
    "service-tagging": "Tagging",
    "service-permissions-management": "Permissions management",
}
STS_KEYS = {
    "assume-role": "sts:AssumeRole",
    "assume-role-with-saml": "sts:AssumeRoleWithSAML",
    "assume-role-with-web-identity": "sts:AssumeRoleWithWebIdentity",
}
COMMON_KEYS = {"mode", "name", "description", "effect", "exclude-actions", "conditions", "include-dependent-actions"}
CRUD_KEYS = (
    COMMON_KEYS
    | set(LEVEL_KEYS)
    | {"wildcard-only", "skip-resource-constraints", "sts", "cross-service", "named-actions"}
)
ACTIONS_KEYS = COMMON_KEYS | {"actions", "partition", "region", "account"}
CRUD_SECTIONS = ("all", *LEVEL_KEYS, "wildcard-only", "skip-resource-constraints", "sts", "named-actions")
# include-dependent-actions: what the user may write -> what it means (see dependents.py).
DEPENDENT_MODES = {True: "scoped", "true": "scoped", "scoped": "scoped", "all": "all",
                   False: "none", "false": "none", "none": "none"}
ACTIONS_SECTIONS = ("all", "actions")


class Template:
    """One validated policy request (a plain class: dataclasses cost start-up time)."""

    def __init__(self, source: str, mode: str, name: str = "Policy", description: str = "", effect: str = "Allow",
                 exclude_actions: list[str] | None = None, conditions: dict[str, dict] | None = None,
                 include_dependent_actions: str = "scoped"):
        self.source = source
        self.mode = mode
        self.name = name
        self.description = description
        self.effect = effect
        self.levels: dict[str, list[str]] = {}  # documented level -> ARNs
        self.single_actions: list[str] = []
        self.service_levels: dict[str, list[str]] = {}  # level -> service prefixes
        self.skip_resource_constraints: list[str] = []
        self.exclude_actions = exclude_actions or []
        self.sts: dict[str, list[str]] = {}  # action -> role ARNs
        self.conditions = conditions or {}  # section -> IAM Condition block
        self.include_dependent_actions = include_dependent_actions  # scoped, all or none
        self.cross_service: list[str] = []  # service prefixes, or ["all"]
        self.named_actions: dict[str, list[str]] = {}  # "prefix:Action" -> ARNs
        self.actions: list[str] = []
        self.partition = "aws"
        self.region = "*"
        self.account = "*"

    def __repr__(self) -> str:
        return f"Template({self.source!r}, mode={self.mode!r}, name={self.name!r})"

    def where(self, path: str) -> str:
        return f"{self.source}: {path}"


def _type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "a number",
            float: "a number", type(None): "nothing"}.get(type(value), type(value).__name__)


def _strings(data: dict, key: str, source: str, path: str) -> list[str]:
    """A list of strings (a single string is accepted too); empty strings are ignored."""
    value = data.get(key)
    where = f"{source}: {path}{key}"
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise InputError(f"{where}: expected a list of strings, got {_type_name(value)}")
    out = []
    seen = set()  # a set, not `in out`: templates with 50,000 ARNs exist
    for i, item in enumerate(value):
        if item is None or item == "":
            continue
        if not isinstance(item, str):
            raise InputError(f"{where}[{i}]: expected a string, got {_type_name(item)} ({item!r})")
        item = item.strip()
        if item and item not in seen:
            seen.add(item)
            out.append(item)
    return out


def _action_patterns(data: dict, key: str, source: str) -> list[str]:
    """A list of IAM action patterns, each checked against the one action grammar (``policy_tf.core.iamnames``)."""
    from policy_tf.core import iamnames

    out = _strings(data, key, source, "")
    for i, pattern in enumerate(out):
        problem = iamnames.problem(pattern)
        if problem:
            raise InputError(f"{source}: {key}[{i}]: {problem}")
    return out


def _mapping(data: dict, key: str, source: str, path: str, allowed: set[str] | tuple) -> dict:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(f"{source}: {path}{key}: expected a mapping, got {_type_name(value)}")
    _reject_unknown(value, allowed, source, f"{path}{key}.")
    return value


def _reject_unknown(data: dict, allowed, source: str, path: str) -> None:
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        raise InputError(f"{source}: {path}{unknown[0]}: unknown key; expected one of: {', '.join(sorted(allowed))}")


def _text(data: dict, key: str, source: str, default: str) -> str:
    value = data.get(key, default)
    if value is None or value == "":
        return default
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise InputError(f"{source}: {key}: expected a string, got {_type_name(value)}")
    return str(value).strip()


def _conditions(data: dict, source: str, sections: tuple) -> dict[str, dict]:
    blocks = _mapping(data, "conditions", source, "", sections)
    out = {}
    for section, block in blocks.items():
        if block in (None, {}):
            continue
        where = f"{source}: conditions.{section}"
        if not isinstance(block, dict):
            raise InputError(
                f"{where}: expected an IAM condition block (operator: {{key: values}}), got {_type_name(block)}"
            )
        clean: dict[str, dict] = {}
        for operator, entries in block.items():
            if not isinstance(operator, str) or not isinstance(entries, dict) or not entries:
                raise InputError(f"{where}.{operator}: expected a mapping of condition keys to values")
            clean[operator] = {}
            for key, values in entries.items():
                if isinstance(values, (str, int, float, bool)):
                    values = [values]
                if (
                    not isinstance(key, str)
                    or not isinstance(values, list)
                    or not values
                    or any(isinstance(v, (dict, list)) or v is None for v in values)
                ):
                    raise InputError(f"{where}.{operator}.{key}: expected a value or a list of values")
                clean[operator][key] = [_condition_value(v) for v in values]
        out[section] = clean
    return out


def _condition_value(value: Any) -> str:
    # IAM compares condition values as strings; YAML would turn `true` or `443` into other types.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _common(data: dict, source: str, mode: str, keys: set[str], sections: tuple) -> Template:
    _reject_unknown(data, keys, source, "")
    effect = _text(data, "effect", source, "Allow").capitalize()
    if effect not in ("Allow", "Deny"):
        raise InputError(f"{source}: effect: expected Allow or Deny, got {data.get('effect')!r}")
    include = data.get("include-dependent-actions", True)
    dependents = DEPENDENT_MODES.get(include.strip().lower() if isinstance(include, str) else include) \
        if isinstance(include, (bool, str)) else None
    if dependents is None:
        raise InputError(f"{source}: include-dependent-actions: expected true (same as scoped), scoped, all, "
                         f"false or none, got {include!r}")
    return Template(
        source=source,
        mode=mode,
        name=_text(data, "name", source, "Policy"),
        description=_text(data, "description", source, ""),
        effect=effect,
        exclude_actions=_action_patterns(data, "exclude-actions", source),
        conditions=_conditions(data, source, sections),
        include_dependent_actions=dependents,
    )


def parse(data: Any, source: str) -> Template:
    """Validate one template mapping."""
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected a template mapping (mode: crud|actions ...), got {_type_name(data)}")
    mode = data.get("mode")
    if mode == "crud":
        template = _common(data, source, "crud", CRUD_KEYS, CRUD_SECTIONS)
        for key, level in LEVEL_KEYS.items():
            arns = _strings(data, key, source, "")
            if arns:
                template.levels[level] = arns
        wildcard = _mapping(data, "wildcard-only", source, "", set(WILDCARD_KEYS))
        template.single_actions = _strings(wildcard, "single-actions", source, "wildcard-only.")
        for key, service_level in WILDCARD_KEYS.items():
            if service_level:
                prefixes = _strings(wildcard, key, source, "wildcard-only.")
                if prefixes:
                    template.service_levels[service_level] = prefixes
        template.skip_resource_constraints = _strings(data, "skip-resource-constraints", source, "")
        sts = _mapping(data, "sts", source, "", set(STS_KEYS))
        for key, action in STS_KEYS.items():
            arns = _strings(sts, key, source, "sts.")
            if arns:
                template.sts[action] = arns
        template.cross_service = _cross_service(data, source)
        named = data.get("named-actions") or {}
        if not isinstance(named, dict):
            raise InputError(f"{source}: named-actions: expected a mapping of actions to ARNs "
                             f"(iam:PassRole: [arn:aws:iam::111122223333:role/NAME]), got {_type_name(named)}")
        for action in named:
            if not isinstance(action, str):
                raise InputError(
                    f"{source}: named-actions: expected action names (service:Action) as keys, got {action!r}"
                )
            arns = _strings(named, action, source, "named-actions.")
            if arns:
                template.named_actions[action.strip()] = arns
        return template
    if mode == "actions":
        template = _common(data, source, "actions", ACTIONS_KEYS, ACTIONS_SECTIONS)
        template.actions = _strings(data, "actions", source, "")
        template.partition = _text(data, "partition", source, "aws")
        template.region = _text(data, "region", source, "*")
        template.account = _text(data, "account", source, "*")
        _check_arn_fields(template)
        return template
    if mode is None:
        raise InputError(f"{source}: mode: missing; expected crud or actions")
    raise InputError(f"{source}: mode: expected crud or actions, got {mode!r}")


def _check_arn_fields(template: Template) -> None:
    """actions mode writes these into ARNs: the same rules as for an ARN the user wrote."""
    from policy_tf.iamdb import arn

    source = template.source
    if template.partition not in arn.PARTITIONS:
        raise InputError(f"{source}: partition: unknown partition {template.partition!r}; "
                         f"known partitions: {', '.join(sorted(arn.PARTITIONS))}")
    for key, problem in (
        ("region", arn.region_problem(template.region)),
        ("account", arn.account_problem(template.account)),
    ):
        if problem:
            raise InputError(f"{source}: {key}: {problem}")


def _cross_service(data: dict, source: str) -> list[str]:
    """cross-service: a list of service prefixes, or all."""
    names = _strings(data, "cross-service", source, "")
    if "all" in (n.lower() for n in names) and len(names) > 1:
        raise InputError(
            f"{source}: cross-service: 'all' already covers every service; give either all or a list of services"
        )
    return ["all"] if names and names[0].lower() == "all" else names


def _legacy(data: dict, source: str) -> list[Template]:
    """policy_sentry's first layout: lists of roles, each becoming one template."""
    _reject_unknown(
        data,
        {"policy_with_crud_levels", "roles_with_crud_levels", "roles_with_actions", "policy_with_actions"},
        source,
        "",
    )
    templates = []
    for key in sorted(data):
        entries = data[key]
        if not isinstance(entries, list):
            raise InputError(f"{source}: {key}: expected a list of entries, got {_type_name(entries)}")
        if not entries:
            raise InputError(f"{source}: {key}: the list is empty; expected at least one policy entry")
        crud = "crud" in key
        for i, entry in enumerate(entries):
            where = f"{source}: {key}[{i}]"
            if not isinstance(entry, dict):
                raise InputError(f"{where}: expected a mapping, got {_type_name(entry)}")
            allowed = (
                {"name", "description", "arn", "read", "write", "list", "tag", "tagging", "permissions-management"}
                if crud
                else {"name", "description", "arn", "actions"}
            )
            _reject_unknown(entry, allowed, f"{source}: {key}[{i}]", "")
            converted: dict[str, Any] = {"mode": "crud" if crud else "actions"}
            for field_name, value in entry.items():
                if field_name == "arn":
                    continue  # the role the policy was meant for; not part of the policy
                converted["tagging" if field_name == "tag" else field_name] = value
            templates.append(parse(converted, f"{source}: {key}[{i}]"))
    return templates


def parse_document(data: Any, source: str) -> list[Template]:
    """Templates in one parsed YAML/JSON document (the legacy layout yields several)."""
    if (
        isinstance(data, dict)
        and "mode" not in data
        and any(k.startswith(("roles_with_", "policy_with_")) for k in map(str, data))
    ):
        return _legacy(data, source)
    return [parse(data, source)]


def loads(text: str, source: str) -> list[Template]:
    """Parse template text (YAML, which includes JSON) safely: see ``policy_tf.core.safeload``."""
    from policy_tf.core import safeload

    return _checked(safeload.loads(text, source), source)


def _checked(data: Any, source: str) -> list[Template]:
    if data is None:
        raise InputError(f"{source}: the template is empty")
    return parse_document(data, source)


def load(path: str | None) -> list[Template]:
    """Read templates from a file, or from standard input when ``path`` is None or '-'."""
    from policy_tf.core import safeload

    if path in (None, "-"):
        import sys

        return loads(safeload.read_stream(sys.stdin.buffer, "<stdin>"), "<stdin>")
    if path == "":
        raise InputError("'': expected a template file name (or - for standard input)")
    return loads(safeload.read_file(path, "template file"), str(path))
