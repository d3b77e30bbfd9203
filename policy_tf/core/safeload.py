"""Turn user-supplied YAML or JSON text into plain data, safely and with bounded cost.

Every file or text a user hands policy_tf (templates, Terraform queries, overrides files,
policies, plans, account details, exclusions and name lists) comes through here, so the same
rules hold everywhere:

* regular files only, checked before opening (a FIFO would hang, ``/dev/zero`` never ends),
  and a size cap enforced while reading (``read_user_bytes``, ``read_file``);
* strict UTF-8;

* ``yaml.safe_load`` semantics: plain data only, every tag that would build an object refused;
* a duplicate key, in YAML or JSON, is an error naming the key and both lines (IAM, the
  templates and Terraform all treat a repeated key as a mistake, never as "last one wins");
* bounded cost: at most ``MAX_CHARS`` characters, ``MAX_DEPTH`` levels of nesting, and
  ``MAX_ALIAS_NODES`` values reached through YAML aliases (a "billion laughs" document is a
  few hundred bytes that expand to billions of values);
* every problem is one ``InputError`` naming the source and, where known, the line.

YAML goes through ``policy_tf.core.fastyaml`` (yaml_rs, ~1 ms cold) when it can prove the result
equals PyYAML's, else through PyYAML (~20 ms to import), which stays the reference. Both are
imported only when YAML is actually parsed: JSON input, which is what Terraform sends, pays
for neither.
"""
from __future__ import annotations

from policy_tf.core.errors import InputError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO

MAX_CHARS = 16 * 1024 * 1024  # a 50,000-ARN template is about 3 MB
MAX_DEPTH = 32  # the deepest template key (conditions.<section>.<operator>.<key>) is 5 levels down
MAX_ALIAS_NODES = 100_000  # values reached through aliases, beyond the values written out


def read_file(path: str, what: str = "file", max_bytes: int | None = None) -> str:
    """The text of a UTF-8 file through the input gate (``read_user_bytes``), or an ``InputError``;
    ``-`` is standard input."""
    return decode(read_user_bytes(path, what, max_bytes), shown_name(path), max_bytes)


STDIN = "-"  # the path every command reads as standard input
STDIN_NAME = "<stdin>"  # how messages name it, as read_stream's callers do


def shown_name(path) -> str:
    """How messages name ``path``: ``<stdin>`` for ``-``."""
    return STDIN_NAME if str(path) == STDIN else str(path)


def read_stdin_bytes(max_bytes: int | None = None) -> bytes:
    """Standard input's bytes, with the same size cap as a file (read while reading)."""
    import sys

    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise InputError(f"{STDIN_NAME}: cannot read standard input (it is closed)")
    try:
        return _read_capped(stream, STDIN_NAME, max_bytes or MAX_CHARS * 4)
    except (OSError, ValueError) as exc:
        raise InputError(f"{STDIN_NAME}: cannot read standard input: {getattr(exc, 'strerror', None) or exc}") from None


def read_user_bytes(path: str, what: str = "file", max_bytes: int | None = None) -> bytes:
    """The bytes of a file a user handed us: the one input gate for every command.

    * regular files only: a FIFO, device, socket or folder is refused by ``stat`` before it
      is opened (opening a FIFO for reading blocks until a writer comes), and the opened file
      is checked again with ``fstat`` (the path may have been swapped in between);
    * the size cap is enforced while reading, never by ``st_size`` (``/dev/zero`` has none);
    * every failure is one ``InputError`` naming the file.

    ``max_bytes``: the cap (default: ``MAX_CHARS`` characters of UTF-8, 64 MiB). ``-`` is
    standard input, read with the same cap.
    """
    if str(path) == STDIN:
        return read_stdin_bytes(max_bytes)
    import os

    fd, size = _open_checked(path, what, blocking=False)  # os.read of a regular file never waits
    try:
        return _read_fd(fd, str(path), max_bytes or MAX_CHARS * 4, size)
    finally:
        os.close(fd)


def _read_fd(fd: int, source: str, max_bytes: int, size: int) -> bytes:
    """At most ``max_bytes`` of an open regular file, or an ``InputError`` when it holds more.

    The first read asks for its ``fstat`` size plus one byte, then reads on to the end (the
    file may have grown): a read asked for the cap allocates the cap (256 MiB for an audit
    input) for each file, about 20 us of every small policy file of a folder."""
    import os

    parts, total, want = [], 0, min(size, max_bytes) + 1
    while want > 0:
        try:
            chunk = os.read(fd, want)
        except OSError as exc:
            raise InputError(f"{source}: cannot read: {exc.strerror or exc}") from None
        except MemoryError:
            raise InputError(f"{source}: larger than the {_size(max_bytes)} limit") from None
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
        want = min(max(len(chunk), 1 << 16), max_bytes + 1 - total)
    if total > max_bytes:
        raise InputError(f"{source}: larger than the {_size(max_bytes)} limit")
    return parts[0] if len(parts) == 1 else b"".join(parts)


def open_user_file(path: str, what: str = "file") -> BinaryIO:
    """A binary file object for a user's file, opened through the input gate's checks (regular
    files only, never blocking on a FIFO). The caller bounds what it reads (``read_capped``)."""
    import os

    fd, _ = _open_checked(path, what)
    return os.fdopen(fd, "rb")


def _open_checked(path: str, what: str, blocking: bool = True) -> tuple[int, int]:
    """(descriptor, size) of a user's regular file, opened through the input gate's checks;
    ``blocking``: cleared of the O_NONBLOCK it was opened with (for file objects over it)."""
    import os

    shown = str(path)
    if "\0" in shown:
        raise InputError(f"{shown!r}: not a valid path (it holds a NUL character)")
    if shown == "":
        raise InputError(f"'': not a valid path (expected a {what})")
    try:
        mode = os.stat(path).st_mode
        _regular(mode, shown, what)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags)
    except InputError:
        raise
    except OSError as exc:
        raise InputError(f"{shown}: cannot read {what}: {exc.strerror or exc}") from None
    except ValueError as exc:  # e.g. a path too long for the platform
        raise InputError(f"{shown!r}: not a valid path ({exc})") from None
    try:
        status = os.fstat(fd)
        _regular(status.st_mode, shown, what)
        if getattr(os, "O_NONBLOCK", 0) and blocking:
            os.set_blocking(fd, True)  # a regular file never blocks; plain reads from here on
        return fd, status.st_size
    except BaseException:
        os.close(fd)
        raise


def _regular(mode: int, shown: str, what: str) -> None:
    import stat

    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise InputError(f"{shown}: is a folder, not a {what}")
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a character device" if stat.S_ISCHR(mode)
            else "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "not a regular file")
    raise InputError(f"{shown}: is {kind}, not a regular {what}; policy_tf reads only regular files")


def read_capped(handle: BinaryIO, source: str, max_bytes: int | None = None) -> bytes:
    """At most ``max_bytes`` from ``handle``, or an ``InputError`` when there is more."""
    return _read_capped(handle, source, max_bytes or MAX_CHARS * 4)


def _read_capped(handle, source: str, max_bytes: int) -> bytes:
    try:
        data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"{source}: cannot read: {exc.strerror or exc}") from None
    except MemoryError:
        raise InputError(f"{source}: larger than the {_size(max_bytes)} limit") from None
    if len(data) > max_bytes:
        raise InputError(f"{source}: larger than the {_size(max_bytes)} limit")
    return data


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 else f"{n:,} bytes"


def read_stream(stream: BinaryIO, source: str, max_bytes: int | None = None) -> str:
    """The text of a binary stream (standard input), size-bounded and strictly UTF-8."""
    return decode(_read_capped(stream, source, max_bytes or MAX_CHARS * 4), source, max_bytes)


def decode(data: bytes, source: str, max_bytes: int | None = None) -> str:
    """UTF-8 bytes as text with universal newlines, as ``open()`` would read them.

    ``max_bytes``: a caller's own, larger cap (Terraform plans); the text is then bounded by it.
    """
    if len(data) > (max_bytes or MAX_CHARS * 4):
        raise InputError(f"{source}: larger than the {_size(max_bytes or MAX_CHARS * 4)} limit")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{source}: not a UTF-8 text file (invalid byte at offset {exc.start})") from None
    _check_size(text, source, max_bytes)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def loads(text: str, source: str, fmt: str = "auto") -> Any:
    """Parse ``text`` (``fmt``: ``json``, ``yaml``, or ``auto``: JSON when it looks like JSON)."""
    _check_size(text, source)
    if fmt == "json":
        return load_json(text, source)
    if fmt == "auto" and text.lstrip()[:1] in ("{", "["):
        try:
            return load_json(text, source)
        except NotJson:
            pass  # not strict JSON: YAML's flow style may read it, or says what is wrong
    return load_yaml(text, source)


class NotJson(InputError):
    """Text that is not valid JSON (as opposed to valid JSON that breaks a rule)."""


class TooDeep(InputError):
    """Input nested beyond a reader's budget: refused as hostile, never read as a document."""


def load_json(text: str, source: str, max_chars: int | None = None, max_depth: int | None = None) -> Any:
    """Strict JSON: duplicate keys and deep nesting are errors, NaN and Infinity are refused.

    ``max_chars``: inputs that are not templates (Terraform plans) may be larger.
    ``max_depth``: a reader that applies ``MAX_DEPTH`` per value (a plan, per resource) may
    allow the whole document more (Python's parser stops near 1,000 levels either way).
    """
    import json

    _check_size(text, source, max_chars)
    try:
        data = _decoder().decode(text)
    except _DuplicateKey as dup:
        raise InputError(f"{source}: duplicate key {dup.key!r}{_json_lines(text, dup.key)}") from None
    except RecursionError:
        raise TooDeep(f"{source}: nested more than {max_depth or MAX_DEPTH} levels deep") from None
    except json.JSONDecodeError as exc:
        raise NotJson(f"{source}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError as exc:
        raise NotJson(f"{source}: not valid JSON: {exc}") from None
    # Each level of nesting opens with its own bracket: text with few of them is shallow enough.
    if text.count("{") + text.count("[") > (max_depth or MAX_DEPTH):
        _check_depth(data, source, max_depth)
    return data


_DECODER = None


def _decoder():
    """One strict decoder for every document (json.loads with options builds one per call)."""
    global _DECODER
    if _DECODER is None:
        import json

        _DECODER = json.JSONDecoder(object_pairs_hook=_unique_pairs, parse_constant=_no_constant)
    return _DECODER


class _DuplicateKey(Exception):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _unique_pairs(pairs: list) -> dict:
    data = dict(pairs)
    if len(data) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return data


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON value")


def _json_lines(text: str, key: str) -> str:
    """' (lines A and B)' for the first object in ``text`` that repeats ``key``; '' if not found.

    Only run once a duplicate is known, so a simple token scan (no recursion) is enough.
    """
    import json
    import re

    token = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]]')
    objects: list[dict | None] = []  # per open bracket: key -> line, or None for an array
    for m in token.finditer(text):
        tok = m.group()
        if tok == "{":
            objects.append({})
        elif tok == "[":
            objects.append(None)
        elif tok in "}]":
            if objects:
                objects.pop()
        elif objects and objects[-1] is not None and text[m.end():].lstrip()[:1] == ":":
            try:
                name = json.loads(tok)
            except ValueError:
                continue
            line = text.count("\n", 0, m.start()) + 1
            if name == key and name in objects[-1]:
                return f" (lines {objects[-1][name]} and {line})"
            objects[-1].setdefault(name, line)
    return ""


def load_yaml(text: str, source: str) -> Any:
    """YAML with ``safe_load`` semantics and the limits of this module."""
    _check_size(text, source)
    from policy_tf.core import fastyaml

    data = fastyaml.loads(text)
    if data is not fastyaml.UNSURE:
        _check_depth(data, source)
        return data
    return _pyyaml(text, source)


def _pyyaml(text: str, source: str) -> Any:
    import yaml

    try:
        loader = _loader_class()(text)
        try:
            return loader.get_single_data_checked(source)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if "exceeded maximum nesting depth" in problem:  # libyaml's own limit (1,000 levels)
            raise TooDeep(f"{source}: nested more than {MAX_DEPTH} levels deep{where}") from None
        raise InputError(f"{source}: not valid YAML{where}: {problem}") from None
    except RecursionError:  # the pure-Python parser, when libyaml is missing
        raise TooDeep(f"{source}: nested more than {MAX_DEPTH} levels deep") from None


_LOADER = None


def _loader_class():
    """PyYAML's safe loader (the C one where libyaml is there), checked before construction."""
    global _LOADER
    if _LOADER is None:
        import yaml

        base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

        class CheckedLoader(base):
            def get_single_data_checked(self, source: str) -> Any:
                node = self.get_single_node()
                if node is None:
                    return None
                _check_graph(self, node, source)
                return self.construct_document(node)

        _LOADER = CheckedLoader
    return _LOADER


def _check_graph(loader, root, source: str) -> None:
    """Duplicate keys, nesting depth and alias expansion of a composed YAML node graph.

    Aliases make the graph a DAG (or a cycle): each distinct node is visited once, and the
    size and height of its expansion are computed bottom-up, so a billion laughs costs
    only its few distinct nodes to detect.
    """
    import yaml

    size: dict[int, int] = {}  # id(node) -> values in its full expansion
    height: dict[int, int] = {}
    distinct = 0
    stack = [(root, False)]
    on_path: set[int] = set()
    while stack:
        node, done = stack.pop()
        nid = id(node)
        children = _children(node)
        if done:
            on_path.discard(nid)
            size[nid] = 1 + sum(size[id(c)] for c in children)
            height[nid] = 1 + max((height[id(c)] for c in children), default=0)
            if height[nid] > MAX_DEPTH:
                raise TooDeep(f"{source}: nested more than {MAX_DEPTH} levels deep (line {node.start_mark.line + 1})")
            if size[nid] > distinct + MAX_ALIAS_NODES:
                raise InputError(f"{source}: aliases expand to more than {MAX_ALIAS_NODES:,} values "
                                 f"(line {node.start_mark.line + 1}); write the values out instead")
            continue
        if nid in size:
            continue
        distinct += 1
        if isinstance(node, yaml.MappingNode):
            _unique_keys(loader, node, source)
        on_path.add(nid)
        stack.append((node, True))
        for child in children:
            if id(child) in on_path:
                raise InputError(f"{source}: recursive alias (line {child.start_mark.line + 1}): a value may not "
                                 "contain itself")
            if id(child) not in size:
                stack.append((child, False))


def _children(node) -> list:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return node.value
    return []


def _unique_keys(loader, node, source: str) -> None:
    import yaml

    seen: dict = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            continue  # a merge key (<<) may be overridden on purpose; complex keys fail in construction
        key = loader.construct_object(key_node)
        try:
            first = seen.setdefault(key, key_node)
        except TypeError:
            continue
        if first is not key_node:
            raise InputError(f"{source}: duplicate key {key_node.value!r} (lines {first.start_mark.line + 1} "
                             f"and {key_node.start_mark.line + 1})")


def check_depth(data: Any, source: str, max_depth: int | None = None, text: str | None = None) -> None:
    """An ``InputError`` when parsed data nests more than ``max_depth`` (``MAX_DEPTH``) levels.
    ``text``: the JSON it was parsed from; each level opens with a bracket of its own, so text
    with no more brackets than levels allowed is not walked (nor is a small policy file)."""
    if text is not None and text.count("{") + text.count("[") <= (max_depth or MAX_DEPTH):
        return
    _check_depth(data, source, max_depth)


def nesting_exceeds(data: Any, max_depth: int) -> bool:
    """Whether parsed data nests more than ``max_depth`` levels (without recursion)."""
    try:
        _check_depth(data, "", max_depth)
    except InputError:
        return True
    return False


def _check_depth(data: Any, source: str, max_depth: int | None = None) -> None:
    """Nesting depth of parsed data, without recursion."""
    max_depth = max_depth or MAX_DEPTH
    if not isinstance(data, (dict, list)):
        return
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > max_depth:
            raise TooDeep(f"{source}: nested more than {max_depth} levels deep")
        children = value.values() if isinstance(value, dict) else value
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))


def _check_size(text: str, source: str, max_chars: int | None = None) -> None:
    max_chars = max_chars or MAX_CHARS
    if len(text) > max_chars:
        raise InputError(f"{source}: larger than the {_mib(max_chars)} limit")


def _mib(max_chars: int | None = None) -> str:
    return f"{(max_chars or MAX_CHARS) // (1024 * 1024)} MiB"
