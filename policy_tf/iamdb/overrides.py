"""Access-level overrides: a YAML list of ``{action, access_level, reason}`` entries."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from policy_tf.core.errors import InputError
from policy_tf.iamdb import access_level

ALLOWED_KEYS = {"action", "access_level", "reason"}


@dataclass(frozen=True)
class Override:
    prefix: str
    action: str
    access_level: str
    reason: str
    source: str
    # policy_tf's own overrides may name actions that an older or newer documentation set
    # lacks: those become build warnings. A user's overrides file must name real actions.
    optional: bool = False


def load(path: Path, optional: bool = False) -> list[Override]:
    """Read and validate an overrides file; every problem names the file and entry."""
    from policy_tf.core import safeload

    data = safeload.loads(safeload.read_file(str(path), "overrides file"), str(path), fmt="yaml")
    if not isinstance(data, dict) or set(data) != {"overrides"} or not isinstance(data["overrides"], list):
        raise InputError(f"{path}: expected a mapping with one key 'overrides' holding a list")
    result = []
    for index, entry in enumerate(data["overrides"]):
        where = f"{path}: overrides[{index}]"
        if not isinstance(entry, dict):
            raise InputError(f"{where}: expected a mapping with action, access_level and reason")
        unknown = set(entry) - ALLOWED_KEYS
        if unknown:
            raise InputError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        action = entry.get("action")
        if not isinstance(action, str) or action.count(":") != 1:
            raise InputError(f"{where}.action: expected 'prefix:Action', got {action!r}")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise InputError(f"{where}.reason: every override needs a reason")
        try:
            level = access_level.normalize(entry.get("access_level", ""))
        except InputError as exc:
            raise InputError(f"{where}.access_level: {exc}") from None
        prefix, name = action.split(":")
        result.append(Override(prefix.lower(), name, level, reason.strip(), str(path), optional))
    return result


def bundled_path() -> Path:
    """policy_tf's own overrides file, shipped in this package (applied by ``make db`` and ``db build``)."""
    from policy_tf.core.datafiles import data_file

    return data_file("policy_tf.iamdb", "access-level-overrides.yml")


def project_overrides() -> list[Override]:
    """policy_tf's own overrides (the file shipped in this package)."""
    return load(bundled_path(), optional=True)
