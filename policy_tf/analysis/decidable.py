"""Conditions decidable offline: date comparisons on ``aws:CurrentTime`` and ``aws:TokenIssueTime``.

``verdict(statement)`` says whether a statement's Condition block holds for every request
from now on (True: it counts as unconditioned), for none (False: the statement grants or
denies nothing), or depends on the request (None). Every other key is undecided, and one
undecided entry makes the block undecided unless another entry can never hold (the entries
of a block are ANDed).

* ``aws:CurrentTime`` is the time of the request: it is never earlier than now.
* ``aws:TokenIssueTime`` is when temporary credentials were issued: a session still valid
  now was issued at most 36 hours ago (the longest session AWS issues), and long-term
  credentials (an IAM user's access keys) carry no such key, so only ``...IfExists``
  comparisons hold for them.
"""
from __future__ import annotations

import time

from policy_tf.analysis.wildcard import has_variable

SESSION_SECONDS = 36 * 3600
_KEYS = ("aws:currenttime", "aws:tokenissuetime")
_MEMO: dict = {}
_MEMO_LIMIT = 4096


def now() -> float:
    """Seconds since the epoch (a function, so tests can pin the clock)."""
    return time.time()


def parse_time(value) -> float | None:
    """An ISO 8601 date or date-time (``Z`` or an offset; no zone is UTC) or epoch seconds."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    text = str(value).strip()
    if not text or has_variable(text):
        return None
    try:
        return float(text)
    except ValueError:
        pass
    from datetime import datetime, timezone  # only for date conditions: not on every audit's path

    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _compare(base: str, lo: float, hi: float, value: float) -> bool | None:
    """Whether ``key <base> value`` holds for every key time in [lo, hi] (True), for none
    (False), or for some (None)."""
    tests = {
        "DateLessThan": lambda t: t < value, "DateLessThanEquals": lambda t: t <= value,
        "DateGreaterThan": lambda t: t > value, "DateGreaterThanEquals": lambda t: t >= value,
        "DateEquals": lambda t: t == value, "DateNotEquals": lambda t: t != value,
    }
    test = tests.get(base)
    if test is None:
        return None
    if base == "DateEquals":
        return False if not lo <= value <= hi else None
    if base == "DateNotEquals":
        return True if not lo <= value <= hi else None
    at_lo, at_hi = test(lo), test(hi)
    return at_lo if at_lo == at_hi else None


def _entry(operator: str, key: str, values, moment: float) -> bool | None:
    """The verdict of one ``operator: {key: values}`` entry."""
    if operator.startswith(("ForAnyValue:", "ForAllValues:")):
        return None
    if_exists = operator.endswith("IfExists")
    base = operator[:-len("IfExists")] if if_exists else operator
    if not base.startswith("Date") or key.lower() not in _KEYS:
        return None
    values = values if isinstance(values, list) else [values]
    parsed = [parse_time(v) for v in values]
    times = [t for t in parsed if t is not None]
    if not times or len(times) != len(parsed):
        return None
    if key.lower() == "aws:currenttime":
        lo, hi, absent = moment, float("inf"), None
    else:  # a session valid now, or one issued later; long-term credentials have no key
        lo, hi, absent = moment - SESSION_SECONDS, float("inf"), if_exists
    # several values: the entry holds when any of them matches
    results = [_compare(base, lo, hi, t) for t in times]
    present = True if any(r is True for r in results) else False if all(r is False for r in results) else None
    if absent is None or present is None:
        return present
    return present if present == absent else None


def verdict(condition) -> bool | None:
    """True, False or None for a Condition block (see the module docstring); memoized."""
    if not condition:
        return True
    if not isinstance(condition, dict):
        return None
    try:
        key = repr(sorted(condition.items()))
    except TypeError:
        key = repr(condition)
    moment = now()
    found = _MEMO.get(key)
    if found is not None and abs(found[0] - moment) < 60:
        return found[1]
    result: bool | None = True
    for operator, entries in condition.items():
        if not isinstance(operator, str) or not isinstance(entries, dict):
            return None
        for name, values in entries.items():
            here = _entry(operator, name, values, moment) if isinstance(name, str) else None
            if here is False:
                result = False
                break
            if here is None:
                result = None
        if result is False:
            break
    if len(_MEMO) >= _MEMO_LIMIT:
        _MEMO.clear()
    _MEMO[key] = (moment, result)
    return result


def impossible(condition) -> list[tuple[str, str, object]]:
    """The (operator, key, values) entries of a block that can never hold from now on."""
    moment = now()
    out = []
    if isinstance(condition, dict):
        for operator, entries in condition.items():
            if isinstance(operator, str) and isinstance(entries, dict):
                for name, values in entries.items():
                    if isinstance(name, str) and _entry(operator, name, values, moment) is False:
                        out.append((operator, name, values))
    return out
