"""generate-template --from-code: templates from the AWS calls of Python programs."""
from __future__ import annotations

import sys

from policy_tf.cli.common import PROG, path_arg, region_arg

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

REPORT_LINES = 20


def account_arg(text: str) -> str:
    import argparse
    import re

    if not re.fullmatch(r"[0-9]{12}", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a 12-digit AWS account ID")
    return text


def add_from_code_options(p: argparse.ArgumentParser, source=None) -> None:
    """The options of --from-code, added to generate-template's parser; ``source``: the
    parser's group of mutually exclusive sources (--cloudtrail...), when it has one."""
    group = p.add_argument_group("from application code (instead of --cloudtrail)")
    (source or group).add_argument("--from-code", nargs="+", metavar="PATH", type=path_arg,
                                   help="Python files or folders (read recursively): one template per PATH")
    group.add_argument("--per-file", action="store_true", help="one template per Python file instead of per PATH")
    if "--region" not in p._option_string_actions:  # shared with other sources that define it (Athena's region)
        group.add_argument("--region", type=region_arg, metavar="REGION",
                           help="with --from-code: region of the ARNs where the code does not name one (default: *)")
    group.add_argument("--account", type=account_arg, metavar="ID",
                       help="account of the ARNs where the code does not name one (default: *)")
    group.add_argument("--from-terraform-outputs", metavar="FILE", type=path_arg,
                       help="'terraform output -json' saved to FILE: outputs fill the environment variables the "
                            "code reads (bucket_name -> BUCKET_NAME), and region / account_id")
    group.add_argument("--assume-kms", action="store_true",
                       help="grant the KMS actions of encrypted data on any key of the account "
                            "when the code names none")


# generate-template's options that only one of the two sources reads: (dest, flag, default).
CLOUDTRAIL_ONLY = (("principal", "--principal", None), ("since", "--since", None), ("until", "--until", None),
                   ("mode", "--mode", "crud"), ("jobs", "--jobs", 0), ("no_progress", "--no-progress", False))
# Athena's own options (their defaults as generate-template's parser sets them).
ATHENA_ONLY = (("workgroup", "--workgroup", None), ("output_location", "--output-location", None),
               ("max_scanned_gb", "--max-scanned-gb", None), ("dry_run", "--dry-run", False),
               ("partition_column", "--partition-column", "timestamp"), ("profile", "--profile", None))
FROM_CODE_ONLY = (("per_file", "--per-file", False), ("account", "--account", None),
                  ("from_terraform_outputs", "--from-terraform-outputs", None), ("assume_kms", "--assume-kms", False))


def refuse_options_of_the_other_source(args: argparse.Namespace, from_code: bool) -> None:
    """An option the chosen source does not read is an error, never silently ignored."""
    from policy_tf.core.errors import InputError

    for dest, flag, default in (CLOUDTRAIL_ONLY if from_code else FROM_CODE_ONLY):
        if getattr(args, dest, default) not in (default, None):
            raise InputError(f"{flag} applies to --{'cloudtrail' if from_code else 'from-code'} only")
    if from_code:
        for dest, flag, default in ATHENA_ONLY:
            if getattr(args, dest, default) not in (default, None):
                raise InputError(f"{flag} applies to --athena-table only")


def cmd_from_code(args: argparse.Namespace) -> int:
    from policy_tf.sources.code.generate import Options, generate, terraform_outputs, write_templates

    refuse_options_of_the_other_source(args, from_code=True)

    options = Options(per_file=args.per_file, region=getattr(args, "region", None) or "", account=args.account or "",
                      assume_kms=args.assume_kms)
    if args.from_terraform_outputs:
        environment, region, account = terraform_outputs(args.from_terraform_outputs)
        options.environment = environment
        options.region = options.region or region
        options.account = options.account or account
    result = generate(args.from_code, options)
    written = []
    if args.output_dir:
        written = write_templates(result.templates, args.output_dir, force=args.force,
                                  names={label: data["name"] for label, data in result.data.items()})
    else:
        _to_stdout("---\n".join(result.templates[label] for label in sorted(result.templates)))
    if not args.quiet:
        say(f"{result.files} Python file(s), {result.calls} API call(s); {len(result.templates)} template(s)"
            + (f" written to {len(written)} file(s)" if written else ""))
    for bad in result.bad_files:
        say(f"error: {bad}")
    for skipped in [] if args.quiet else result.skipped[:REPORT_LINES]:
        say(f"note: {skipped}")
    if result.unknown:
        say(f"warning: {result.unknown} call(s) mapped to no IAM action, not granted (add them by hand if needed):")
        for line in sorted(result.unknown_calls)[:REPORT_LINES]:
            print(f"  {line}", file=sys.stderr)
        if len(result.unknown_calls) > REPORT_LINES:
            print(f"  ... and {len(result.unknown_calls) - REPORT_LINES} more (see the templates' comments)",
                  file=sys.stderr)
    if result.warnings:
        say(f"warning: {result.warnings} grant(s) on a wildcard where the code does not name the resource exactly "
            "(listed at the end of the template)")
    for label in result.empty:
        say(f"warning: {label}: no AWS API call to grant")
    if result.bad_files:
        return 2
    if not result.templates:
        say("error: no template written: no AWS API call was found")
        return 1
    return 0


def _to_stdout(text: str) -> None:
    """Write and flush now, so that a full disk or closed pipe is one clean error, not a traceback at exit."""
    import os

    from policy_tf.core.errors import PolicyTfError

    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        try:  # what is left in the buffer would fail again at exit: send it nowhere
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        raise PolicyTfError(f"cannot write to standard output: {exc.strerror or exc}") from None


def say(text: str) -> None:
    print(f"{PROG}: {text}", file=sys.stderr)
