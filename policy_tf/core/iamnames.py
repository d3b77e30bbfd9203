"""IAM names are ASCII: the one grammar for action names and the one wildcard matcher.

Every layer (writing, analysis, aws, cloudtrail) reads action names and ``*``/``?`` patterns
through this module, so that they agree on what a name is and what a pattern matches:

* an action is ``service:Name``: the service prefix is ASCII letters, digits and hyphens
  (``vpc-lattice``), the name ASCII letters, digits and hyphens as AWS spells them
  (``vpc-lattice:AssociateViaAWSService-EventsAndStates``);
* a pattern adds ``*`` (any run of characters) and ``?`` (exactly one), in either part, or
  is ``*`` alone; nothing else is special (``[`` is not a character class, as fnmatch has it);
* comparison is ASCII case-insensitive. Python's own ``lower()`` and ``re.IGNORECASE`` fold
  Unicode: KELVIN SIGN (U+212A) would become ``k`` and LONG S (U+017F) match ``s``, turning
  look-alike text into real actions. Here a non-ASCII character never equals an ASCII one.
"""
from __future__ import annotations

import re
from functools import lru_cache

_NAME = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9-]+", re.ASCII)
_PATTERN = re.compile(r"\*|[A-Za-z0-9*?-]+:[A-Za-z0-9*?-]+", re.ASCII)
_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(text: str) -> str:
    """``text`` with ASCII letters lower-cased and every other character left as it is."""
    return text.lower() if text.isascii() else text.translate(_FOLD)


def same(a: str, b: str) -> bool:
    """ASCII case-insensitive equality."""
    return fold(a) == fold(b)


def is_action(text: object) -> bool:
    """Whether ``text`` is an action name (``service:Name``, no wildcard)."""
    return isinstance(text, str) and _NAME.fullmatch(text) is not None


def is_pattern(text: object) -> bool:
    """Whether ``text`` is an action name or an action pattern (``*``, ``s3:Get*``, ``*:List?``)."""
    return isinstance(text, str) and _PATTERN.fullmatch(text) is not None


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def problem(text: object, wildcards: bool = True) -> str | None:
    """Why ``text`` is not an action (pattern), in words a user can act on; None when it is one."""
    if not isinstance(text, str):
        return f"expected an action name as a string, got {_type(text)}"
    if (is_pattern(text) if wildcards else is_action(text)):
        return None
    form = "'service:Action', wildcards * and ? allowed" if wildcards else "'service:Action', no wildcards here"
    what = "an action" if wildcards else "an action name"
    return f"{text!r} is not {what} ({form}): {_why(text, wildcards)}"


def _why(text: str, wildcards: bool) -> str:
    for ch in text:
        if not ch.isascii():
            return f"it holds {describe(ch)}, and IAM names are ASCII"
    if text != text.strip():
        return "it has leading or trailing white space"
    if not wildcards and has_wildcard(text):
        return "it holds a wildcard"
    bad = sorted({ch for ch in text if not (ch.isalnum() or ch in "-:*?")})
    if bad:
        return f"it holds {', '.join(repr(ch) for ch in bad)}, which no IAM action name has"
    if ":" not in text:
        return "the service prefix and the colon are missing"
    return "expected one colon between a non-empty service prefix and action name"


def describe(ch: str) -> str:
    """``'K' (U+212A KELVIN SIGN)``: a character a reader cannot tell apart by eye, named."""
    import unicodedata  # only when a name is wrong: not on every start

    return f"{ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')})"


def _type(value: object) -> str:
    return {dict: "a mapping", list: "a list", type(None): "null", bool: "a boolean",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _regex(pattern: str) -> str:
    return "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)


@lru_cache(maxsize=8192)
def regex(pattern: str) -> re.Pattern:
    """A compiled regex for an IAM pattern: ``*`` and ``?`` as IAM reads them, ASCII case-insensitive.

    ``re.ASCII`` keeps IGNORECASE to ASCII letters: without it, ``K`` (KELVIN SIGN) matches ``k``
    and ``ſ`` (LONG S) matches ``s``. Use ``fullmatch``.
    """
    return re.compile(_regex(pattern), re.IGNORECASE | re.ASCII | re.DOTALL)


def matches(pattern: str, name: str) -> bool:
    """Whether the IAM pattern matches ``name`` as a whole (ASCII case-insensitive)."""
    if not has_wildcard(pattern):
        return fold(pattern) == fold(name)
    return regex(pattern).fullmatch(name) is not None


class Patterns:
    """A list of IAM patterns compiled for matching many names: literal patterns by one set
    look-up, wildcards by one regex, so the cost scales with distinct patterns, not their count."""

    def __init__(self, patterns):
        self.patterns = tuple(patterns)
        self.literals = {fold(p) for p in self.patterns if not has_wildcard(p)}
        wild = sorted({p for p in self.patterns if has_wildcard(p)})
        flags = re.IGNORECASE | re.ASCII | re.DOTALL
        self.wild = re.compile("|".join(f"(?:{_regex(p)})" for p in wild), flags) if wild else None

    def __call__(self, name: str) -> bool:
        """Whether any pattern matches ``name``."""
        return fold(name) in self.literals or (self.wild is not None and self.wild.fullmatch(name) is not None)

    def which(self, names) -> set[int]:
        """The indexes of the patterns that match at least one of ``names``."""
        folded = {fold(n) for n in names}
        return {i for i, p in enumerate(self.patterns)
                if (fold(p) in folded if not has_wildcard(p) else any(regex(p).fullmatch(n) for n in names))}


@lru_cache(maxsize=4096)
def _case_regex(pattern: str) -> re.Pattern:
    return re.compile(_regex(pattern), re.DOTALL)


def glob(pattern: str, text: str, ignore_case: bool = False) -> bool:
    """The same ``*``/``?`` matcher for other names (issue codes, resource addresses, file names).

    Case-sensitive unless ``ignore_case``, which folds ASCII letters only.
    """
    if ignore_case:
        return matches(pattern, text)
    if not has_wildcard(pattern):
        return pattern == text
    return _case_regex(pattern).fullmatch(text) is not None
