"""completion: a shell completion script, generated from the whole parser by shtab.

The script is static: the shell completes from it without starting policy_tf, so completion
costs nothing at start-up, and shtab is imported only by this command.
"""
from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

SHELLS = ("bash", "zsh", "fish")


def _complete_paths(parser: argparse.ArgumentParser) -> None:
    """Options that take a file or a folder complete paths (shtab completes nothing by default)."""
    import argparse

    import shtab

    for action in parser._actions:  # argparse has no public walk over a parser's actions
        longest = max(action.option_strings, key=len, default="")
        if longest.endswith(("-dir", "-folder")):
            action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]  # shtab's documented hook
        elif longest.endswith(("-file", "--output")):
            action.complete = shtab.FILE  # type: ignore[attr-defined]  # shtab's documented hook
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _complete_paths(sub)


def cmd_completion(args: argparse.Namespace) -> int:
    import shtab

    from policy_tf.cli import build_parser

    parser = build_parser(None)  # every command and option, not just this one's
    _complete_paths(parser)
    sys.stdout.write(shtab.complete(parser, shell=args.shell))
    return 0


def add_completion_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    p.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    p.set_defaults(func=cmd_completion)
