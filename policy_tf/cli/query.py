"""query: the tables of the IAM database."""
from __future__ import annotations

import sys

from policy_tf.cli.common import LEVEL_CHOICES, PROG, add_fmt, name_arg, print_note
from policy_tf.core.output import FORMATS as QUERY_FORMATS

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def cmd_query_action_table(args: argparse.Namespace) -> int:
    from policy_tf.core import output
    from policy_tf.iamdb import database, query

    if args.wildcard_only:
        if args.resource_type not in (None, "*"):
            from policy_tf.core.errors import InputError

            raise InputError("--wildcard-only is --resource-type '*': give one or the other")
        args.resource_type = "*"
    db = database.get()
    print_note(db)
    data: list  # action details (dicts) or names
    if args.name:
        data = query.named_action(args.service, args.name, args.access_level, args.resource_type, args.condition, db)
    else:
        data = query.action_names(args.service, args.access_level, args.resource_type, args.condition, db)
        if args.fmt in ("table", "csv") and data:
            # One line per action, with both levels so overrides stay visible.
            data = query.action_rows(data, db)
    if args.access_level:
        # Every name here came from the database, spelt as it spells them.
        for item in query.overridden([d["action"] if isinstance(d, dict) else d for d in data], db, canonical=True):
            print(f"note: {item['action']} is documented as {item['documented_access_level']} but treated as "
                  f"{item['access_level']}: {item['override_reason']}", file=sys.stderr)
    output.emit(data, args.fmt)
    return 0


def cmd_query_arn_table(args: argparse.Namespace) -> int:
    from policy_tf.core import output
    from policy_tf.iamdb import database, query

    db = database.get()
    print_note(db)
    rows = query.arn_table(args.service, args.name, db)
    data: dict | list = rows
    if args.list_arn_types:
        data = query.arn_types(rows, args.service)
    output.emit(data, args.fmt)
    return 0


def cmd_query_condition_table(args: argparse.Namespace) -> int:
    from policy_tf.core import output
    from policy_tf.iamdb import database, query

    db = database.get()
    print_note(db)
    output.emit(query.condition_table(args.service, args.name, db), args.fmt)
    return 0


def cmd_query_operation_table(args: argparse.Namespace) -> int:
    from policy_tf.core import output
    from policy_tf.iamdb import database, query

    db = database.get()
    print_note(db)
    rows = query.operations(args.service, args.name, db)
    if not rows:
        known = [r["operation"] for r in query.operations(args.service, db=db)] if args.name else []
        if known:
            from policy_tf.core.errors import not_found

            raise not_found(f"API operation of {args.service}", args.name, known)
        print(
            f"note: this database records no API operations for {args.service}"
            f"{' named ' + repr(args.name) if args.name else ''} ('policy_tf db info' shows their source)",
            file=sys.stderr,
        )
    output.emit(rows, args.fmt)
    return 0


def cmd_query_service_table(args: argparse.Namespace) -> int:
    from policy_tf.core import output
    from policy_tf.iamdb import database, query

    db = database.get()
    print_note(db)
    output.emit(query.service_table(db), args.fmt)
    return 0


def add_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    tables = p.add_subparsers(dest="table", metavar="TABLE", prog=f"{PROG} query")
    tables.required = True
    if only not in ("action-table", "arn-table", "condition-table", "operation-table", "service-table"):
        only = None  # unknown or missing: build all, so argparse can list the choices
    if only in (None, "action-table"):
        t = tables.add_parser("action-table", help="actions of a service, filtered", formatter_class=p.formatter_class)
        t.add_argument("--service", required=True, type=name_arg, help="service prefix, or 'all'")
        t.add_argument("--name", type=name_arg, help="one action: show its details")
        t.add_argument("--access-level", choices=LEVEL_CHOICES, type=str.lower, help="effective access level")
        t.add_argument(
            "--resource-type", type=name_arg, help="resource type name, or '*' for actions that support only '*'"
        )
        t.add_argument("--condition", type=name_arg, help="condition key the action must support")
        t.add_argument("--wildcard-only", action="store_true",
                       help="only actions that support no resource type, only '*' (policy_sentry's flag; "
                            "the same as --resource-type '*')")
        add_fmt(t, choices=QUERY_FORMATS)
        t.set_defaults(func=cmd_query_action_table)
    if only in (None, "arn-table"):
        t = tables.add_parser(
            "arn-table", help="resource types and ARN formats of a service", formatter_class=p.formatter_class
        )
        t.add_argument("--service", required=True, type=name_arg, help="service prefix, or 'all'")
        t.add_argument("--name", type=name_arg, help="one resource type")
        t.add_argument("--list-arn-types", action="store_true", help="print only resource type -> ARN format")
        add_fmt(t, choices=QUERY_FORMATS)
        t.set_defaults(func=cmd_query_arn_table)
    if only in (None, "condition-table"):
        t = tables.add_parser("condition-table", help="condition keys of a service", formatter_class=p.formatter_class)
        t.add_argument("--service", required=True, type=name_arg, help="service prefix, or 'all'")
        t.add_argument("--name", type=name_arg, help="one condition key")
        add_fmt(t, choices=QUERY_FORMATS)
        t.set_defaults(func=cmd_query_condition_table)
    if only in (None, "operation-table"):
        t = tables.add_parser("operation-table", help="API operations of a service and the IAM actions each needs",
                              formatter_class=p.formatter_class)
        t.add_argument("--service", required=True, help="service prefix")
        t.add_argument("--name", help="one API operation (case-insensitive)")
        add_fmt(t)
        t.set_defaults(func=cmd_query_operation_table)
    if only in (None, "service-table"):
        t = tables.add_parser("service-table", help="every service prefix and name", formatter_class=p.formatter_class)
        add_fmt(t, choices=QUERY_FORMATS)
        t.set_defaults(func=cmd_query_service_table)
