"""Templates as YAML text: data through an emitter, comments through a sanitiser.

Whatever fills a template (log records, source code, user names) is data, never syntax: every
scalar is written by PyYAML's emitter (or, for printable ASCII, in the JSON form that is the
same YAML double-quoted scalar), keys and values alike; comments are cut to one line of
printable ASCII of bounded length. The text is then read back with ``yaml.safe_load`` and
compared with the data, types included, so a text that would read as anything else is never
returned.

    text = emit_yaml({"mode": "crud", "read": [arn]},
                     comments={("read", 0): ["3 calls"]}, header=["Written by ..."])

``comments`` maps the path of a key or list item (a tuple of keys and list indexes) to the
comment lines written just above it.
"""
from __future__ import annotations

import json
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Mapping, Sequence

COMMENT_CHARS = 240  # a comment line's text, after sanitising
INDENT = "  "
IMPLICIT_KEY_CHARS = 1000

_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]")
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")
# Plain (unquoted) scalars: a conservative subset, and only where YAML reads them back as strings.
_SURROGATE = re.compile("[\ud800-\udfff]")
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


class EmitError(ValueError):
    """Data that cannot be written as a template (a type YAML's safe loader would not give back)."""


def clean_comment(text: str, limit: int = COMMENT_CHARS) -> str:
    """One line of printable ASCII, at most ``limit`` characters: safe after ``#``.

    Line breaks, control characters and non-ASCII become ``?`` (an event name must not end
    the comment, nor look like another name); longer text is cut and ends in ``...``.
    """
    text = _NOT_PRINTABLE_ASCII.sub("?", str(text))
    if len(text) > limit:
        text = text[:max(0, limit - 3)] + "..."
    return text


def emit_yaml(data: Mapping[str, Any], *, comments: Mapping[tuple, Sequence[str]] | None = None,
              header: Iterable[str] = (), footer: Iterable[str] = (), verify: bool = True) -> str:
    """YAML text (block style, ASCII only) that ``yaml.safe_load`` reads back as exactly ``data``.

    ``data``: a dict of str keys; values are dicts, lists, str, int, float, bool or None.
    ``comments``: path of a key or list item -> comment lines written above it.
    ``header`` / ``footer``: comment lines before and after the data.
    ``verify``: read the text back and compare (raises ``EmitError`` on any difference).
    """
    if not isinstance(data, dict):
        raise EmitError(f"a template is a mapping, not {type(data).__name__}")
    comments = comments or {}
    lines = [_comment_line("", c) for c in header]
    if data:
        _mapping(data, "", (), comments, lines)
    else:
        lines.append("{}")  # an empty document would read back as null
    lines += [_comment_line("", c) for c in footer]
    text = "\n".join(lines) + "\n"
    if verify:
        check_round_trip(text, data)
    return text


def check_round_trip(text: str, data: Any) -> None:
    """Raise ``EmitError`` unless ``text`` safe-loads to ``data`` (same types, same values)."""
    import yaml

    loaded = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
    if not _same(loaded, data):
        raise EmitError("the emitted YAML does not read back as the template's data")


def scalar(value: Any) -> str:
    """One scalar as YAML: plain when that reads back as the same string, else double-quoted."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise EmitError(f"{value.encode('ascii', 'backslashreplace').decode()[:80]!r}: not valid Unicode "
                            "(a lone surrogate), which no YAML reader gives back")
        if _PLAIN.fullmatch(value) and _resolves_to_str(value):
            return value
        if _PRINTABLE_ASCII.fullmatch(value):
            # For printable ASCII, json escapes only '"' and '\', as YAML's double quotes do.
            return json.dumps(value)
        return _dump(value, '"')
    if value is None or isinstance(value, (bool, int, float)):
        return _dump(value, None)
    raise EmitError(f"cannot write a {type(value).__name__} in a template")


def _dump(value: Any, style: str | None) -> str:
    import yaml

    text = yaml.safe_dump(value, default_style=style, allow_unicode=False, width=2 ** 30,
                          explicit_end=False)
    if text.endswith("\n...\n"):
        text = text[:-5]
    return text.strip("\n")


_RESOLVER = None


def _resolves_to_str(value: str) -> bool:
    """True when YAML's safe loader reads ``value`` unquoted as a string (not true/null/1.5...)."""
    global _RESOLVER
    if _RESOLVER is None:
        import yaml

        _RESOLVER = yaml.resolver.Resolver()
    import yaml

    return _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == "tag:yaml.org,2002:str"


def _comment_line(indent: str, text: str) -> str:
    text = clean_comment(text)
    return f"{indent}# {text}" if text else f"{indent}#"


def _comments_for(path: tuple, indent: str, comments: Mapping, lines: list) -> None:
    found = comments.get(path)
    if found:
        if isinstance(found, str):
            found = [found]
        lines += [_comment_line(indent, c) for c in found]


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise EmitError(f"template keys are strings, not {type(key).__name__}")
    return scalar(key)


def _mapping(data: dict, indent: str, path: tuple, comments: Mapping, lines: list) -> None:
    for key, value in data.items():
        here = path + (key,)
        _comments_for(here, indent, comments, lines)
        text = _key(key)
        if len(text) > IMPLICIT_KEY_CHARS:
            lines.append(f"{indent}? {text}")  # YAML reads at most 1,024 characters as an implicit key
            head = f"{indent}:"
        else:
            head = f"{indent}{text}:"
        _value(head, value, indent, here, comments, lines)


def _sequence(data: list, indent: str, path: tuple, comments: Mapping, lines: list) -> None:
    head = f"{indent}-"
    for i, value in enumerate(data):
        here = path + (i,)
        _comments_for(here, indent, comments, lines)
        if type(value) is str:  # the common item (an ARN, an action): straight to its line
            lines.append(f"{head} {scalar(value)}")
        else:
            _value(head, value, indent, here, comments, lines)


def _value(head: str, value: Any, indent: str, path: tuple, comments: Mapping, lines: list) -> None:
    """``head`` (``key:`` or ``-``) followed by ``value``: inline when a scalar or empty, else below it."""
    if isinstance(value, dict):
        if not value:
            lines.append(f"{head} {{}}")
            return
        lines.append(head)
        _mapping(value, indent + INDENT, path, comments, lines)
    elif isinstance(value, (list, tuple)):
        if not value:
            lines.append(f"{head} []")
            return
        lines.append(head)
        _sequence(list(value), indent + INDENT, path, comments, lines)
    else:
        lines.append(f"{head} {scalar(value)}")


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (1 == True == 1.0 in Python, not in YAML)."""
    if isinstance(b, tuple):
        b = list(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        if a == b and all(type(x) is str for x in a) and all(type(y) is str for y in b):
            return True  # a list of strings (the long ones: ARNs): equal, types and all
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and a != a:
        return b != b  # NaN
    return a == b
