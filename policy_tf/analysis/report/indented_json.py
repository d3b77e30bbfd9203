"""``json.dumps(data, indent=2, ensure_ascii=False)``, byte for byte, several times faster.

With ``indent`` the standard library falls back to its pure-Python encoder, which spends
most of an audit report's time on the long ``actions`` lists (a NotAction finding names
thousands of actions). Here each string still goes through the C string encoder, and a list
of strings is one ``join``. Data of any other shape (floats, non-string keys, custom
objects) is handed to ``json.dumps`` itself, so the output never differs.
"""
from __future__ import annotations

import json
from json.encoder import encode_basestring

_SCALARS = {True: "true", False: "false"}


class _Unusual(Exception):
    """Data this encoder leaves to ``json.dumps``."""


def _strings(value, indent: str) -> str:
    inner = indent + "  "
    return "[\n" + inner + (",\n" + inner).join(map(encode_basestring, value)) + "\n" + indent + "]"


def _encode(value, indent: str, out: list, memo: dict) -> None:
    if isinstance(value, str):
        out.append(encode_basestring(value))
    elif value is None:
        out.append("null")
    elif value is True or value is False:
        out.append(_SCALARS[value])
    elif type(value) is int:
        out.append(int.__repr__(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = indent + "  "
        first = True
        for key, item in value.items():
            if type(key) is not str:
                raise _Unusual
            out.append(("{\n" if first else ",\n") + inner + encode_basestring(key) + ": ")
            first = False
            _encode(item, inner, out, memo)
        out.append("\n" + indent + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        # Long lists of strings are memoized by content: a report repeats the same long
        # ``actions`` lists in every policy of one shape (looked up before checking the items).
        key = None
        if len(value) >= 16:
            try:
                key = (indent, tuple(value))
                found = memo.get(key)
            except TypeError:  # an unhashable item: not a list of strings
                key = found = None
            if found is not None:
                out.append(found)
                return
        if all(type(v) is str for v in value):
            text = _strings(value, indent)
            if key is not None:
                memo[key] = text
            out.append(text)
            return
        inner = indent + "  "
        first = True
        for item in value:
            out.append(("[\n" if first else ",\n") + inner)
            first = False
            _encode(item, inner, out, memo)
        out.append("\n" + indent + "]")
    else:
        raise _Unusual


def dumps(data) -> str:
    """``data`` as ``json.dumps(data, indent=2, ensure_ascii=False)`` writes it."""
    return dumps_at(data, "")


def dumps_at(data, indent: str) -> str:
    """``data`` as ``dumps`` writes it when nested at ``indent`` in a larger document (its
    first line unindented, the rest shifted): JSON text holds no raw newline but its own."""
    out: list = []
    try:
        _encode(data, indent, out, {})
    except (_Unusual, RecursionError):
        return json.dumps(data, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)
    return "".join(out)
