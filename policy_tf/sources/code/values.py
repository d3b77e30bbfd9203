"""The values of expressions in Python source, folded without running it.

A value is ``Text`` (a string whose pieces are known text or unknown), ``Choice`` (one of a
few wholly known texts: a name assigned in both branches of an ``if``), a ``dict`` of values,
a ``list`` of values, or ``UNKNOWN``. Literals, names bound to values, f-strings, ``+``
concatenation, ``"...".format(...)``, ``"%s" % ...`` and ``os.environ.get("X", "default")`` /
``os.getenv`` defaults are folded; anything else is unknown, in whole or in part, so that
``f"uploads/{user}/data.json"`` is ``uploads/<unknown>/data.json``.
"""
from __future__ import annotations

import ast
from collections import namedtuple

# pieces: tuple of str (known text) and None (unknown text); env: environment variables read.
Text = namedtuple("Text", "pieces env", defaults=((),))
UNKNOWN = Text((None,))


# options: 2 to MAX_CHOICES distinct, wholly known Texts.
Choice = namedtuple("Choice", "options")
MAX_CHOICES = 8


def known(text: str) -> Text:
    return Text((text,))


def is_text(value) -> bool:
    return isinstance(value, (Text, Choice))


def options(value) -> tuple:
    """The texts a value may be: a Choice's options, a Text itself, else UNKNOWN."""
    if isinstance(value, Choice):
        return value.options
    return (value,) if isinstance(value, Text) else (UNKNOWN,)


def as_text(value) -> Text:
    """One Text covering every option (what they share around an unknown middle)."""
    texts = options(value)
    out = texts[0]
    for other in texts[1:]:
        out = _shared(out, other)
    return out


def _choice(texts) -> Text | Choice:
    """A Choice of wholly known texts; anything else (a partly known option, too many) is folded
    into one Text, so that no option is ever dropped as "a guess"."""
    distinct = list(dict.fromkeys(texts))
    if len(distinct) == 1:
        return distinct[0]
    if len(distinct) <= MAX_CHOICES and all(literal(t) is not None for t in distinct):
        return Choice(tuple(distinct))
    return as_text(Choice(tuple(distinct)))


def concat(*values) -> Text | Choice:
    if any(isinstance(v, Choice) for v in values):
        from itertools import product

        count = 1
        for v in values:
            count *= len(options(v))
        if count > MAX_CHOICES:
            return _concat(*(as_text(v) if isinstance(v, Choice) else v for v in values))
        return _choice([_concat(*combo) for combo in product(*(options(v) for v in values))])
    return _concat(*values)


def _concat(*values) -> Text:
    pieces: list = []
    env: list = []
    for value in values:
        value = value if isinstance(value, Text) else UNKNOWN
        env += value.env
        for piece in value.pieces:
            if piece == "" or (piece is None and pieces and pieces[-1] is None):
                continue
            if piece is not None and pieces and isinstance(pieces[-1], str):
                pieces[-1] += piece
            else:
                pieces.append(piece)
    return Text(tuple(pieces) or ("",), tuple(env))


def literal(value) -> str | None:
    """The text of a wholly known value, else None."""
    if isinstance(value, Text) and all(p is not None for p in value.pieces):
        return "".join(value.pieces)
    return None


def pattern(value, wildcard: str = "*") -> str | None:
    """The text with every unknown piece as ``wildcard`` (None when nothing of it is known)."""
    if not isinstance(value, Text) or all(p is None for p in value.pieces):
        return None
    return "".join(wildcard if p is None else p for p in value.pieces)


def merge(a, b):
    """One value for "a or b" (a name assigned in a branch or a loop): equal values stay, wholly
    known texts become a Choice, other texts keep their common beginning and end around an
    unknown middle ("reports-*"), any other pair is unknown."""
    if a == b:
        return a
    if not is_text(a) or not is_text(b):
        return UNKNOWN
    return _choice(options(a) + options(b))


def _shared(a: Text, b: Text) -> Text | Choice:
    if a == b:
        return a
    ta = "".join("\0" if p is None else p for p in a.pieces)
    tb = "".join("\0" if p is None else p for p in b.pieces)
    start = 0
    while start < min(len(ta), len(tb)) and ta[start] == tb[start] and ta[start] != "\0":
        start += 1
    end = 0
    while end < min(len(ta), len(tb)) - start and ta[-1 - end] == tb[-1 - end] and ta[-1 - end] != "\0":
        end += 1
    return concat(Text((ta[:start],), a.env + b.env), UNKNOWN, known(ta[len(ta) - end:] if end else ""))


def is_partial(value) -> bool:
    return isinstance(value, Text) and None in value.pieces


class Folder:
    """Folds expressions, looking names up through ``lookup(name) -> value or None``.

    ``environment``: values of environment variables known from elsewhere (Terraform outputs),
    keyed by lower-cased name; they win over the defaults written in the code.
    """

    def __init__(self, lookup, modules: dict[str, set], environment: dict[str, str] | None = None):
        self.lookup = lookup
        # Names bound to the os module ("os"), to os.environ ("environ") and to os.getenv ("getenv").
        self.modules = modules
        self.environment = environment or {}

    def fold(self, node, depth: int = 0):
        if depth > 50:
            return UNKNOWN
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return known(node.value)
            if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
                return known(str(node.value))
            return node.value if node.value is None or isinstance(node.value, bool) else UNKNOWN
        if isinstance(node, ast.Name):
            found = self.lookup(node.id)
            return found if found is not None else UNKNOWN
        if isinstance(node, ast.Attribute):
            found = self.lookup(dotted(node) or "")
            return found if found is not None else UNKNOWN
        if isinstance(node, ast.JoinedStr):
            parts = []
            for item in node.values:
                if isinstance(item, ast.FormattedValue):
                    inner = self.fold(item.value, depth + 1)
                    parts.append(inner if item.format_spec is None and item.conversion in (-1, 115) else UNKNOWN)
                else:
                    parts.append(self.fold(item, depth + 1))
            return concat(*parts)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Add):
                left, right = self.fold(node.left, depth + 1), self.fold(node.right, depth + 1)
                if is_text(left) and is_text(right):
                    return concat(left, right)
                return UNKNOWN
            if isinstance(node.op, ast.Mod):
                return self._percent(node, depth)
            return UNKNOWN
        if isinstance(node, ast.Dict):
            out = {}
            for key, value in zip(node.keys, node.values):
                name = literal(self.fold(key, depth + 1)) if key is not None else None
                if name is None:
                    return UNKNOWN  # **spread or a computed key: the mapping is not known
                out[name] = self.fold(value, depth + 1)
            return out
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return [self.fold(item, depth + 1) for item in node.elts if not isinstance(item, ast.Starred)]
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.IfExp):
            return UNKNOWN
        return UNKNOWN

    def _percent(self, node, depth: int):
        template = literal(self.fold(node.left, depth + 1))
        if template is None or "%" not in template:
            return UNKNOWN
        args = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
        pieces = template.split("%s")
        if len(pieces) != len(args) + 1 or any("%" in p.replace("%%", "") for p in pieces):
            return UNKNOWN
        out = [known(pieces[0].replace("%%", "%"))]
        for arg, tail in zip(args, pieces[1:]):
            out += [self.fold(arg, depth + 1), known(tail.replace("%%", "%"))]
        return concat(*out)

    def _call(self, node: ast.Call, depth: int):
        func = node.func
        name = dotted(func)
        env = self._environment_read(node, name)
        if env is not None:
            return env
        # "a/{}/b".format(x)
        if isinstance(func, ast.Attribute) and func.attr == "format" and not node.keywords:
            template = literal(self.fold(func.value, depth + 1))
            if template is None or "{" in template.replace("{}", ""):
                return UNKNOWN
            pieces = template.split("{}")
            if len(pieces) != len(node.args) + 1:
                return UNKNOWN
            out = [known(pieces[0])]
            for arg, tail in zip(node.args, pieces[1:]):
                out += [self.fold(arg, depth + 1), known(tail)]
            return concat(*out)
        if name in ("str",) and len(node.args) == 1:
            value = self.fold(node.args[0], depth + 1)
            return value if is_text(value) else UNKNOWN
        if name == "dict" and not node.args:
            return {kw.arg: self.fold(kw.value, depth + 1) for kw in node.keywords if kw.arg}
        return UNKNOWN

    def _environment_read(self, node: ast.Call, name: str | None):
        """os.environ.get("X", "d") / os.getenv("X", "d"): Terraform's value, else the default."""
        if name is None:
            return None
        head = name.rsplit(".", 1)
        is_get = (len(head) == 2 and head[1] == "get" and self._is_environ(head[0])) or \
            name in self.modules["getenv"] or name in {f"{o}.getenv" for o in self.modules["os"]}
        if not is_get or not node.args:
            return None
        variable = literal(self.fold(node.args[0]))
        if variable is None:
            return UNKNOWN
        if variable.lower() in self.environment:
            return Text((self.environment[variable.lower()],), (variable,))
        default = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "default"),
                                                               None)
        value = self.fold(default) if default is not None else UNKNOWN
        if isinstance(value, Text):
            return Text(value.pieces, value.env + (variable,))
        return value if isinstance(value, Choice) else UNKNOWN

    def _is_environ(self, name: str) -> bool:
        return name in self.modules["environ"] or name in {f"{o}.environ" for o in self.modules["os"]}

    def _subscript(self, node: ast.Subscript):
        """os.environ["X"]: Terraform's value when known."""
        base = dotted(node.value)
        if base is not None and self._is_environ(base):
            key = literal(self.fold(node.slice))
            if key is not None and key.lower() in self.environment:
                return Text((self.environment[key.lower()],), (key,))
        return UNKNOWN


def dotted(node) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None
