"""Command-line interface: a thin layer over the library API.

Imports stay inside the command handlers so that ``--help``, ``--version`` and every single
command pay only for what they use (Terraform runs policy_tf on every plan).
"""
from __future__ import annotations

import sys

from . import __version__

TYPE_CHECKING = False  # argparse is imported where a parser is built, not at start-up
if TYPE_CHECKING:
    import argparse
from .errors import PolicyTfError

PROG = "policy_tf"
LEVEL_CHOICES = ("read", "write", "list", "tagging", "permissions-management")


def _print_note(db) -> None:
    if db.note:
        print(db.note, file=sys.stderr)


# --- query -----------------------------------------------------------------------------------


def cmd_query_action_table(args: argparse.Namespace) -> int:
    from . import database, output, query

    db = database.get()
    _print_note(db)
    if args.name:
        if args.service.lower() == query.ALL:
            from .errors import InputError

            raise InputError("--name needs one service, not --service all")
        detail = query.action_details(args.service, args.name, db)
        data = [detail]
        if args.access_level or args.resource_type or args.condition:
            names = query.action_names(detail["action"].split(":")[0], args.access_level, args.resource_type, args.condition, db)
            data = [detail] if detail["action"] in names else []
    else:
        data = query.action_names(args.service, args.access_level, args.resource_type, args.condition, db)
        if args.fmt == "table" and data:
            # One line per action, with both levels so overrides stay visible.
            data = [_action_row(query.action_details(*name.split(":", 1), db=db)) for name in data]
    if args.access_level:
        for item in query.overridden([d["action"] if isinstance(d, dict) else d for d in data], db):
            print(f"note: {item['action']} is documented as {item['documented_access_level']} but treated as "
                  f"{item['access_level']}: {item['override_reason']}", file=sys.stderr)
    output.emit(data, args.fmt)
    return 0


def _action_row(detail: dict) -> dict:
    return {
        "action": detail["action"],
        "access_level": detail["access_level"],
        "documented": detail["documented_access_level"] if detail["override_reason"] else "",
        "resource_types": [r["resource_type"] + ("*" if r["required"] else "") for r in detail["resource_types"]] or "*",
    }


def cmd_query_arn_table(args: argparse.Namespace) -> int:
    from . import database, output, query

    db = database.get()
    _print_note(db)
    rows = query.arn_table(args.service, args.name, db)
    if args.list_arn_types:
        data = {f"{r['service']}:{r['resource_type']}" if args.service.lower() == query.ALL else r["resource_type"]: r["arn_format"] for r in rows}
    else:
        data = rows
    output.emit(data, args.fmt)
    return 0


def cmd_query_condition_table(args: argparse.Namespace) -> int:
    from . import database, output, query

    db = database.get()
    _print_note(db)
    output.emit(query.condition_table(args.service, args.name, db), args.fmt)
    return 0


def cmd_query_service_table(args: argparse.Namespace) -> int:
    from . import database, output, query

    db = database.get()
    _print_note(db)
    output.emit(query.service_table(db), args.fmt)
    return 0


# --- policies -------------------------------------------------------------------------------


def cmd_write_policy(args: argparse.Namespace) -> int:
    from . import template as templates
    from .generate import dumps, generate

    loaded = templates.load(args.input_file)
    results = [generate(t, args.minimize, args.fit) for t in loaded]
    for result in results:
        for warning in result.warnings:
            print(f"{PROG}: warning: {warning}", file=sys.stderr)
        for note in result.notes:
            print(f"{PROG}: note: {note}", file=sys.stderr)
        if args.fit:
            sizes = ", ".join(str(s) for s in result.sizes)
            print(f"{PROG}: {result.name}: {len(result.policies)} polic{'y' if len(result.policies) == 1 else 'ies'} "
                  f"for --fit {args.fit}, size(s) without whitespace: {sizes}", file=sys.stderr)
    sys.stdout.write(_render_policies(results, args.fmt, bool(args.fit), dumps))
    return 0


def _render_policies(results: list, fmt: str, fit: bool, dumps) -> str:
    """One template: its policy (a list of policies with --fit). Several (legacy layout): name -> that."""

    def one(result):
        return result.policies if fit else result.policies[0]

    if len(results) == 1:
        data = one(results[0])
    else:
        names = _unique_names([r.name for r in results])
        data = {name: one(r) for name, r in zip(names, results)}
    if fmt == "terraform":
        if len(results) == 1:
            return dumps({"policy": dumps(data, pretty=False)}, pretty=False) + "\n"
        return dumps({name: dumps(value, pretty=False) for name, value in data.items()}, pretty=False) + "\n"
    if fmt == "yaml":
        from .output import to_yaml

        return to_yaml(data)
    return dumps(data)


def _unique_names(names: list[str]) -> list[str]:
    from .sid import unique

    return unique(names)


def cmd_terraform_external(args: argparse.Namespace) -> int:
    from .terraform_external import run

    return run(sys.stdin.buffer, sys.stdout.buffer, sys.stderr)


def cmd_write_policy_dir(args: argparse.Namespace) -> int:
    from .policy_dir import report, write_policy_dir

    summary = write_policy_dir(args.input_dir, args.output_dir, minimize=args.minimize, fit=args.fit,
                               recursive=args.recursive, prune=args.prune, jobs=args.jobs, progress=True)
    report(summary, sys.stderr)
    return 2 if summary.errors else 0


def cmd_create_template(args: argparse.Namespace) -> int:
    from .create_template import write_template

    write_template(args.output_file, args.template_type, force=args.force, name=args.name)
    if args.output_file != "-":
        print(f"{PROG}: wrote {args.template_type} template to {args.output_file}", file=sys.stderr)
    return 0


# --- database --------------------------------------------------------------------------------


def cmd_db_info(args: argparse.Namespace) -> int:
    from . import database, output, query

    db = database.get()
    _print_note(db)
    output.emit(query.info(db), args.fmt)
    return 0


def cmd_db_build(args: argparse.Namespace) -> int:
    from pathlib import Path

    from . import database
    from .initialize import build_from_folder

    report = build_from_folder(
        Path(args.docs_dir), Path(args.output), source_format=args.source,
        overrides=_overrides(args), baseline=Path(args.output) if Path(args.output).exists() else database.BUNDLED,
        allow_loss=args.allow_loss,
    )
    print("\n".join(report.lines()))
    return 0


def cmd_initialize(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .initialize import initialize

    report = initialize(
        docs_dir=Path(args.docs_dir) if args.docs_dir else None,
        fetch=args.fetch, source_format=args.source, base_url=args.base_url,
        overrides=_overrides(args), allow_loss=args.allow_loss,
        timeout=args.timeout, retries=args.retries,
    )
    print("\n".join(report.lines()))
    return 0


def _overrides(args: argparse.Namespace) -> list:
    from pathlib import Path

    from . import overrides

    rules = [] if args.no_bundled_overrides else overrides.project_overrides()
    if args.access_level_overrides_file:
        rules += overrides.load(Path(args.access_level_overrides_file))
    return rules


# --- parser ----------------------------------------------------------------------------------


def _fmt(parser: argparse.ArgumentParser, default: str = "json") -> None:
    parser.add_argument("--fmt", choices=("json", "yaml", "table"), default=default, help=f"output format (default: {default})")


def _build_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", choices=("auto", "html", "json"), default="auto",
                        help="format of the documentation: html pages or Service Reference json (default: auto-detect)")
    parser.add_argument("--access-level-overrides-file", metavar="FILE", help="YAML file of your own access-level overrides")
    parser.add_argument("--no-bundled-overrides", action="store_true", help="do not apply policy_tf's bundled overrides")
    parser.add_argument("--allow-loss", action="store_true",
                        help="build even if the new database loses more than 2%% of services or actions")


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        import argparse

        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        import argparse

        raise argparse.ArgumentTypeError(f"expected 0 or more, got {value}")
    return value


def _formatter_class():
    """argparse's HelpFormatter, minus its start-up cost.

    argparse builds a formatter for every add_argument and, left to itself, imports shutil just
    to read the terminal width; COLUMNS (or 80) is what shutil would fall back to here anyway.
    """
    import argparse
    import os

    class Formatter(argparse.HelpFormatter):
        def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
            columns = os.environ.get("COLUMNS", "")
            width = width or (int(columns) if columns.isdigit() else 80) - 2
            super().__init__(prog, indent_increment, max_help_position, width)

    return Formatter


def _add_query(p: argparse.ArgumentParser, only: str | None) -> None:
    tables = p.add_subparsers(dest="table", metavar="TABLE", prog=f"{PROG} query")
    tables.required = True
    if only not in ("action-table", "arn-table", "condition-table", "service-table"):
        only = None  # unknown or missing: build all, so argparse can list the choices
    if only in (None, "action-table"):
        t = tables.add_parser("action-table", help="actions of a service, filtered", formatter_class=p.formatter_class)
        t.add_argument("--service", required=True, help="service prefix, or 'all'")
        t.add_argument("--name", help="one action: show its details")
        t.add_argument("--access-level", choices=LEVEL_CHOICES, type=str.lower, help="effective access level")
        t.add_argument("--resource-type", help="resource type name, or '*' for actions that support only '*'")
        t.add_argument("--condition", help="condition key the action must support")
        _fmt(t)
        t.set_defaults(func=cmd_query_action_table)
    if only in (None, "arn-table"):
        t = tables.add_parser("arn-table", help="resource types and ARN formats of a service", formatter_class=p.formatter_class)
        t.add_argument("--service", required=True, help="service prefix, or 'all'")
        t.add_argument("--name", help="one resource type")
        t.add_argument("--list-arn-types", action="store_true", help="print only resource type -> ARN format")
        _fmt(t)
        t.set_defaults(func=cmd_query_arn_table)
    if only in (None, "condition-table"):
        t = tables.add_parser("condition-table", help="condition keys of a service", formatter_class=p.formatter_class)
        t.add_argument("--service", required=True, help="service prefix, or 'all'")
        t.add_argument("--name", help="one condition key")
        _fmt(t)
        t.set_defaults(func=cmd_query_condition_table)
    if only in (None, "service-table"):
        t = tables.add_parser("service-table", help="every service prefix and name", formatter_class=p.formatter_class)
        _fmt(t)
        t.set_defaults(func=cmd_query_service_table)


def _add_db(p: argparse.ArgumentParser, only: str | None) -> None:
    actions = p.add_subparsers(dest="db_command", metavar="ACTION", prog=f"{PROG} db")
    actions.required = True
    if only not in ("info", "build"):
        only = None
    if only in (None, "info"):
        t = actions.add_parser("info", help="which database is in use: path, source, build date, counts", formatter_class=p.formatter_class)
        _fmt(t, "yaml")
        t.set_defaults(func=cmd_db_info)
    if only in (None, "build"):
        t = actions.add_parser("build", help="build a database file from a documentation folder (maintainers: make db)", formatter_class=p.formatter_class)
        t.add_argument("--docs-dir", required=True, help="folder of HTML pages or Service Reference JSON")
        t.add_argument("--output", required=True, help="database file to write")
        _build_options(t)
        t.set_defaults(func=cmd_db_build)


def _add_write_policy(p: argparse.ArgumentParser, only: str | None) -> None:
    p.add_argument("--input-file", "-i", help="template file (YAML or JSON); standard input when omitted")
    p.add_argument("--minimize", "-m", nargs="?", const=0, type=_non_negative, metavar="N",
                   help="shorten actions to safe prefix wildcards (s3:Get*) of at least N characters (default 0)")
    p.add_argument("--fmt", choices=("json", "yaml", "terraform"), default="json",
                   help="json (default), yaml, or terraform: {\"policy\": \"<compact JSON>\"}")
    p.add_argument("--fit", choices=("managed", "inline-role", "inline-user", "inline-group"),
                   help="fit AWS's size limit: minimize, then split (managed) into several policies; prints a JSON list")
    p.set_defaults(func=cmd_write_policy)


def _add_write_policy_dir(p: argparse.ArgumentParser, only: str | None) -> None:
    p.add_argument("--input-dir", required=True, help="folder of templates (*.yml, *.yaml, *.json)")
    p.add_argument("--output-dir", required=True, help="folder for the policies: <template name>.json each")
    p.add_argument("--minimize", "-m", nargs="?", const=0, type=_non_negative, metavar="N",
                   help="shorten actions to safe prefix wildcards (s3:Get*) of at least N characters (default 0)")
    p.add_argument("--fit", choices=("managed", "inline-role", "inline-user", "inline-group"),
                   help="fit AWS's size limit, as for write-policy; each file holds a JSON list")
    p.add_argument("--recursive", "-r", action="store_true", help="templates in subfolders too, mirrored in the output folder")
    p.add_argument("--prune", action="store_true", help="delete policies in the output folder whose template is gone")
    p.add_argument("--jobs", "-j", type=_non_negative, default=0, metavar="N",
                   help="worker processes (default 0: automatic, one per CPU when enough templates changed)")
    p.set_defaults(func=cmd_write_policy_dir)


def _add_terraform_external(p: argparse.ArgumentParser, only: str | None) -> None:
    p.set_defaults(func=cmd_terraform_external)


def _add_create_template(p: argparse.ArgumentParser, only: str | None) -> None:
    p.add_argument("--output-file", "-o", required=True, help="file to write, or - for standard output")
    p.add_argument("--template-type", "-t", choices=("crud", "actions"), default="crud", help="crud (default) or actions")
    p.add_argument("--name", default="MyPolicy", help="the policy name written into the template")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=cmd_create_template)


def _add_initialize(p: argparse.ArgumentParser, only: str | None) -> None:
    p.add_argument("--docs-dir", help="documentation folder (default: $POLICY_TF_DOCS_DIR or ../shared/aws-docs)")
    p.add_argument("--fetch", action="store_true", help="download the current documentation first (network)")
    p.add_argument("--base-url", help="where to download from (HTML reference or Service Reference index URL)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default 30)")
    p.add_argument("--retries", type=int, default=4, help="retries per request, with backoff (default 4)")
    _build_options(p)
    p.set_defaults(func=cmd_initialize)


COMMANDS = {
    "query": ("query the IAM database", _add_query),
    "db": ("the IAM database itself", _add_db),
    "write-policy": ("write a least-privilege policy from a YAML template", _add_write_policy),
    "write-policy-dir": ("write a policy file for every template in a folder", _add_write_policy_dir),
    "terraform-external": ("for Terraform's data \"external\": query JSON on stdin, result JSON on stdout", _add_terraform_external),
    "create-template": ("write a commented template to fill in", _add_create_template),
    "initialize": ("build your own IAM database (in $POLICY_TF_HOME, default ~/.policy_tf)", _add_initialize),
}


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; given ``argv``, only the sub-parser of the command being run is built.

    Building all of them costs ~15 ms of argparse and gettext work, paid on every Terraform
    plan; the whole tree is built only when no known command is named (top-level help, typos).
    """
    words = [w for w in (argv or []) if not w.startswith("-")]
    command = words[0] if words and words[0] in COMMANDS else None
    sub = words[1] if command and len(words) > 1 else None
    import argparse

    Formatter = _formatter_class()
    parser = argparse.ArgumentParser(prog=PROG, description="Least-privilege AWS IAM policies for Terraform users.",
                                     formatter_class=Formatter)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    # An explicit prog keeps argparse from building a help formatter (and importing shutil) at start-up.
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", prog=PROG)
    commands.required = True
    for name, (help_text, add) in COMMANDS.items():
        if argv is None or command is None or name == command:
            add(commands.add_parser(name, help=help_text, formatter_class=Formatter), sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv == ["terraform-external"]:
        # Terraform runs this on every plan and it takes no options: argparse alone (with the
        # shutil, gettext and locale imports of its help formatter) would cost ~8 ms.
        return cmd_terraform_external(None)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except PolicyTfError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
