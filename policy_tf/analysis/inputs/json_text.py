"""JSON text with positions: parse a document, refusing duplicate keys, and find the line of each statement.

Python's json module keeps no positions, but ``raw_decode`` tells where each value ends; walking
the top-level object with it finds where every element of ``Statement`` starts, at C speed.
"""
from __future__ import annotations

import json

from policy_tf.errors import InputError

_WHITESPACE = " \t\n\r"


class DuplicateKeyError(ValueError):
    pass


def _no_duplicates(pairs: list) -> dict:
    out = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKeyError(f"duplicate key {key!r}")
        out[key] = value
    return out


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates)


def loads(text: str, where: str) -> object:
    """The parsed JSON, or an InputError naming ``where``, the line and the column."""
    try:
        return _DECODER.decode(text)
    except DuplicateKeyError as exc:
        raise InputError(f"{where}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WHITESPACE:
        i += 1
    return i


def statement_offsets(text: str) -> tuple:
    """Character offsets of each statement of the policy in ``text`` (valid JSON).

    One offset per element of a ``Statement`` list, or one for a single ``Statement`` object;
    () when the text is not an object with a Statement.
    """
    decode = json.JSONDecoder().raw_decode
    i = _skip(text, 0)
    if i >= len(text) or text[i] != "{":
        return ()
    i = _skip(text, i + 1)
    while i < len(text) and text[i] == '"':
        key, i = json.decoder.scanstring(text, i + 1)
        i = _skip(text, _skip(text, i) + 1)  # past the colon
        if key == "Statement":
            if text[i] == "{":
                return (i,)
            if text[i] != "[":
                return ()
            offsets = []
            i = _skip(text, i + 1)
            while i < len(text) and text[i] != "]":
                offsets.append(i)
                _, i = decode(text, i)
                i = _skip(text, i)
                if i < len(text) and text[i] == ",":
                    i = _skip(text, i + 1)
            return tuple(offsets)
        _, i = decode(text, i)
        i = _skip(text, i)
        if i < len(text) and text[i] == ",":
            i = _skip(text, i + 1)
    return ()


def line_of(text: str, offset: int) -> int:
    """1-based line of a character offset."""
    return text.count("\n", 0, offset) + 1


def statement_lines(text: str, first_line: int = 1) -> tuple:
    """1-based lines of each statement, counting ``text`` as starting at ``first_line``."""
    lines = []
    line, last = first_line, 0
    for offset in statement_offsets(text):
        line += text.count("\n", last, offset)
        last = offset
        lines.append(line)
    return tuple(lines)
