"""The curated table ``data/code-operation-mappings.yml`` of this package, read and validated.

It holds what neither botocore's models nor the IAM database say: operations authorized by
actions of other names or by several actions, the SDK helpers and the operations they call,
the request parameters that name each ARN variable, and the KMS actions that encrypted data
needs. Every entry names its source; a malformed entry is an error naming the file and entry.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from policy_tf.core.errors import InputError

FILE_NAME = "code-operation-mappings.yml"
TOP_KEYS = {"services", "parameters", "operations", "helpers", "kms"}
TRANSFORMS = {"queue-url", "secret-name", "no-leading-slash", "copy-source", "instance-profile-role", "path-and-below"}


def bundled_path() -> Path:
    from policy_tf.core.datafiles import data_file

    return data_file("policy_tf.sources.code", FILE_NAME)


@dataclass(frozen=True)
class MappedAction:
    action: str                 # prefix:Name
    resource: str | None = None  # its own ARN template, else the call's resources
    when: str | None = None      # only when the call passes this parameter
    note: str = ""
    context: tuple = ()          # ((condition key, (values...)), ...): the request context it carries


@dataclass(frozen=True)
class Parameter:
    paths: tuple[str, ...]
    transform: str = ""


@dataclass(frozen=True)
class KmsEntry:
    service: str
    operations: frozenset
    actions: tuple[str, ...]
    key: str | None
    when: str | None
    source: str


@dataclass(frozen=True)
class Mappings:
    services: dict            # boto3 service name -> IAM prefix
    parameters: dict          # ARN variable -> Parameter
    operations: dict          # (service, operation) -> tuple[MappedAction]
    sources: dict             # (service, operation) -> source URL
    helpers: dict             # (service, object, method) -> entry
    kms: tuple                # KmsEntry


_CACHE: dict[str, Mappings] = {}


def load(path: Path | None = None) -> Mappings:
    """Read the table (memoized per path)."""
    path = Path(path or bundled_path())
    found = _CACHE.get(str(path))
    if found is None:
        found = _CACHE[str(path)] = _read(path)
    return found


def _read(path: Path) -> Mappings:
    from policy_tf.core import safeload

    data = safeload.loads(safeload.read_file(str(path), "mapping table"), str(path), fmt="yaml")
    if not isinstance(data, dict) or set(data) - TOP_KEYS:
        raise InputError(f"{path}: expected a mapping with keys {', '.join(sorted(TOP_KEYS))}")
    services = {}
    for name, entry in (data.get("services") or {}).items():
        _require(entry, {"prefix", "source"}, f"{path}: services.{name}")
        services[str(name)] = str(entry["prefix"])
    parameters = {}
    for variable, entry in (data.get("parameters") or {}).items():
        where = f"{path}: parameters.{variable}"
        _require(entry, {"from", "source"}, where, optional={"as"})
        if not isinstance(entry["from"], list) or not all(isinstance(p, str) for p in entry["from"]):
            raise InputError(f"{where}.from: expected a list of parameter paths")
        transform = str(entry.get("as", ""))
        if transform and transform not in TRANSFORMS:
            raise InputError(f"{where}.as: expected one of {', '.join(sorted(TRANSFORMS))}")
        for param in entry["from"]:
            own = param.partition("|")[2]
            if own and own not in TRANSFORMS:
                raise InputError(f"{where}.from: {param}: expected one of {', '.join(sorted(TRANSFORMS))} after |")
        parameters[str(variable)] = Parameter(tuple(entry["from"]), transform)
    operations, sources = {}, {}
    for i, entry in enumerate(data.get("operations") or []):
        where = f"{path}: operations[{i}]"
        _require(entry, {"service", "operation", "actions", "source"}, where)
        key = (str(entry["service"]), str(entry["operation"]))
        if key in operations:
            raise InputError(f"{where}: {key[0]} {key[1]} is listed twice")
        if not isinstance(entry["actions"], list):
            raise InputError(f"{where}.actions: expected a list")
        operations[key] = tuple(_action(a, f"{where}.actions[{j}]") for j, a in enumerate(entry["actions"]))
        sources[key] = str(entry["source"])
    helpers = {}
    for i, entry in enumerate(data.get("helpers") or []):
        where = f"{path}: helpers[{i}]"
        _require(entry, {"service", "object", "method", "params", "operations", "source"}, where,
                 optional={"head-on", "params-from"})
        helpers[(str(entry["service"]), str(entry["object"]), str(entry["method"]))] = entry
    kms = []
    for i, entry in enumerate(data.get("kms") or []):
        where = f"{path}: kms[{i}]"
        _require(entry, {"service", "operations", "actions", "source"}, where, optional={"key", "when"})
        kms.append(KmsEntry(str(entry["service"]), frozenset(entry["operations"]), tuple(entry["actions"]),
                            entry.get("key"), entry.get("when"), str(entry["source"])))
    return Mappings(services, parameters, operations, sources, helpers, tuple(kms))


def _require(entry, keys: set[str], where: str, optional: frozenset[str] | set[str] = frozenset()) -> None:
    if not isinstance(entry, dict) or not keys <= set(entry) or set(entry) - keys - optional:
        raise InputError(f"{where}: expected the keys {', '.join(sorted(keys))}"
                         + (f" (and optionally {', '.join(sorted(optional))})" if optional else ""))
    if not str(entry["source"]).startswith("https://"):
        raise InputError(f"{where}.source: expected the https:// page that documents it")


def _action(item, where: str) -> MappedAction:
    if isinstance(item, str) and ":" in item:
        return MappedAction(item)
    if isinstance(item, dict) and "action" in item and set(item) <= {"action", "resource", "when", "note", "context"} \
            and ":" in str(item["action"]):
        context = item.get("context") or {}
        if not isinstance(context, dict) or not all(isinstance(v, list) for v in context.values()):
            raise InputError(f"{where}.context: expected condition keys with lists of values")
        return MappedAction(str(item["action"]), item.get("resource"), item.get("when"), str(item.get("note", "")),
                            tuple((str(k), tuple(map(str, v))) for k, v in context.items()))
    raise InputError(f"{where}: expected prefix:Action or {{action: prefix:Action, resource: ARN template, "
                     "when: Parameter}")
