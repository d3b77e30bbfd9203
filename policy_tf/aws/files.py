"""Files the AWS commands write: path-safe names and JSON as the AWS CLI prints it (written by ``atomic``)."""
from __future__ import annotations

import json
import re

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
