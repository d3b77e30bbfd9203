"""Pieces every command group's parser shares."""
from __future__ import annotations

import sys

from policy_tf.core.errors import PROG as PROG  # the commands import it from here
from policy_tf.iamdb import access_level

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

LEVEL_CHOICES = access_level.OPTIONS


def print_note(db) -> None:
    if db.note:
        print(db.note, file=sys.stderr)


def add_fmt(parser: argparse.ArgumentParser, default: str = "json", choices: tuple = ("json", "yaml", "table")) -> None:
    parser.add_argument("--fmt", choices=choices, default=default, help=f"output format (default: {default})")


def non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        import argparse

        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        import argparse

        raise argparse.ArgumentTypeError(f"expected 0 or more, got {value}")
    return value


def source_arg(text: str) -> str:
    """A local file (as ``path_arg``) or an S3 object, ``s3://bucket/key``, read with the same checks."""
    if text.startswith("s3://"):
        import argparse

        from policy_tf.aws.s3 import parse_url
        from policy_tf.core.errors import InputError

        try:
            parse_url(text, "S3 location")
        except InputError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return text
    return path_arg(text)


def path_arg(text: str) -> str:
    """A file or folder name: '' (which would silently mean the current folder) and NUL are refused."""
    import argparse

    if text == "":
        raise argparse.ArgumentTypeError("expected a path, got '' (use . for the current folder)")
    if "\0" in text:
        raise argparse.ArgumentTypeError(f"{text!r} is not a valid path (it holds a NUL character)")
    import os

    try:
        os.lstat(text)
    except OSError as exc:
        if not isinstance(exc, (FileNotFoundError, NotADirectoryError)):  # ENAMETOOLONG, ELOOP, EACCES...
            raise argparse.ArgumentTypeError(f"{_shown(text)}: {exc.strerror or exc}") from None
    return text


def _shown(text: str, limit: int = 80) -> str:
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text)} characters)"


def region_arg(text: str) -> str:
    """An AWS region code (us-east-1, us-gov-west-1): anything else would only fail later, deep in botocore."""
    import argparse
    import re

    if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-[0-9]{1,2}", text):
        raise argparse.ArgumentTypeError(f"{_shown(text)} is not an AWS region code such as us-east-1")
    return text


def name_arg(text: str) -> str:
    """A name to look up: '' would match everything or nothing, so it is refused."""
    import argparse

    if not text.strip():
        raise argparse.ArgumentTypeError(f"expected a name, got {text!r}")
    return text
def import_argparse():
    """argparse, imported without gettext (and locale) when neither is loaded yet.

    argparse passes every message through gettext's global domain, and each look-up searches
    the locale folders for a catalogue: with the imports of gettext and locale that is ~3 ms of
    every start. CPython ships no catalogue for argparse's messages and policy_tf has none, so
    a stand-in returning the English text changes no output. A later ``import gettext`` still
    gets the real module.
    """
    if "argparse" not in sys.modules and "gettext" not in sys.modules:
        import types

        stand_in = types.ModuleType("gettext")
        stand_in.gettext = lambda message: message
        stand_in.ngettext = lambda singular, plural, n: singular if n == 1 else plural
        sys.modules["gettext"] = stand_in
        try:
            import argparse  # noqa: F401 - binds the stand-in's functions
        except ImportError:  # a future argparse wanting more of gettext: import it as it is
            pass
        finally:
            del sys.modules["gettext"]
    import argparse

    return argparse


def formatter_class():
    """argparse's HelpFormatter, minus its start-up cost.

    argparse builds a formatter for every add_argument and, left to itself, imports shutil just
    to read the terminal width; COLUMNS (or 80) is what shutil would fall back to here anyway.
    """
    import argparse
    import os

    class Formatter(argparse.HelpFormatter):
        def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
            columns = os.environ.get("COLUMNS", "")
            width = width or (int(columns) if columns.isdigit() else 80) - 2
            super().__init__(prog, indent_increment, max_help_position, width)

    return Formatter
