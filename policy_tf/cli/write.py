"""write-policy and create-template."""
from __future__ import annotations

import sys

from policy_tf.cli.common import PROG, add_output_file, add_quiet, info, name_arg, non_negative, path_arg
from policy_tf.writing.fit import LIMITS

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def cmd_write_policy(args: argparse.Namespace) -> int:
    from policy_tf.writing import template as templates
    from policy_tf.writing.finish import generate
    from policy_tf.writing.render import dumps

    if args.input_file in (None, "-") and _stdin_is_terminal():
        # policy_sentry users type `write-policy` alone and would wait on a silent terminal
        print(args.parser.format_usage(), end="", file=sys.stderr)
        print(f"{PROG} write-policy: error: no template: give --input-file FILE or pipe one in "
              f"({PROG} write-policy < role.yml); {PROG} create-template -o role.yml writes one to fill in",
              file=sys.stderr)
        return 2
    loaded = templates.load(args.input_file)
    results = [generate(t, args.minimize, args.fit) for t in loaded]
    for result in results:
        for warning in result.warnings:
            print(f"{PROG}: warning: {warning}", file=sys.stderr)
        for note in result.notes:
            print(f"{PROG}: note: {note}", file=sys.stderr)
        if args.fit:
            sizes = ", ".join(str(s) for s in result.sizes)
            count = f"{len(result.policies)} polic{'y' if len(result.policies) == 1 else 'ies'}"
            info(args, f"{PROG}: {result.name}: {count} for --fit {args.fit}, size(s) without whitespace: {sizes}")
    from policy_tf.writing.render import render_policies

    text = render_policies(results, args.fmt, bool(args.fit), dumps)
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        from policy_tf.core.atomic import write_text

        write_text(args.output, text)
        info(args, f"{PROG}: wrote {args.output}")
    return 0


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):  # closed or replaced standard input: not a terminal
        return False


def cmd_create_template(args: argparse.Namespace) -> int:
    from policy_tf.writing.create_template import write_template

    write_template(args.output, args.template_type, force=args.force, name=args.name)
    if args.output != "-":
        info(args, f"{PROG}: wrote {args.template_type} template to {args.output}")
    return 0


def add_write_policy_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    p.add_argument(
        "--input-file", "-i", type=path_arg, help="template file (YAML or JSON); standard input when omitted or -"
    )
    add_output_file(p, "write the policy to FILE instead of standard output (- : standard output)")
    add_quiet(p)
    p.add_argument("--minimize", "-m", nargs="?", const=0, type=non_negative, metavar="N",
                   help="shorten actions to safe prefix wildcards (s3:Get*) of at least N characters (default 0)")
    p.add_argument("--fmt", choices=("json", "yaml", "terraform"), default="json",
                   help="json (default), yaml, or terraform: {\"policy\": \"<compact JSON>\"}")
    p.add_argument(
        "--fit",
        choices=tuple(LIMITS),
        help="fit AWS's size limit: minimize, then split (managed) into several policies; prints a JSON list",
    )
    p.set_defaults(func=cmd_write_policy, parser=p)  # its usage is formatted only when shown


def add_create_template_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    add_output_file(p, "file to write, or - for standard output", required=True, old=("--output-file",))
    add_quiet(p)
    p.add_argument(
        "--template-type", "-t", choices=("crud", "actions"), default="crud", help="crud (default) or actions"
    )
    p.add_argument("--name", default="MyPolicy", type=name_arg, help="the policy name written into the template")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=cmd_create_template)
