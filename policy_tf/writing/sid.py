"""Statement ids: alphanumeric, readable, unique and stable across runs."""
from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[A-Za-z0-9]+")


def camel(text: str) -> str:
    """'log-group' -> 'LogGroup', 'aws-marketplace' -> 'AwsMarketplace',
    'Permissions management' -> 'PermissionsManagement'."""
    return "".join(word[:1].upper() + word[1:] for word in _WORD.findall(text))


@lru_cache(maxsize=4096)  # a small vocabulary (service, level, resource type) asked for on every statement
def make_sid(*parts: str) -> str:
    return "".join(camel(part) for part in parts if part) or "Statement"


def unique(sids: list[str]) -> list[str]:
    """Number repeated Sids (in the given order, which callers keep deterministic)."""
    seen: dict[str, int] = {}
    for sid in sids:
        seen[sid] = seen.get(sid, 0) + 1
    counters: dict[str, int] = {}
    out = []
    taken = set(sids)
    for sid in sids:
        if seen[sid] == 1:
            out.append(sid)
            continue
        n = counters.get(sid, 0)
        while True:
            n += 1
            candidate = f"{sid}{n}"
            if candidate not in taken:
                break
        counters[sid] = n
        taken.add(candidate)
        out.append(candidate)
    return out
