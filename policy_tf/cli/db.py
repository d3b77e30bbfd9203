"""db and initialize: the IAM database itself."""
from __future__ import annotations

from policy_tf.cli.common import PROG, add_fmt, path_arg, print_note

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def cmd_db_info(args: argparse.Namespace) -> int:
    from policy_tf import output
    from policy_tf.iamdb import database, query

    db = database.get()
    print_note(db)
    output.emit(query.info(db), args.fmt)
    return 0


def cmd_db_build(args: argparse.Namespace) -> int:
    from pathlib import Path

    from policy_tf.iamdb import database
    from policy_tf.iamdb.initialize import build_from_folder

    report = build_from_folder(
        Path(args.docs_dir), Path(args.output), source_format=args.source,
        overrides=_overrides(args), baseline=Path(args.output) if Path(args.output).exists() else database.BUNDLED,
        allow_loss=args.allow_loss,
    )
    print("\n".join(report.lines()))
    return 0


def cmd_initialize(args: argparse.Namespace) -> int:
    from pathlib import Path

    from policy_tf.iamdb.initialize import initialize

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

    from policy_tf.iamdb import overrides

    rules = [] if args.no_bundled_overrides else overrides.project_overrides()
    if args.access_level_overrides_file:
        rules += overrides.load(Path(args.access_level_overrides_file))
    return rules


def _build_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", choices=("auto", "html", "json"), default="auto",
                        help="format of the documentation: html pages or Service Reference json (default: auto-detect)")
    parser.add_argument("--access-level-overrides-file", metavar="FILE", type=path_arg, help="YAML file of your own access-level overrides")
    parser.add_argument("--no-bundled-overrides", action="store_true", help="do not apply policy_tf's bundled overrides")
    parser.add_argument("--allow-loss", action="store_true",
                        help="build even if the new database loses more than 2%% of services or actions")


def add_db_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    actions = p.add_subparsers(dest="db_command", metavar="ACTION", prog=f"{PROG} db")
    actions.required = True
    if only not in ("info", "build"):
        only = None
    if only in (None, "info"):
        t = actions.add_parser("info", help="which database is in use: path, source, build date, counts", formatter_class=p.formatter_class)
        add_fmt(t, "yaml")
        t.set_defaults(func=cmd_db_info)
    if only in (None, "build"):
        t = actions.add_parser("build", help="build a database file from a documentation folder (maintainers: make db)", formatter_class=p.formatter_class)
        t.add_argument("--docs-dir", required=True, type=path_arg, help="folder of HTML pages or Service Reference JSON")
        t.add_argument("--output", required=True, type=path_arg, help="database file to write")
        _build_options(t)
        t.set_defaults(func=cmd_db_build)


def add_initialize_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    p.add_argument("--docs-dir", type=path_arg, help="documentation folder (default: $POLICY_TF_DOCS_DIR or ../shared/aws-docs)")
    p.add_argument("--fetch", action="store_true", help="download the current documentation first (network)")
    p.add_argument("--base-url", help="where to download from (HTML reference or Service Reference index URL)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default 30)")
    p.add_argument("--retries", type=int, default=4, help="retries per request, with backoff (default 4)")
    _build_options(p)
    p.set_defaults(func=cmd_initialize)
