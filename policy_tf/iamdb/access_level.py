"""Access-level names: AWS's documented spelling and the CLI/template spelling."""
from __future__ import annotations

from policy_tf.core.errors import InputError

# CLI / template name -> documented name.
BY_OPTION = {
    "list": "List",
    "read": "Read",
    "write": "Write",
    "permissions-management": "Permissions management",
    "tagging": "Tagging",
}
OPTIONS = tuple(BY_OPTION)
DOCUMENTED = tuple(BY_OPTION.values())
_LOOKUP = {
    **BY_OPTION,
    **{name.lower(): name for name in DOCUMENTED},
    "permissions_management": "Permissions management",
    "tag": "Tagging",
}


def normalize(text: str) -> str:
    """'write', 'Write', 'permissions-management' or 'Permissions management' -> documented name."""
    level = _LOOKUP.get(str(text).strip().lower())
    if level is None:
        raise InputError(f"unknown access level {text!r}; expected one of: {', '.join(OPTIONS)}")
    return level


def option(level: str) -> str:
    """Documented name -> option spelling ('Permissions management' -> 'permissions-management')."""
    return level.lower().replace(" ", "-")


def more_sensitive(level: str, than: str) -> bool:
    """Whether ``level`` comes before ``than`` in the precedence of dual levels."""
    from policy_tf.iamdb.model import PRECEDENCE

    rank = {name: i for i, name in enumerate(PRECEDENCE)}
    return rank.get(level, len(rank)) < rank.get(than, len(rank))
