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


# --- one vocabulary for every command (docs/cli-options.md) ---------------------------------------

def deprecated_action(new: str):
    """An argparse action for an old spelling of an option that takes a value: one note on stderr
    naming ``new``, then the value is stored as the new spelling stores it."""
    import argparse

    class Deprecated(argparse.Action):
        def __call__(self, parser, namespace, values, option_string=None):
            print(f"{PROG}: note: {option_string} is deprecated and will be removed in the next release; "
                  f"use {new}", file=sys.stderr)
            setattr(namespace, self.dest, values)

    return Deprecated


def add_deprecated(parser, old: str, new: str, dest: str, **kwargs) -> None:
    """``old``, hidden from --help, kept working for one release as ``new`` (stored in ``dest``)."""
    import argparse

    parser.add_argument(old, dest=dest, action=deprecated_action(new), help=argparse.SUPPRESS,
                        default=argparse.SUPPRESS, **kwargs)


def add_output_file(parser, help: str, *, required: bool = False, old: tuple = (), metavar: str = "FILE",
                    type=None) -> None:
    """``-o/--output FILE`` (dest ``output``), with ``old`` spellings kept for one release."""
    target = parser.add_mutually_exclusive_group(required=required) if required and old else parser
    target.add_argument("-o", "--output", metavar=metavar, type=type or path_arg, help=help,
                        required=required and not old)
    for spelling in old:
        add_deprecated(target, spelling, "-o/--output", "output", metavar=metavar, type=type or path_arg)


def add_output_dir(parser, help: str, *, required: bool = False, old: tuple = ()) -> None:
    """``--output-dir DIR`` (dest ``output_dir``); ``old`` spellings (``-o``) kept for one release."""
    target = parser.add_mutually_exclusive_group(required=required) if required and old else parser
    target.add_argument("--output-dir", metavar="DIR", type=path_arg, help=help, required=required and not old)
    for spelling in old:
        add_deprecated(target, spelling, "--output-dir", "output_dir", metavar="DIR", type=path_arg)


def add_jobs(parser, help: str, *, default: int = 0, old: tuple = ()) -> None:
    """``-j/--jobs N`` (dest ``jobs``); ``old`` spellings (``--workers``) kept for one release."""
    parser.add_argument("-j", "--jobs", type=non_negative, default=default, metavar="N", help=help)
    for spelling in old:
        add_deprecated(parser, spelling, "-j/--jobs", "jobs", metavar="N", type=non_negative)


def add_quiet(parser, progress: bool = False) -> None:
    """``-q/--quiet`` (no progress, no summary lines: errors and warnings still show) and, for a
    command that draws a progress bar, ``--no-progress``."""
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress or summary lines on stderr (errors and warnings still show)")
    if progress:
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def show_progress(args) -> bool:
    """Whether a command draws its progress bar: not with -q or --no-progress."""
    return not (getattr(args, "quiet", False) or getattr(args, "no_progress", False))


def info(args, message: str) -> None:
    """A progress or summary line on stderr, unless -q."""
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr)


def one_stdin(paths) -> None:
    """Refuse ``-`` given twice: standard input can be read only once."""
    if sum(1 for p in paths if p == "-") > 1:
        from policy_tf.core.errors import InputError

        raise InputError("- (standard input) can be given only once")
