"""generate-template --cloudtrail: templates from CloudTrail logs."""
from __future__ import annotations

import sys

from policy_tf.cli.common import (
    PROG,
    add_jobs,
    add_output_dir,
    add_quiet,
    name_arg,
    path_arg,
    region_arg,
    show_progress,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

# How many lines of each report section stderr shows; the templates hold every one.
REPORT_LINES = 20


def cmd_generate_template(args: argparse.Namespace) -> int:
    # --- issue 22: --from-code (policy_tf/cli/fromcode.py) ---
    if getattr(args, "from_code", None):  # one of a required either-or group (--cloudtrail, --athena-table)
        from policy_tf.cli.fromcode import cmd_from_code

        return cmd_from_code(args)
    from policy_tf.cli.fromcode import refuse_options_of_the_other_source

    refuse_options_of_the_other_source(args, from_code=False)
    # --- end issue 22 ---
    from policy_tf.sources.cloudtrail.generate import generate, parse_when

    since = parse_when(args.since, "--since") if args.since else ""
    until = parse_when(args.until, "--until", end=True) if args.until else ""
    if args.athena_table is not None:
        result = _from_athena(args, since, until)
        if result is None:  # --dry-run: the SQL and the estimate only
            return 0
    else:
        result = generate(args.cloudtrail, principals=tuple(args.principal or ()), since=since, until=until,
                          mode=args.mode, progress=show_progress(args), workers=args.jobs)
    return _write(args, result)


def _write(args: argparse.Namespace, result) -> int:
    """The templates to --output-dir or stdout, the report on stderr; the exit status."""
    from policy_tf.sources.cloudtrail.generate import write_templates

    written = []
    if args.output_dir:
        written = write_templates(result.templates, args.output_dir, force=args.force)
    else:
        sys.stdout.write("---\n".join(result.templates[p] for p in sorted(result.templates)))
    _report(result, written, quiet=args.quiet)
    if result.bad_files or result.evidence.bad_records or result.evidence.over_budget:
        return 2
    if not result.templates:
        print(f"{PROG}: error: no template written: no granted API call was found", file=sys.stderr)
        return 1
    return 0


def _from_athena(args: argparse.Namespace, since: str, until: str):
    """The Generated result of the Athena path, or None after a --dry-run."""
    from policy_tf.aws.athena import generate_from_athena
    from policy_tf.aws.session import error_message, session

    try:
        result, run = generate_from_athena(
            args.athena_table, principals=tuple(args.principal or ()), since=since, until=until, mode=args.mode,
            workgroup=args.workgroup, output_location=args.output_location, max_scanned_gb=args.max_scanned_gb,
            dry_run=args.dry_run, partition_column=None if args.partition_column == "none" else args.partition_column,
            boto_session=session(args.profile, args.region))
    except Exception as exc:
        if type(exc).__module__.startswith("botocore"):
            from policy_tf.core.errors import PolicyTfError

            raise PolicyTfError(f"Athena: {error_message(exc)}") from None
        raise
    estimate = f"estimated {run.estimated_bytes / 1e9:.3f} GB" if run.estimated_bytes is not None else ""
    if args.dry_run:
        sys.stdout.write(run.sql + "\n")
        say(f"dry run: Athena {estimate or 'gave no estimate'}; nothing else ran")
        return None
    scanned = f"scanned {run.scanned_bytes / 1e9:.3f} GB" if run.scanned_bytes is not None else ""
    say(f"Athena query {run.execution_id}: {run.rows} aggregated rows"
        + "".join(f", {t}" for t in (estimate, scanned) if t))
    return result


def say(text: str) -> None:
    print(f"{PROG}: {shown(text)}", file=sys.stderr)


def shown(text: str, limit: int = 600) -> str:
    """Log text as one line of ASCII for a terminal: control characters and non-ASCII escaped
    (an escape sequence in an event name must not drive the terminal; a look-alike shows as
    ``\\u212a``), cut at ``limit`` characters."""
    import re

    text = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", str(text))
    text = text.encode("ascii", "backslashreplace").decode("ascii")
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _report(result, written: list[str], quiet: bool = False) -> None:
    """What was read and written (not with -q), then everything not granted, on stderr."""
    ev = result.evidence
    if not quiet:
        say(f"{ev.records} records in {ev.files} file(s); {len(ev.principals)} principal(s); "
            f"{len(result.templates)} template(s)" + (f" written to {len(written)} file(s)" if written else ""))
    for bad in result.bad_files:
        say(f"error: {bad}")
    for problem, count in sorted(ev.bad_records.items()):
        say(f"error: {count} record(s) skipped: {problem} (first: {ev.first_bad.get(problem, '?')})")
    if ev.over_budget:
        from policy_tf.sources.cloudtrail.aggregate import MAX_KEYS

        say(f"error: {ev.over_budget} call(s) not recorded: more than {MAX_KEYS:,} distinct calls and resources; "
            "narrow the run with --principal, --since or --until")
    for pattern in result.missing:
        say(f"warning: --principal {pattern}: no API call by it in the logs")
    for principal in result.nothing_granted:
        say(f"warning: {principal}: nothing to grant (only denied, unmapped or unresolved calls)")
    for why, count in sorted(ev.skipped.items()):
        say(f"note: {count} event(s) skipped: {why}")
    unmapped, unresolved, denied = ev.not_granted()
    for title, table, line in (
            ("events mapped to no IAM action", unmapped, lambda k: f"{k[0]} {k[1]}: {k[2]}"),
            ("calls whose resource could not be determined (not granted)", unresolved, lambda k: f"{k[0]}: {k[1]}"),
            ("denied calls (not granted; the principal lacks them)", denied, lambda k: k)):
        if not table:
            continue
        say(f"warning: {sum(table.values())} {title}:")
        rows = sorted(table.items(), key=lambda kv: (-kv[1], str(kv[0])))
        for key, count in rows[:REPORT_LINES]:
            print(f"  {count:>8}  {shown(line(key))}", file=sys.stderr)
        if len(rows) > REPORT_LINES:
            print(f"  ... and {len(rows) - REPORT_LINES} more (see the templates' comments)", file=sys.stderr)


def _positive_gb(text: str) -> float:
    import argparse
    import math

    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number of GB above 0, got {text!r}")
    return value


def add_generate_template_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--cloudtrail", metavar="PATH|s3://BUCKET/PREFIX", type=path_arg,
                        help="CloudTrail log files (*.json.gz): a file, a folder (recursive), or an S3 prefix (boto3)")
    source.add_argument("--athena-table", metavar="DB.TABLE",
                        help="a CloudTrail table in Athena: one aggregation query runs there instead of reading files")
    p.add_argument("--principal", action="append", metavar="ARN", type=name_arg,
                   help="only this principal (role ARN for assumed-role sessions; shell patterns allowed); repeatable")
    p.add_argument("--since", metavar="DATE", help="only events at or after DATE (2026-11-01 or 2026-11-01T12:00:00Z)")
    p.add_argument("--until", metavar="DATE",
                   help="only events at or before DATE (a bare date includes that whole day)")
    add_output_dir(p, "write one template per principal here (default: all templates on stdout, separated by ---)",
                   old=("-o",))
    p.add_argument("--mode", choices=("crud", "actions"), default="crud",
                   help="crud (default): ARNs under the access levels used; actions: the exact actions")
    p.add_argument("--force", action="store_true", help="overwrite templates already in --output-dir")
    add_jobs(p, "processes reading log files (default 0: one per CPU for large inputs)")
    add_quiet(p, progress=True)
    athena = p.add_argument_group("Athena (with --athena-table)")
    athena.add_argument("--workgroup", type=name_arg, help="Athena workgroup (default: the account's primary)")
    athena.add_argument("--output-location", metavar="s3://BUCKET/PREFIX/",
                        help="where Athena writes the results (default: the workgroup's setting)")
    athena.add_argument("--max-scanned-gb", type=_positive_gb, metavar="GB",
                        help="refuse when Athena's estimate (EXPLAIN) says the query reads more; stop it if it does")
    athena.add_argument("--dry-run", action="store_true",
                        help="print the SQL and Athena's estimate of the bytes it reads; run nothing else")
    athena.add_argument("--partition-column", default="timestamp", metavar="COLUMN",
                        help="the table's date partition (yyyy/MM/dd, as partition projection names it; default "
                             "timestamp; none: not partitioned)")
    athena.add_argument("--profile", type=name_arg, help="AWS profile (default: boto3's standard credential chain)")
    athena.add_argument("--region", type=region_arg, help="AWS region of the Athena table")
    # --- issue 22: --from-code ---
    from policy_tf.cli.fromcode import add_from_code_options

    add_from_code_options(p, source)
    # --- end issue 22 ---
    p.set_defaults(func=cmd_generate_template)
