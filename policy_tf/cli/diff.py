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
    from policy_tf.errors import InputError

    paths = args.paths
    if len(paths) > 2:
        raise InputError(f"diff compares two inputs (OLD NEW) or one plan with its prior state, not {len(paths)}")
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
        from policy_tf.output import write_pieces

        write_pieces(sys.stdout, [text])
    added = result.added
    if args.fmt != "text" or args.output:
        print(f"policy_tf diff: {len(added)} grants added, {len(result.removed)} removed", file=sys.stderr)
    return 1 if added and args.fail_on_new_access else 0


def add_diff_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    from policy_tf.cli.common import path_arg

    p.add_argument("paths", nargs="+", metavar="PATH", type=path_arg,
                   help="OLD NEW: policy files, folders, Terraform plans (terraform show -json), .tf folders or "
                        "account-authorization-details JSON; or one plan, compared with its prior state")
    p.add_argument("--fmt", choices=("text", "json", "sarif"), default="text", help="output format (default: text)")
    p.add_argument("--output", "-o", metavar="FILE", help="write the diff to FILE instead of stdout")
    p.add_argument("--fail-on-new-access", action="store_true", help="exit 1 when NEW grants access OLD does not")
    p.set_defaults(func=cmd_diff)
