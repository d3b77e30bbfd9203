"""diff: the access one input grants that another does not, and the other way round."""
from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def cmd_diff(args: argparse.Namespace) -> int:
    from policy_tf.analysis.access_changes import diff_paths
    from policy_tf.analysis.diff_report import render
    from policy_tf.analysis.expand import action_index
    from policy_tf.cli.common import info, one_stdin
    from policy_tf.core.errors import InputError

    paths = args.paths
    if len(paths) > 2:
        raise InputError(f"diff compares two inputs (OLD NEW) or one plan with its prior state, not {len(paths)}")
    one_stdin(paths)
    for path in paths:
        _check_input(path)
    if args.output:
        _check_output(args.output)
    result = diff_paths(paths[0], paths[1] if len(paths) == 2 else None)
    if result.errors:
        for message in result.errors:
            print(f"policy_tf: error: {message}", file=sys.stderr)
        raise InputError(f"nothing compared: {len(result.errors)} bad input{'s' if len(result.errors) > 1 else ''}")
    text = render(result, args.fmt, action_index())
    if args.output:
        from policy_tf.cli.audit import _write

        _write(args.output, text)
    else:
        from policy_tf.core.output import write_pieces

        try:
            write_pieces(sys.stdout, [text])
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:  # a full disk or device: the diff was not delivered
            raise InputError(f"cannot write the diff to standard output: {exc.strerror or exc}") from None
    added = result.added
    if args.fmt != "text" or args.output:
        info(args, f"policy_tf diff: {len(added)} grants added, {len(result.removed)} removed")
    return 1 if added and args.fail_on_new_access else 0


def _check_input(path: str) -> None:
    """A file or a folder: a FIFO or a device would block or never end, so it is refused."""
    import os
    import stat

    from policy_tf.core.errors import InputError

    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # the reader names what is missing
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise InputError(f"{path}: not a regular file or folder")


def _check_output(path: str) -> None:
    """The report replaces a regular file or nothing: never a device, FIFO, folder or symlink."""
    import os
    import stat

    from policy_tf.core.errors import InputError

    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise InputError(f"{path}: cannot write the report: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        raise InputError(f"{path}: cannot write the report: not a regular file")


def add_diff_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    from policy_tf.cli.common import add_output_file, add_quiet, path_arg

    p.add_argument("paths", nargs="+", metavar="PATH", type=path_arg,
                   help="OLD NEW (either may be - for standard input): policy files, folders, Terraform plans "
                        "(terraform show -json), .tf folders or account-authorization-details JSON; or one plan, "
                        "compared with its prior state")
    from policy_tf.analysis.diff_report import formats

    p.add_argument("--fmt", choices=formats(), default="text",
                   help="output format (default: text); the CI formats hold one finding per grant added or removed")
    add_output_file(p, "write the diff to FILE instead of stdout")
    add_quiet(p)
    p.add_argument("--fail-on-new-access", action="store_true", help="exit 1 when NEW grants access OLD does not")
    p.set_defaults(func=cmd_diff)
