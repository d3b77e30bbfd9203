"""Fit a policy within AWS's size limits: as is, minimized, or split into managed policies."""
from __future__ import annotations

import json
from collections import namedtuple

from policy_tf.core.errors import InputError, PolicyTfError

# Characters, whitespace excluded. Inline limits apply to the sum of an identity's inline policies.
LIMITS = {"managed": 6144, "inline-role": 10240, "inline-user": 2048, "inline-group": 5120}
MANAGED_QUOTA = 10  # managed policies attached per role, user or group by default
MANAGED_QUOTA_MAX = 20  # what Service Quotas can raise it to


# policies: one, or several when a managed policy had to be split; sizes: of each, without
# whitespace; notes: what was done, for stderr.
FitResult = namedtuple("FitResult", "policies sizes limit minimized notes")


def _deepcopy(value):
    import copy  # only when a policy is returned or split: it pulls in weakref at start-up

    return copy.deepcopy(value)


def policy_size(policy: dict) -> int:
    """Characters AWS counts for ``policy``: its compact JSON without any whitespace, even in strings."""
    return _size(policy)


def _size(value) -> int:
    # str.split() with no argument splits on every whitespace character, in C.
    return len("".join(json.dumps(value, separators=(",", ":")).split()))


def fit_policy(policy: dict, target: str, minimize_chars: int | None = 0, db=None) -> FitResult:
    """Make ``policy`` fit the ``target`` limit (a key of ``LIMITS``).

    Tries, in order: the policy as is; minimized with wildcards (unless ``minimize_chars``
    is None); for ``managed``, split into several policies. Inline limits are per identity
    in aggregate, so an inline policy that is still too large raises ``PolicyTfError``.
    """
    limit = LIMITS.get(target.strip().lower()) if isinstance(target, str) else None
    if limit is None:
        raise InputError(f"unknown policy size target {target!r}; choose one of: {', '.join(LIMITS)}")
    target = target.strip().lower()
    size = policy_size(policy)
    if size <= limit:
        return FitResult([_deepcopy(policy)], [size], limit, False, [])

    notes: list[str] = []
    minimized = False
    if minimize_chars is not None:
        from policy_tf.writing.minimize import minimize_policy

        smaller = minimize_policy(policy, minimize_chars, db)
        smaller_size = policy_size(smaller)
        if smaller_size < size:
            notes.append(f"minimized actions with wildcards: {size} -> {smaller_size} characters (limit {limit})")
            policy, size, minimized = smaller, smaller_size, True
        if size <= limit:
            return FitResult([policy], [size], limit, minimized, notes)

    if target != "managed":
        identity = target.split("-", 1)[1]
        raise PolicyTfError(
            f"the policy is {size} characters (whitespace excluded){' after minimizing' if minimized else ''}, "
            f"over the {limit}-character limit for inline policies of a {identity}; that limit applies to all "
            f"inline policies of the {identity} together, so splitting does not help: use --fit managed")

    policies = _split(policy, limit)
    sizes = [policy_size(p) for p in policies]
    notes.append(f"split into {len(policies)} managed policies of at most {limit} characters each")
    if len(policies) > MANAGED_QUOTA_MAX:
        notes.append(f"{len(policies)} managed policies exceed the maximum of {MANAGED_QUOTA_MAX} that can be "
                     f"attached to one role, user or group; spread the permissions over several identities")
    elif len(policies) > MANAGED_QUOTA:
        notes.append(f"{len(policies)} managed policies exceed the default quota of {MANAGED_QUOTA} per role, "
                     f"user or group; request an increase (up to {MANAGED_QUOTA_MAX}) in Service Quotas")
    return FitResult(policies, sizes, limit, minimized, notes)


def _split(policy: dict, limit: int) -> list[dict]:
    """First-fit the statements, in order, into as few policies as it takes."""
    base = {k: v for k, v in policy.items() if k != "Statement"}
    base["Statement"] = []
    room = limit - _size(base)  # what the statements (and commas between them) may use
    statements = policy.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    used_sids = {s.get("Sid") for s in statements if isinstance(s, dict)}

    bins: list[list[dict]] = []
    filled: list[int] = []  # characters used in each bin, commas included
    for statement in statements:
        for part in _parts(statement, room, used_sids):
            cost = _size(part)
            for i, used in enumerate(filled):
                if used + 1 + cost <= room:
                    bins[i].append(part)
                    filled[i] += 1 + cost
                    break
            else:
                bins.append([part])
                filled.append(cost)
    return [{**_deepcopy(base), "Statement": parts} for parts in bins]


def _parts(statement, room: int, used_sids: set) -> list:
    """``statement`` itself if it fits ``room``, else parts split by Action, then by Resource."""
    if _size(statement) <= room:
        return [_deepcopy(statement)]
    sid = statement.get("Sid") if isinstance(statement, dict) else None
    # Numbering the parts lengthens their Sids: leave room for the digits, more if it takes more.
    for digits in range(1 if isinstance(sid, str) else 0, 8):
        parts = _cut(statement, room - digits)
        if isinstance(sid, str):
            parts = _numbered(parts, sid, used_sids)
        if len(parts) > 1 and all(_size(p) <= room for p in parts):
            if isinstance(sid, str):
                used_sids.update(p["Sid"] for p in parts)
            return parts
    name = f"statement {sid}" if sid else "a statement"
    raise PolicyTfError(
        f"{name} is {_size(statement)} characters and cannot be split to fit a managed policy "
        f"({room} characters left for statements): even one action with one resource is too large, "
        "or it uses NotAction/NotResource, which cannot be split; shorten its ARNs or conditions")


def _cut(statement, room: int) -> list:
    parts = []
    if isinstance(statement, dict):
        for chunk in _chunks(statement, "Action", room):
            parts.extend(_chunks(chunk, "Resource", room) if _size(chunk) > room else [chunk])
    return [_deepcopy(p) for p in parts]  # parts share nested values (Condition) otherwise


def _numbered(parts: list[dict], sid: str, used_sids: set) -> list[dict]:
    """``parts`` with Sids ``{sid}1``, ``{sid}2``... skipping Sids the policy already uses."""
    number = 0
    for part in parts:
        number += 1
        while f"{sid}{number}" in used_sids:
            number += 1
        part["Sid"] = f"{sid}{number}"
    return parts


def _chunks(statement: dict, key: str, room: int) -> list[dict]:
    """Copies of ``statement`` whose ``key`` list is cut, in order, into pieces that fit ``room``.

    Only ``Action`` and ``Resource`` are cut: the union of the pieces grants the same as the
    whole. (Cutting ``NotAction`` or ``NotResource`` would grant more.)
    """
    values = statement.get(key)
    values = [values] if isinstance(values, str) else values
    if not isinstance(values, list) or len(values) < 2:
        return [statement]
    # A list's compact JSON is additive: "[]" plus each item plus one comma between items.
    empty = _size({**statement, key: []})
    chunks: list[list] = [[]]
    used = empty
    for value in values:
        cost = _size(value) + (1 if chunks[-1] else 0)
        if chunks[-1] and used + cost > room:
            chunks.append([])
            used, cost = empty, cost - 1
        chunks[-1].append(value)
        used += cost
    return [{**statement, key: chunk} for chunk in chunks]
