"""Inline ignores in ``.tf`` files: ``# policy_tf:ignore CODE[,CODE...] reason``.

A comment (``#`` or ``//``) inside a top-level block, or in the comment lines just above it,
ignores the findings of those codes on that block's lines, with its reason recorded and
reported like any exclusion. The reason is required; an unknown code is an error with
suggestions. Blocks are told by ``terraform fmt``'s layout: a block starts at column 0 and
ends at the next ``}`` at column 0.
"""
from __future__ import annotations

import re

from policy_tf.analysis.accepted_findings import Exclusion

_IGNORE = re.compile(r"(?:#|//)\s*policy_tf:ignore\b(.*)$")
_BLOCK_START = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(?:\s+(?:\"[^\"]*\"|[A-Za-z_][A-Za-z0-9_-]*))*\s*\{")


def _blocks(lines: list) -> list:
    """(first, last) 1-based lines of each top-level block, the comments just above included."""
    spans, start, lead = [], None, None
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if start is None:
            if _BLOCK_START.match(line):
                start, lead = (lead or number), None
                if stripped.endswith("}") and stripped.count("{") == stripped.count("}"):
                    spans.append((start, number))
                    start = None
            elif stripped.startswith(("#", "//")):
                lead = lead or number
            else:
                lead = None
        elif line.startswith("}"):
            spans.append((start, number))
            start = None
    if start is not None:
        spans.append((start, len(lines)))
    return spans


def read(path: str, text: str, known_codes) -> tuple:
    """([Exclusion], [error message]) for the ignore comments of one ``.tf`` file's text."""
    lines = text.splitlines()
    spans = _blocks(lines)
    out: list = []
    errors: list = []
    for number, line in enumerate(lines, 1):
        found = _IGNORE.search(line)
        if not found:
            continue
        words = found.group(1).strip().split(None, 1)
        where = f"{path}:{number}"
        if not words:
            errors.append(f"{where}: policy_tf:ignore needs a check code and a reason")
            continue
        codes = tuple(c.strip().upper() for c in words[0].split(",") if c.strip())
        reason = words[1].strip() if len(words) > 1 else ""
        unknown = [c for c in codes if c not in known_codes]
        if unknown:
            from policy_tf.core.errors import not_found

            errors.append(f"{where}: policy_tf:ignore: {not_found('issue code', unknown[0], sorted(known_codes))}")
            continue
        if not reason:
            errors.append(f"{where}: policy_tf:ignore {','.join(codes)} needs a reason after the code")
            continue
        span = next(((a, b) for a, b in spans if a <= number <= b), (number, number + 1))
        out.append(Exclusion(reason, codes=codes, files=(_literal(path),), lines=span, source=where,
                             index=len(out) + 1))
    return out, errors


def _literal(path: str) -> str:
    """``path`` as a glob that matches only itself."""
    return re.sub(r"([*?\[])", r"[\1]", path)


def collect(files, known_codes) -> tuple:
    """([Exclusion], [error]) from every ``.tf`` file among ``files`` that holds an ignore."""
    from policy_tf.analysis.inputs import json_text
    from policy_tf.core.errors import InputError

    out, errors = [], []
    for path in sorted({f for f in files if f and f.endswith(".tf")}):
        try:
            text = json_text.read(path)
        except InputError:
            continue  # the reader has reported it already
        if "policy_tf:ignore" in text:
            found, bad = read(path, text, known_codes)
            out += found
            errors += bad
    return out, errors
