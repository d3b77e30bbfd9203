"""The curated risk lists in ``data/`` (shipped in the package): read once, validated.

The YAML files are the lists. ``data/risk-lists.json`` holds what each of them parses to, made
by ``tools/risk_lists.py``, with the CRC-32 of the YAML it was made from: a list is read from it
only while that YAML is unchanged, else from the YAML itself. Parsing the YAML costs an audit
about 13 ms (yaml_rs and typing imported, 57 KB parsed and proved equal to PyYAML's reading);
the JSON about 1 ms. tests/analysis/test_analysis_lists.py fails when the JSON is stale.
"""
from __future__ import annotations

from collections import namedtuple
from functools import lru_cache

from policy_tf.core.errors import PolicyTfError

Method = namedtuple("Method", "id name actions source reason target peers", defaults=(None, ()))
Listed = namedtuple("Listed", "action reason")

NAMES = ("privilege-escalation.yml", "credentials-exposure.yml", "data-exfiltration.yml", "resource-exposure.yml",
         "resource-policy-escalation.yml", "compute-services.yml")
COMPILED = "risk-lists.json"


def _path(name: str) -> str:
    from policy_tf.core.datafiles import data_path

    return data_path("policy_tf.analysis", name)


def _load(name: str) -> dict:
    """The list ``name`` parsed: from the JSON copy while it matches the YAML, else the YAML."""
    compiled = _compiled().get(name)
    if isinstance(compiled, dict) and isinstance(compiled.get("data"), dict) and compiled.get("crc32") == _crc32(name):
        return compiled["data"]
    return _load_yaml(name)


def _load_yaml(name: str) -> dict:
    # safeload's YAML: these lists are plain YAML, so its fast path answers and PyYAML's
    # import (about 15 ms of every audit) is not paid.
    from policy_tf.core.errors import InputError
    from policy_tf.core.safeload import load_yaml, read_file

    path = _path(name)
    try:
        data = load_yaml(read_file(path, "risk list"), path)
    except InputError as exc:
        raise PolicyTfError(f"cannot read the risk list {path}: {exc}") from None
    if not isinstance(data, dict):
        raise PolicyTfError(f"{path}: expected a mapping")
    return data


@lru_cache(maxsize=None)
def _compiled() -> dict:
    """YAML name -> {"crc32", "data"} of the JSON copy; empty when it is missing or unreadable
    (every list is then read from its YAML)."""
    import json

    from policy_tf.core.errors import InputError
    from policy_tf.core.safeload import read_file

    try:
        lists = json.loads(read_file(_path(COMPILED), "risk lists")).get("lists")
    except (InputError, ValueError, AttributeError):
        return {}
    return lists if isinstance(lists, dict) else {}


def _crc32(name: str) -> int | None:
    """The CRC-32 of the YAML file's bytes (None when it cannot be read: the YAML reader says why)."""
    import zlib

    from policy_tf.core.errors import InputError
    from policy_tf.core.safeload import read_user_bytes

    try:
        return zlib.crc32(read_user_bytes(_path(name), "risk list"))
    except InputError:
        return None


def compiled_text() -> str:
    """The text ``data/risk-lists.json`` should hold: every list parsed from its YAML."""
    import json

    lists = {name: {"crc32": _crc32(name), "data": _load_yaml(name)} for name in NAMES}
    note = "made from the YAML files beside it by tools/risk_lists.py; read only while a file's crc32 matches"
    return json.dumps({"note": note, "lists": lists}, indent=1, ensure_ascii=False) + "\n"


@lru_cache(maxsize=None)
def privilege_escalation() -> tuple:
    data = _load("privilege-escalation.yml")
    return tuple(Method(m["id"], m["name"], tuple(m["actions"]), m["source"], m["reason"], m.get("target"),
                        tuple(sorted((m.get("peers") or {}).items())))
                 for m in data["methods"])


@lru_cache(maxsize=None)
def actions(name: str) -> tuple:
    """``credentials-exposure``, ``data-exfiltration``, ``resource-exposure`` or ``resource-policy-escalation``."""
    return tuple(Listed(e["action"], e["reason"]) for e in _load(f"{name}.yml")["actions"])


@lru_cache(maxsize=None)
def compute_services() -> dict:
    return {e["principal"]: e["reason"] for e in _load("compute-services.yml")["services"]}
