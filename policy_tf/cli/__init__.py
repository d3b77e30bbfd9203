"""Command-line interface: a thin layer over the library API.

Each command group lives in its own module, imported only when that command runs, so that
``--help``, ``--version`` and every single command pay only for what they use (Terraform runs
policy_tf on every plan).
"""
from __future__ import annotations

import sys

from policy_tf import __version__
from policy_tf.cli.common import PROG
from policy_tf.errors import PolicyTfError

TYPE_CHECKING = False  # argparse is imported where a parser is built, not at start-up
if TYPE_CHECKING:
    import argparse

# name -> (help, module under policy_tf.cli, function that fills the sub-parser)
COMMANDS = {
    "query": ("query the IAM database", "query", "add_parser"),
    "db": ("the IAM database itself", "db", "add_db_parser"),
    "write-policy": ("write a least-privilege policy from a YAML template", "write", "add_write_policy_parser"),
    "write-policy-dir": ("write a policy file for every template in a folder", "terraform", "add_write_policy_dir_parser"),
    "terraform-external": ("for Terraform's data \"external\": query JSON on stdin, result JSON on stdout",
                           "terraform", "add_terraform_external_parser"),
    "create-template": ("write a commented template to fill in", "write", "add_create_template_parser"),
    "save-template": ("write a template from $POLICY_TF_TEMPLATE to a file (the template module's output_file)",
                      "terraform", "add_save_template_parser"),
    "download-policies": ("save an AWS account's policies and a manifest", "aws", "add_download_policies_parser"),
    "access-advisor": ("IAM Access Advisor usage per role, user and group (--tag writes usage tags)", "aws",
                       "add_access_advisor_parser"),
    "boundary": ("permissions boundaries from real usage: plan (dry run), apply, rollback", "aws", "add_boundary_parser"),
    "generate-template": ("write templates from what principals did in CloudTrail logs", "cloudtrail", "add_generate_template_parser"),
    "initialize": ("build your own IAM database (in $POLICY_TF_HOME, default ~/.policy_tf)", "db", "add_initialize_parser"),
    "analyze-iam-policy": ("the actions policy files allow, by access level or against a list", "analyze", "add_analyze_parser"),
    "expand-policy": ("a policy with every wildcard expanded against the IAM database", "analyze", "add_expand_parser"),
    "audit": ("find validity and risk issues in policies, account details, Terraform plans and .tf files", "audit", "add_audit_parser"),
    "completion": ("print a shell completion script (bash, zsh or fish)", "completion", "add_completion_parser"),
}


def _adder(module: str, function: str):
    import importlib

    return getattr(importlib.import_module(f"policy_tf.cli.{module}"), function)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; given ``argv``, only the sub-parser of the command being run is built.

    Building all of them costs ~15 ms of argparse and gettext work, paid on every Terraform
    plan; the whole tree is built only when no known command is named (top-level help, typos).
    """
    words = [w for w in (argv or []) if not w.startswith("-")]
    command = words[0] if words and words[0] in COMMANDS else None
    sub = words[1] if command and len(words) > 1 else None
    from policy_tf.cli.common import formatter_class, import_argparse

    argparse = import_argparse()

    Formatter = formatter_class()
    parser = argparse.ArgumentParser(prog=PROG, description="Least-privilege AWS IAM policies for Terraform users.",
                                     formatter_class=Formatter)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    # An explicit prog keeps argparse from building a help formatter (and importing shutil) at start-up.
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", prog=PROG)
    commands.required = True
    for name, (help_text, module, function) in COMMANDS.items():
        if argv is None or command is None or name == command:
            _adder(module, function)(commands.add_parser(name, help=help_text, formatter_class=Formatter), sub)
    return parser


def run() -> None:
    """The console script and ``python -m policy_tf``: ``main()`` in a process of its own.

    Young objects are collected less often (an audit allocates millions that stay alive to
    the end), and when nothing is left to run at exit (no atexit callback, no other thread)
    the process ends without tearing the interpreter down: freeing every object of a large
    audit costs time nobody waits for. mypy ends its runs the same way.
    """
    import gc
    import os

    gc.set_threshold(50_000, 20, 100)
    status = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: let the normal exit report nothing more
        sys.exit(status)
    threading = sys.modules.get("threading")
    if _exit_callbacks() == 0 and (threading is None or threading.active_count() == 1):
        os._exit(status)
    sys.exit(status)


def _exit_callbacks() -> int:
    """How many atexit callbacks are registered (weakref.finalize, logging, multiprocessing
    register theirs); -1 when the interpreter does not tell."""
    import atexit

    count = getattr(atexit, "_ncallbacks", None)
    return count() if count is not None else -1


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv == ["terraform-external"]:
        # Terraform runs this on every plan and it takes no options: argparse alone (with the
        # shutil, gettext and locale imports of its help formatter) would cost ~8 ms.
        from policy_tf.cli.terraform import cmd_terraform_external

        return cmd_terraform_external(None)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except PolicyTfError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except ModuleNotFoundError as exc:
        from policy_tf.extras import missing_extra

        error = missing_extra(exc.name)
        if error is None:
            raise
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
