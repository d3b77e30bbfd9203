"""generate-template --cloudtrail: templates from CloudTrail logs."""
from __future__ import annotations

import sys

from policy_tf.cli.common import PROG, name_arg, non_negative, path_arg

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

# How many lines of each report section stderr shows; the templates hold every one.
REPORT_LINES = 20


def cmd_generate_template(args: argparse.Namespace) -> int:
    from policy_tf.aws.cloudtrail.generate import generate, parse_when, write_templates

    since = parse_when(args.since, "--since") if args.since else ""
    until = parse_when(args.until, "--until", end=True) if args.until else ""
    result = generate(args.cloudtrail, principals=tuple(args.principal or ()), since=since, until=until,
                      mode=args.mode, progress=not args.no_progress, workers=args.jobs)
    written = []
    if args.output_dir:
        written = write_templates(result.templates, args.output_dir, force=args.force)
    else:
        sys.stdout.write("---\n".join(result.templates[p] for p in sorted(result.templates)))
    _report(result, written)
    if result.bad_files or result.evidence.bad_records or result.evidence.over_budget:
        return 2
    if not result.templates:
        print(f"{PROG}: error: no template written: no granted API call was found", file=sys.stderr)
        return 1
    return 0


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


def _report(result, written: list[str]) -> None:
    """What was read and written, then everything not granted, on stderr."""
    ev = result.evidence
    say(f"{ev.records} records in {ev.files} file(s); {len(ev.principals)} principal(s); "
        f"{len(result.templates)} template(s)" + (f" written to {len(written)} file(s)" if written else ""))
    for bad in result.bad_files:
        say(f"error: {bad}")
    for problem, count in sorted(ev.bad_records.items()):
        say(f"error: {count} record(s) skipped: {problem} (first: {ev.first_bad.get(problem, '?')})")
    if ev.over_budget:
        from policy_tf.aws.cloudtrail.aggregate import MAX_KEYS

        say(f"error: {ev.over_budget} call(s) not recorded: more than {MAX_KEYS:,} distinct calls and resources; "
            "narrow the run with --principal, --since or --until")
    for pattern in result.missing:
        say(f"warning: --principal {pattern}: no API call by it in the logs")
    for principal in result.nothing_granted:
        say(f"warning: {principal}: nothing to grant (only denied, unmapped or unresolved calls)")
    for why, count in sorted(ev.skipped.items()):
        say(f"note: {count} event(s) skipped: {why}")
    unmapped, unresolved, denied = {}, {}, {}
    for seen in ev.principals.values():
        for (src, name, why), s in seen.unmapped.items():
            unmapped[(src, name, why)] = unmapped.get((src, name, why), 0) + s.count
        for (action, _level, why), s in seen.unresolved.items():
            unresolved[(action, why)] = unresolved.get((action, why), 0) + s.count
        for (action, _arn), s in seen.denied.items():
            denied[action] = denied.get(action, 0) + s.count
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


def add_generate_template_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    p.add_argument("--cloudtrail", required=True, metavar="PATH|s3://BUCKET/PREFIX", type=path_arg,
                   help="CloudTrail log files (*.json.gz): a file, a folder (recursive), or an S3 prefix (boto3)")
    p.add_argument("--principal", action="append", metavar="ARN", type=name_arg,
                   help="only this principal (role ARN for assumed-role sessions; shell patterns allowed); repeatable")
    p.add_argument("--since", metavar="DATE", help="only events at or after DATE (2026-11-01 or 2026-11-01T12:00:00Z)")
    p.add_argument("--until", metavar="DATE", help="only events at or before DATE (a bare date includes that whole day)")
    p.add_argument("--output-dir", "-o", metavar="DIR", type=path_arg,
                   help="write one template per principal here (default: all templates on stdout, separated by ---)")
    p.add_argument("--mode", choices=("crud", "actions"), default="crud",
                   help="crud (default): ARNs under the access levels used; actions: the exact actions")
    p.add_argument("--force", action="store_true", help="overwrite templates already in --output-dir")
    p.add_argument("--jobs", "-j", type=non_negative, default=0, metavar="N",
                   help="processes reading log files (default 0: one per CPU for large inputs)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.set_defaults(func=cmd_generate_template)
