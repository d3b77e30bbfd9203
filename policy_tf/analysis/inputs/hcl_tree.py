"""The syntax tree of a ``.tf`` file, from whichever ``hcl2`` module is installed.

Two distributions install a module named ``hcl2``: python-hcl2 (our ``[tf]`` extra) and
checkov's fork, bc-python-hcl2, whose older grammar has no ``parses_to_tree``. In checkov's
images the fork is the one importable, so both are read: the fork's tree (from its Lark parser,
which keeps positions) is rewritten into the shape of python-hcl2's, the one ``hcl.py`` walks.
Only the nodes that shape differs in are rewritten; everything else the walker treats as a
non-literal expression by its source text, in either grammar.
"""
from __future__ import annotations

import re

from policy_tf.core.errors import InputError

_KEYWORDS = ("true", "false", "null")
# where a template sequence starts in the fork's one-token string: ${ or %{, not $${ / %%{
_TEMPLATE_START = re.compile(r"(?<![$%])[$%]\{")


class HclSyntaxError(InputError):
    """A ``.tf`` file that does not parse as HCL: ``line`` and ``column`` (1-based) from the
    parser's typed exception, and ``detail``, what it found there. The audit reports it as a
    MALFORMED_POLICY finding and goes on; a file that cannot be read at all stays an InputError."""

    def __init__(self, path: str, line: int, column: int | None, detail: str):
        where = f"line {line}" + (f", column {column}" if column else "")
        super().__init__(f"{path}: not valid HCL: {detail} at {where}")
        self.path, self.line, self.column, self.detail = path, line, column, detail


def _shown(text: str) -> str:
    """A token as the reader should see it: quoted, and any non-ASCII character named (a
    Cyrillic "а" looks like the Latin "a" it stands in for)."""
    word = text.split()[0] if text.split() else text
    shown = repr(word[:24] + ("..." if len(word) > 24 else ""))
    import unicodedata

    foreign = sorted({c for c in word[:24] if ord(c) > 127})
    if foreign:
        names = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed')}" for c in foreign)
        shown += f" (holds {names})"
    return shown


def syntax_error(path: str, text: str, exc: Exception) -> HclSyntaxError:
    """The HclSyntaxError of a parser exception: lark's ``UnexpectedInput`` (python-hcl2 and
    checkov's fork both parse with lark) carries the line and column; any other exception is
    placed at line 1."""
    last_line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
    try:
        from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
    except ImportError:  # pragma: no cover - both hcl2 distributions depend on lark
        return HclSyntaxError(path, 1, None, type(exc).__name__)
    if not isinstance(exc, UnexpectedInput):
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return HclSyntaxError(path, 1, None, first)
    line: int = exc.line
    column: int | None = exc.column
    token = getattr(exc, "token", None) if isinstance(exc, UnexpectedToken) else None
    if isinstance(exc, UnexpectedEOF) or token is not None and token.type == "$END":
        detail = "unexpected end of file"
    elif isinstance(exc, UnexpectedCharacters):
        detail = f"unexpected character {_shown(exc.char)}"
    elif token is not None and not str(token).strip():
        detail = "unexpected end of line"
    elif token is not None:
        detail = f"unexpected {_shown(str(token))}"
    else:
        detail = "syntax error"
    if not isinstance(line, int) or line < 1:  # lark gives -1 at the end of the input
        line, column = last_line, None
    return HclSyntaxError(path, min(line, last_line), column if isinstance(column, int) and column > 0 else None,
                          detail)


def parses_to_tree(text: str):
    """python-hcl2's tree of ``text`` (a lark Tree); lark's exceptions for a syntax error."""
    import hcl2

    if hasattr(hcl2, "parses_to_tree"):
        return hcl2.parses_to_tree(text)
    parser = _fork_parser()
    if parser is None:
        raise InputError(f"the installed 'hcl2' module ({getattr(hcl2, '__file__', '?')}) is neither python-hcl2 "
                         "nor checkov's bc-python-hcl2: pip install 'policy_tf[tf]'")
    return _Rewriter(text).tree(parser.parse(text + "\n"))


def _fork_parser():
    """bc-python-hcl2's Lark parser (``hcl2.parser.Hcl2.lark_parser``), or None."""
    try:
        from hcl2.parser import Hcl2
    except ImportError:
        return None
    return getattr(Hcl2, "lark_parser", None)


class _Rewriter:
    """bc-python-hcl2's tree -> python-hcl2's, for the nodes ``hcl.py`` reads."""

    def __init__(self, text: str):
        from lark import Token, Tree
        from lark.tree import Meta

        self.text, self.Token, self.Tree, self.Meta = text, Token, Tree, Meta

    def _meta(self, line: int, start: int, end: int):
        meta = self.Meta()
        meta.empty, meta.line, meta.start_pos, meta.end_pos = False, line, start, end
        # lark types these as int; None is what they are here (one line, no column known)
        meta.column = meta.end_line = meta.end_column = None  # type: ignore[assignment]
        return meta

    def tree(self, node):
        if not hasattr(node, "data"):
            if getattr(node, "type", "") == "STRING_LIT":
                return self._string(node)
            return node
        data = str(node.data)
        if data in ("int_lit", "float_lit"):  # one token per digit in the fork: join them
            tokens = [str(c) for c in node.children]
            return self.Tree(data, [self.Token("NUMBER", "".join(tokens))], meta=node.meta)
        children = [self.tree(c) for c in node.children]
        if data == "expr_term" and len(children) == 1 and getattr(children[0], "data", None) == "identifier":
            word = str(children[0].children[0])
            if word in _KEYWORDS:  # the fork has no literal_value: true/false/null are identifiers
                children = [self.Tree("literal_value", [self.Token("KEYWORD", word)], meta=children[0].meta)]
        elif data == "object_elem" and len(children) == 2:
            children[0] = self.Tree("object_elem_key", [children[0]], meta=getattr(children[0], "meta", None))
        return self.Tree(data, children, meta=node.meta)

    def _string(self, token):
        """A quoted string, one token in the fork: split into string parts and interpolations."""
        raw, base = str(token), token.start_pos
        body, pieces, i = raw[1:-1], [], 0
        while i < len(body):
            found = _TEMPLATE_START.search(body, i)
            if found is None:
                pieces.append(self.Token("STRING_CHARS", body[i:]))
                break
            if found.start() > i:
                pieces.append(self.Token("STRING_CHARS", body[i:found.start()]))
            end = _closing_brace(body, found.end())
            start_pos = base + 1 + found.start()
            line = token.line + body.count("\n", 0, found.start())
            meta = self._meta(line, start_pos, base + 1 + end)
            pieces.append(self.Tree("interpolation", [self.Token("SOURCE", body[found.start():end])], meta=meta))
            i = end
        parts = [self.Tree("string_part", [p]) for p in pieces]
        return self.Tree("string", parts, meta=self._meta(token.line, base, base + len(raw)))


def _closing_brace(text: str, start: int) -> int:
    """The index just after the ``}`` that closes a template sequence opened before ``start``."""
    depth, i, quoted = 1, start, False
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "{":
            depth += 1
        elif not quoted and ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(text)
