"""JSON text with positions: read and parse an input (duplicate keys refused), find the line of each statement.

Python's json module keeps no positions, but ``raw_decode`` tells where each value ends; walking
the top-level object with it finds where every element of ``Statement`` starts, at C speed.
"""
from __future__ import annotations

import json
import re  # json.decoder imports it: no cost

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any, Callable

MAX_BYTES = 256 * 1024 * 1024  # plans of big configurations run to tens of MB; past this, not an input


DOCUMENT_DEPTH = 512  # a whole input file; plans are then bounded per resource, the rest as a whole


def loads(text: str, where: str, max_depth: int | None = None) -> object:
    """The parsed JSON, or an InputError naming ``where``, the line and the column (duplicate keys too)."""
    from policy_tf.analysis.loading import parse_json

    return parse_json(text, where, max_depth)


def read(path: str) -> str:
    """The text of an input file through the input gate (``policy_tf.core.safeload``); InputError naming
    it when it cannot be read, is not a regular file, is not UTF-8 or is hostile in size."""
    from policy_tf.core.safeload import read_file

    return read_file(path, "audit input", max_bytes=MAX_BYTES)


_SPACE: re.Pattern | None = None
_DECODE: Callable[[str, int], tuple[Any, int]] | None = None


def _skip(text: str, i: int) -> int:
    found = _SPACE.match(text, i) if _SPACE is not None else None
    return found.end() if found is not None else i


def statement_offsets(text: str) -> tuple:
    """Character offsets of each statement of the policy in ``text`` (valid JSON).

    One offset per element of a ``Statement`` list, or one for a single ``Statement`` object;
    () when the text is not an object with a Statement.
    """
    global _SPACE, _DECODE
    if _DECODE is None:
        _SPACE, _DECODE = re.compile(r"[ \t\n\r]*"), json.JSONDecoder().raw_decode
    decode = _DECODE
    i = _skip(text, 0)
    if i >= len(text) or text[i] != "{":
        return ()
    i = _skip(text, i + 1)
    while i < len(text) and text[i] == '"':
        key, i = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]  # public, not in typeshed
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


def statement_lines(text: str, first_line: int = 1) -> tuple:
    """1-based lines of each statement, counting ``text`` as starting at ``first_line``."""
    lines = []
    line, last = first_line, 0
    for offset in statement_offsets(text):
        line += text.count("\n", last, offset)
        last = offset
        lines.append(line)
    return tuple(lines)
