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
