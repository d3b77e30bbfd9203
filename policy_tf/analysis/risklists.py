"""The curated risk lists in ``data/`` (shipped in the package): read once, validated."""
from __future__ import annotations

from collections import namedtuple
from functools import lru_cache

from policy_tf.core.errors import PolicyTfError

Method = namedtuple("Method", "id name actions source reason target peers", defaults=(None, ()))
Listed = namedtuple("Listed", "action reason")


def _load(name: str) -> dict:
    # safeload's YAML: these lists are plain YAML, so its fast path answers and PyYAML's
    # import (about 15 ms of every audit) is not paid.
    from policy_tf.core.datafiles import data_file
    from policy_tf.core.errors import InputError
    from policy_tf.core.safeload import load_yaml, read_file

    path = str(data_file("policy_tf.analysis", name))
    try:
        data = load_yaml(read_file(path, "risk list"), path)
    except InputError as exc:
        raise PolicyTfError(f"cannot read the risk list {path}: {exc}") from None
    if not isinstance(data, dict):
        raise PolicyTfError(f"{path}: expected a mapping")
    return data


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
