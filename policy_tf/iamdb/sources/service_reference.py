"""Read AWS's machine-readable Service Reference JSON into the in-memory model.

Layout: ``service_ref.json`` (index ``[{"service": prefix, "url": ...}]``) and
``services/<prefix>.json`` (``Name``, ``Version``, ``Actions``, ``Resources``,
``ConditionKeys``). Missing fields are read as empty; a value of the wrong JSON type
raises ``InputError`` naming the file and the JSON path (``$.Actions[3].Name``).

Access level
------------
The JSON has four flags under ``Actions[].Annotations.Properties`` instead of a level,
and several can be true at once. Combinations measured on the September 2025 snapshot
(430 services, 19,167 actions)::

    IsWrite                          9,832
    (all false)                      5,122
    IsList                           3,171
    IsWrite + IsTaggingOnly            676
    IsWrite + IsPermissionManagement   366

No other combination occurs. Precedence, first true flag wins:

    IsPermissionManagement -> "Permissions management"
    IsTaggingOnly          -> "Tagging"
    IsWrite                -> "Write"
    IsList                 -> "List"
    (none)                 -> "Read"

The specific flags beat ``IsWrite`` because AWS sets ``IsWrite`` alongside them. Against
the HTML pages (June 2026) this agrees for 19,030 of the 19,049 actions found in both
(99.9%): Tagging 670/670, Permissions management 365/366, Write 9,774/9,781, List
3,158/3,163, Read 5,063/5,069. All 19 differences are single-flag actions whose level AWS
changed between the snapshots, so no other precedence does better; putting ``IsWrite``
first would get all 1,035 Tagging and Permissions management actions wrong.
PermissionManagement before TaggingOnly, and Write before List, never occur together
in the data; the order picks the more sensitive level.

Resources
---------
``required`` is not in this format, so every ``ResourceRef`` has ``required=False``.
Action-level keys (``ActionConditionKeys``) go on a ``ResourceRef("")`` row when
non-empty, as on the HTML pages; per-resource keys of an action go on that resource's
row. A resource listed twice for one action (5 actions) is kept twice, as in the data.
Operations
----------
Newer files add ``Operations[]``: ``{"Name": "GetObject", "AuthorizedActions": [{"Name":
"GetObject", "Service": "s3"}], "SDK": [...]}``, the operation -> IAM actions mapping AWS
publishes for services that support it. They become ``Service.operations`` (condition keys
and access level are not in this format: the access level is then the actions' own). An
authorized action may carry ``Context`` (``{"iam:PassedToService": ["ec2.amazonaws.com"]}``:
the request context of that authorization), kept in ``Operation.context``; ``SDK`` lists the
SDK methods that call the operation (``{"Name": "s3", "Method": "get_object", "Package":
"Boto3"}``), kept in ``Operation.sdk``. An empty ``AuthorizedActions`` list means the action
of the operation's own name. The September 2025 snapshot has none of this.

13 resource types have two ``ARNFormats`` (apigateway v1/v2, greengrass, lex: each spans
two HTML pages); ``arn_format`` is the first and ``ResourceType.other_formats`` keeps the
rest. One condition key has two ``Types``; ``type`` is the first.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from policy_tf.core.errors import InputError
from policy_tf.iamdb.model import (
    Action,
    ConditionKey,
    Operation,
    ResourceRef,
    ResourceType,
    Service,
)

INDEX_FILE = "service_ref.json"
SERVICES_DIR = "services"
# Every prefix AWS uses looks like this; anything else could escape services/ as a path.
PREFIX_RE = re.compile(r"[a-z0-9][a-z0-9-]*")

# (flag, level) in precedence order; see the module docstring for the measurements.
_LEVEL_FLAGS = (
    ("IsPermissionManagement", "Permissions management"),
    ("IsTaggingOnly", "Tagging"),
    ("IsWrite", "Write"),
    ("IsList", "List"),
)


class _Reader:
    """Typed access to one JSON document, reporting errors as ``source: $.path``."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str) -> InputError:
        return InputError(f"{self.source}: {path}: {message}")

    def obj(self, value: Any, path: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected an object, got {_kind(value)}")
        return value

    def array(self, parent: dict, key: str, path: str) -> list:
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"{path}.{key}", f"expected a list, got {_kind(value)}")
        return value

    def text(self, parent: dict, key: str, path: str) -> str:
        value = parent.get(key)
        if not isinstance(value, str) or not value:
            raise self.fail(f"{path}.{key}", f"expected a non-empty string, got {_kind(value)}")
        return value

    def texts(self, parent: dict, key: str, path: str) -> list[str]:
        items = self.array(parent, key, path)
        for i, item in enumerate(items):
            if not isinstance(item, str):
                raise self.fail(f"{path}.{key}[{i}]", f"expected a string, got {_kind(item)}")
        return list(items)

    def flag(self, parent: dict, key: str, path: str) -> bool:
        value = parent.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(f"{path}.{key}", f"expected true or false, got {_kind(value)}")
        return value


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number"
    )


def access_level(properties: dict, source: str = "", path: str = "$") -> str:
    """Map ``Annotations.Properties`` flags to one of ``ACCESS_LEVELS``."""
    return documented_levels(properties, source, path)[0]


def documented_levels(properties: dict, source: str = "", path: str = "$") -> list[str]:
    """Every level whose flag is set, in precedence order (``["Read"]`` when none is)."""
    reader = _Reader(source)
    return [level for flag, level in _LEVEL_FLAGS if reader.flag(properties, flag, path)] or ["Read"]


def read_service(data: dict, source: str) -> Service:
    """Build a ``Service`` from one parsed ``services/<prefix>.json`` document."""
    r = _Reader(source)
    data = r.obj(data, "$")
    prefix = r.text(data, "Name", "$")
    # The JSON has no human-readable service name.
    service = Service(prefix=prefix, name=prefix, sources=[source])

    for i, raw in enumerate(r.array(data, "Actions", "$")):
        path = f"$.Actions[{i}]"
        action = _read_action(r, r.obj(raw, path), path)
        service.actions[action.name] = action

    for i, raw in enumerate(r.array(data, "Resources", "$")):
        path = f"$.Resources[{i}]"
        raw = r.obj(raw, path)
        formats = r.texts(raw, "ARNFormats", path)
        resource = ResourceType(
            name=r.text(raw, "Name", path),
            arn_format=formats[0] if formats else "",
            condition_keys=r.texts(raw, "ConditionKeys", path),
            other_formats=formats[1:],
        )
        service.resource_types[resource.name] = resource

    for i, raw in enumerate(r.array(data, "Operations", "$")):
        path = f"$.Operations[{i}]"
        raw = r.obj(raw, path)
        operation = service.operations.setdefault(r.text(raw, "Name", path), Operation(raw["Name"]))
        for j, authorized in enumerate(r.array(raw, "AuthorizedActions", path)):
            apath = f"{path}.AuthorizedActions[{j}]"
            authorized = r.obj(authorized, apath)
            authorized_action = f"{authorized.get('Service') or prefix}:{r.text(authorized, 'Name', apath)}"
            if authorized_action not in operation.actions:
                operation.actions.append(authorized_action)
            context = r.obj(authorized.get("Context") or {}, f"{apath}.Context")
            for key in context:
                values = r.texts(context, key, f"{apath}.Context")
                known = operation.context.setdefault(authorized_action, {}).setdefault(key, [])
                known.extend(v for v in values if v not in known)
        if not operation.actions and raw.get("AuthorizedActions") is not None:
            # An empty list: the operation is authorized by the action of its own name.
            operation.actions.append(f"{prefix}:{operation.name}")
        for j, method in enumerate(r.array(raw, "SDK", path)):
            spath = f"{path}.SDK[{j}]"
            method = r.obj(method, spath)
            entry = (r.text(method, "Package", spath), r.text(method, "Name", spath), r.text(method, "Method", spath))
            if entry not in operation.sdk:
                operation.sdk.append(entry)

    for i, raw in enumerate(r.array(data, "ConditionKeys", "$")):
        path = f"$.ConditionKeys[{i}]"
        raw = r.obj(raw, path)
        types = r.texts(raw, "Types", path)
        key = ConditionKey(name=r.text(raw, "Name", path), type=types[0] if types else "")
        service.condition_keys[key.name] = key

    return service


def _read_action(r: _Reader, raw: dict, path: str) -> Action:
    annotations = r.obj(raw.get("Annotations", {}), f"{path}.Annotations")
    properties = r.obj(annotations.get("Properties", {}), f"{path}.Annotations.Properties")
    refs = []
    for j, ref in enumerate(r.array(raw, "Resources", path)):
        ref_path = f"{path}.Resources[{j}]"
        ref = r.obj(ref, ref_path)
        refs.append(
            ResourceRef(
                resource_type=r.text(ref, "Name", ref_path),
                condition_keys=r.texts(ref, "ConditionKeys", ref_path),
            )
        )
    action_keys = r.texts(raw, "ActionConditionKeys", path)
    if action_keys:
        refs.append(ResourceRef(resource_type="", condition_keys=action_keys))
    levels = documented_levels(properties, r.source, f"{path}.Annotations.Properties")
    return Action(
        name=r.text(raw, "Name", path),
        access_level=levels[0],
        resources=refs,
        # Written as the July 2026 pages write dual levels: "Tagging, Write".
        documented_level=", ".join(levels) if len(levels) > 1 else "",
    )


def load_json(path: Path) -> Any:
    """Parse one JSON file, turning unreadable or malformed files into ``InputError``."""
    from policy_tf.core import safeload

    # Strict: a duplicate key or absurd nesting in a documentation file is an error too.
    return safeload.load_json(safeload.read_file(str(path), "documentation file"), str(path))


def service_files(folder: Path) -> list[Path]:
    """The service files to read: those the index lists, else every ``services/*.json``."""
    index_path = folder / INDEX_FILE
    if not index_path.exists():
        every = sorted((folder / SERVICES_DIR).glob("*.json"))
        if not every:
            raise InputError(f"{folder}: no {INDEX_FILE} and no {SERVICES_DIR}/*.json files")
        return every

    r = _Reader(str(index_path))
    index = load_json(index_path)
    if not isinstance(index, list):
        raise r.fail("$", f"expected a list, got {_kind(index)}")
    files: dict[str, Path] = {}
    for i, entry in enumerate(index):
        prefix = r.text(r.obj(entry, f"$[{i}]"), "service", f"$[{i}]")
        if not PREFIX_RE.fullmatch(prefix):
            raise r.fail(f"$[{i}].service", f"not a service prefix: {prefix!r}")
        path = folder / SERVICES_DIR / f"{prefix}.json"
        if not path.is_file():
            raise InputError(f"{path}: listed in {INDEX_FILE} but missing")
        files.setdefault(prefix, path)
    return list(files.values())


def read_folder(folder: Path) -> list[Service]:
    """Read every service of a Service Reference folder, one ``Service`` per file."""
    folder = Path(folder)
    return [read_service(load_json(path), path.name) for path in service_files(folder)]
