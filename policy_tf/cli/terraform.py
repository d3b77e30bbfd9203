"""terraform-external and write-policy-dir."""
from __future__ import annotations

import sys

from policy_tf.cli.common import (
    add_jobs,
    add_output_dir,
    add_output_file,
    add_quiet,
    info,
    non_negative,
    path_arg,
    show_progress,
)
from policy_tf.writing.fit import LIMITS

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def cmd_terraform_external(args: argparse.Namespace | None) -> int:
    """Takes no options: ``args`` is None on the fast path (see cli.main)."""
    from policy_tf.terraform.external import run

    return run(sys.stdin.buffer, sys.stdout.buffer, sys.stderr)


def cmd_write_policy_dir(args: argparse.Namespace) -> int:
    from policy_tf.terraform.policy_dir import report, write_policy_dir

    summary = write_policy_dir(args.input_dir, args.output_dir, minimize=args.minimize, fit=args.fit,
                               recursive=args.recursive, prune=args.prune, jobs=args.jobs, progress=show_progress(args),
                               check=args.check)
    report(summary, sys.stderr, quiet=args.quiet)
    if summary.errors:
        return 2
    return 1 if args.check and (summary.written or summary.pruned) else 0


def add_write_policy_dir_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    p.add_argument("--input-dir", required=True, type=path_arg, help="folder of templates (*.yml, *.yaml, *.json)")
    add_output_dir(p, "folder for the policies: <template name>.json each", required=True)
    p.add_argument("--minimize", "-m", nargs="?", const=0, type=non_negative, metavar="N",
                   help="shorten actions to safe prefix wildcards (s3:Get*) of at least N characters (default 0)")
    p.add_argument("--fit", choices=tuple(LIMITS),
                   help="fit AWS's size limit, as for write-policy; each file holds a JSON list")
    p.add_argument("--recursive", "-r", action="store_true",
                   help="templates in subfolders too, mirrored in the output folder")
    p.add_argument("--prune", action="store_true", help="delete policies in the output folder whose template is gone")
    p.add_argument("--check", action="store_true",
                   help="write nothing: exit 1 when a policy is out of date with its template (or, with --prune, "
                        "left from a template that is gone), for CI and pre-commit")
    add_jobs(p, "worker processes (default 0: automatic, one per CPU when enough templates changed)")
    add_quiet(p, progress=True)
    p.set_defaults(func=cmd_write_policy_dir)


def cmd_save_template(args: argparse.Namespace) -> int:
    import os

    from policy_tf.core.errors import InputError
    from policy_tf.terraform import save_template

    if args.delete:
        removed = save_template.delete(args.output)
        info(args, f"policy_tf: {'removed' if removed else 'already gone:'} {args.output}")
        return 0
    text = os.environ.get(save_template.VARIABLE)
    if text is None:
        if sys.stdin is None or sys.stdin.isatty():
            raise InputError(f"no template: set ${save_template.VARIABLE} or pipe the template in")
        from policy_tf.core.safeload import read_stream

        text = read_stream(sys.stdin.buffer, "standard input")
    save_template.save(args.output, text)
    info(args, f"policy_tf: wrote {args.output}")
    return 0


def add_save_template_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    add_output_file(p, "where to write the template", required=True, old=("--output-file",), type=str)
    add_quiet(p)
    p.add_argument("--delete", action="store_true", help="remove the file instead (only one the template module wrote)")
    p.set_defaults(func=cmd_save_template)


def add_terraform_external_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    p.set_defaults(func=cmd_terraform_external)
