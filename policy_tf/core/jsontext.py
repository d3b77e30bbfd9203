"""JSON text out: ``json.dumps(data, indent=2, ensure_ascii=False)``, byte for byte, faster.

With ``indent`` the standard library uses its pure-Python encoder: about 175 ms for the
500-policy audit report's data (23.6 MB). Two faster ways give the same bytes:

* orjson, when installed (the ``fast`` extra) and the data is large enough to pay for its
  import: about 25 ms for that data, type check included. It is used only for data made of
  the types on which the two agree (str keys; str, int, bool, None, dict, list, tuple,
  exactly those types): floats are spelt differently
  (``1e+16`` against ``1e16``, NaN), and other types are refused by one and written by the
  other. Anything else, and anything orjson refuses (integers beyond 64 bits, lone
  surrogates), is written by ``json.dumps``.
* a list of strings (``query`` answers of thousands of names) is one join of the C string
  encoder's results, in ``json.dumps``'s layout.

tests/core/test_jsontext.py compares every path with ``json.dumps`` on generated JSON values.
"""
from __future__ import annotations

import json
from json.encoder import encode_basestring

TYPE_CHECKING = False  # typing is not imported at start-up
if TYPE_CHECKING:
    from typing import Any

_orjson: Any = None  # the module; False when it is not installed


def dumps(data: Any) -> str:
    """``data`` as ``json.dumps(data, indent=2, ensure_ascii=False)`` writes it."""
    if type(data) is list and data and all(type(item) is str for item in data):
        return "[\n  " + ",\n  ".join(map(encode_basestring, data)) + "\n]"
    fast = _orjson_dumps(data)
    if fast is not None:
        return fast.decode("utf-8")
    return json.dumps(data, indent=2, ensure_ascii=False)


def dumps_at(data: Any, indent: str) -> str:
    """``data`` as ``dumps`` writes it when nested at ``indent`` in a larger document (its
    first line unindented, the rest shifted): JSON text holds no raw newline but its own."""
    text = dumps(data)
    return text.replace("\n", "\n" + indent) if indent else text


def _orjson_dumps(data: Any) -> bytes | None:
    """orjson's text of ``data``, or None where json.dumps must write it."""
    global _orjson
    if _orjson is False:
        return None
    size = _agreed_size(data)
    if size < 0 or (_orjson is None and size < _WORTH_IMPORTING):
        return None
    if _orjson is None:
        try:
            import orjson as module
        except ImportError:
            _orjson = False
            return None
        _orjson = module
    try:
        return _orjson.dumps(data, option=_orjson.OPT_INDENT_2)
    except _orjson.JSONEncodeError:  # an integer beyond 64 bits, a lone surrogate
        return None


def _agreed(data: Any) -> bool:
    """Whether ``data`` holds only the types orjson and json write alike."""
    return _agreed_size(data) >= 0


def _agreed_size(data: Any) -> int:
    """How many values ``data`` holds when they are all of the types orjson and json write
    alike, else -1 (each container's item types are collected at C speed: a report is
    mostly long lists of strings)."""
    if type(data) not in _CONTAINERS:
        return 1 if type(data) in _LEAVES else -1
    size = 1
    stack = [data]
    while stack:
        value = stack.pop()
        if type(value) is dict:
            if set(map(type, value)) != _STR:
                if value:
                    return -1
                continue
            items = value.values()
        else:
            items = value
        size += len(items)
        kinds = set(map(type, items))
        if not kinds <= _LEAVES:
            if not kinds <= _TYPES:
                return -1
            stack.extend(item for item in items if type(item) in _CONTAINERS)
    return size


# Importing orjson costs ~8 ms (it loads dataclasses, typing, enum); json.dumps writes about
# two thousand values a millisecond: below this size (a generated policy) it is not worth it.
_WORTH_IMPORTING = 15_000
_STR = {str}
_LEAVES = frozenset((str, int, bool, type(None)))
_CONTAINERS = frozenset((dict, list, tuple))
_TYPES = _LEAVES | _CONTAINERS
