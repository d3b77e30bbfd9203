"""Files the AWS commands write: path-safe names, JSON as the AWS CLI prints it, no needless rewrites."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9+=,.@_-]")


def safe_name(name: str) -> str:
    """``name`` as one path component: IAM's name characters kept, others ``_``, never ``.``/``..``.

    IAM names allow dots, so a role called ``..`` must not climb out of the output folder.
    """
    cleaned = _UNSAFE.sub("_", name) or "_"
    return "_" + cleaned if cleaned.startswith(".") else cleaned


def _default(value):
    import datetime

    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()  # what the AWS CLI prints for timestamps
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_json(data, indent: int = 2) -> str:
    """JSON text with AWS timestamps as ISO 8601 (as the AWS CLI prints them)."""
    return json.dumps(data, indent=indent, ensure_ascii=False, default=_default) + "\n"


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` atomically unless it already holds exactly that; True if written."""
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return True


def inside(root: Path, *parts: str) -> Path:
    """``root / parts``, refusing any result outside ``root`` (defence in depth over safe_name)."""
    path = root.joinpath(*parts)
    resolved_root = root.resolve()
    if resolved_root not in path.resolve().parents and path.resolve() != resolved_root:
        from policy_tf.errors import PolicyTfError

        raise PolicyTfError(f"refusing to write outside {root}: {path}")
    return path


def read_json(path: str | Path, what: str):
    """A JSON file, or InputError naming the file."""
    from policy_tf.errors import InputError

    from policy_tf import safeload

    try:
        return safeload.load_json(safeload.read_file(str(path), what), str(path))
    except InputError as exc:
        raise InputError(f"{what} {exc}") from None
