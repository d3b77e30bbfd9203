"""analyze-iam-policy and expand-policy: what plain policy JSON files allow."""
from __future__ import annotations

import sys

from policy_tf.cli.common import LEVEL_CHOICES, PROG, add_fmt, one_stdin, path_arg, print_note

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def cmd_analyze_iam_policy(args: argparse.Namespace) -> int:
    from policy_tf.analysis import allowed, loading
    from policy_tf.core import output
    from policy_tf.iamdb import database

    db = database.get()
    print_note(db)
    one_stdin([args.policy, args.from_audit_file])
    files = loading.policy_files(args.policy)
    audit = allowed.read_audit_file(args.from_audit_file, db) if args.from_audit_file else None
    notes: list[str] = []
    results, errors = allowed.allowed_by_file(files, args.from_access_level, audit, db, notes)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    for message in errors:
        print(f"{PROG}: error: {message}", file=sys.stderr)
    if args.fmt == "table":
        from policy_tf.analysis.expand import action_index, level_rows

        output.emit(level_rows(results, action_index(db)), args.fmt)
    else:
        output.emit(results, args.fmt)
    return 2 if errors else 0


def cmd_expand_policy(args: argparse.Namespace) -> int:
    from policy_tf.analysis import allowed, loading, validity
    from policy_tf.core import output
    from policy_tf.core.errors import InputError
    from policy_tf.iamdb import database

    db = database.get()
    print_note(db)
    path = args.policy
    document = loading.read_json(path)
    # Unknown names are noted by the expansion itself ("matches no action"); other errors here.
    checked = [f for f in validity.check(document, path, db) if f.code not in ("UNKNOWN_ACTION", "UNKNOWN_SERVICE")]
    for finding in checked:
        print(f"note: {path}: {finding.code}: {finding.message}", file=sys.stderr)
    try:
        expanded, notes = allowed.expand_policy(document, db)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    for note in notes:
        print(f"note: {path}: {note}", file=sys.stderr)
    output.emit(expanded, args.fmt)
    return 0


def add_analyze_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    p.add_argument("--policy", required=True, metavar="FILE|DIR", type=path_arg,
                   help="a policy JSON file, a folder of *.json policies, or - for standard input")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--from-access-level", choices=LEVEL_CHOICES, type=str.lower,
                        help="list only the allowed actions at this access level")
    source.add_argument("--from-audit-file", metavar="FILE", type=path_arg,
                        help="list only the allowed actions named in FILE (one per line, wildcards allowed, or a "
                             "JSON/YAML list)")
    add_fmt(p)
    p.set_defaults(func=cmd_analyze_iam_policy)


def add_expand_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    p.add_argument("--policy", required=True, metavar="FILE", type=path_arg,
                   help="a policy JSON file, or - for standard input")
    add_fmt(p, choices=("json", "yaml"))
    p.set_defaults(func=cmd_expand_policy)
