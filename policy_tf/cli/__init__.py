"""Command-line interface: a thin layer over the library API.

Each command group lives in its own module, imported only when that command runs, so that
``--help``, ``--version`` and every single command pay only for what they use (Terraform runs
policy_tf on every plan).
"""
from __future__ import annotations

import io  # loaded by the interpreter for its own streams: free here
import sys

from policy_tf import __version__
from policy_tf.cli.common import PROG
from policy_tf.core.errors import PolicyTfError

TYPE_CHECKING = False  # argparse is imported where a parser is built, not at start-up
if TYPE_CHECKING:
    import argparse
    from typing import Any

# name -> (help, module under policy_tf.cli, function that fills the sub-parser)
COMMANDS = {
    "query": ("query the IAM database", "query", "add_parser"),
    "db": ("the IAM database itself", "db", "add_db_parser"),
    "write-policy": ("write a least-privilege policy from a YAML template", "write", "add_write_policy_parser"),
    "write-policy-dir": ("write a policy file for every template in a folder", "terraform",
                         "add_write_policy_dir_parser"),
    "terraform-external": ("for Terraform's data \"external\": query JSON on stdin, result JSON on stdout",
                           "terraform", "add_terraform_external_parser"),
    "create-template": ("write a commented template to fill in", "write", "add_create_template_parser"),
    "save-template": ("write a template from $POLICY_TF_TEMPLATE to a file (the template module's output_file)",
                      "terraform", "add_save_template_parser"),
    "download-policies": ("save an AWS account's policies and a manifest", "aws", "add_download_policies_parser"),
    "access-advisor": ("IAM Access Advisor usage per role, user and group (--tag writes usage tags)", "aws",
                       "add_access_advisor_parser"),
    "boundary": ("permissions boundaries from real usage: plan (dry run), apply, rollback", "aws",
                 "add_boundary_parser"),
    "usage-review": ("the usage review that runs in the account: package builds its Lambda zip", "review",
                     "add_usage_review_parser"),
    "generate-template": ("write templates from what principals did in CloudTrail logs", "cloudtrail",
                          "add_generate_template_parser"),
    "explain-denied": ("explain an AccessDenied message: which policy blocks, and the template change that fixes it",
                       "denied", "add_explain_denied_parser"),
    "initialize": ("build your own IAM database (in $POLICY_TF_HOME, default ~/.policy_tf)", "db",
                   "add_initialize_parser"),
    "analyze-iam-policy": ("the actions policy files allow, by access level or against a list", "analyze",
                           "add_analyze_parser"),
    "expand-policy": ("a policy with every wildcard expanded against the IAM database", "analyze", "add_expand_parser"),
    "audit": ("find validity and risk issues in policies, account details, Terraform plans and .tf files", "audit",
              "add_audit_parser"),
    "diff": ("the access NEW grants that OLD does not, and the other way round: policies, plans, .tf, account dumps",
             "diff", "add_diff_parser"),
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
    from policy_tf.cli.common import formatter_class
    from policy_tf.cli.startup import import_argparse

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
    """The console script and ``python -m policy_tf``: ``main()`` in a process of its own,
    with the start-up and shut-down tricks of policy_tf.cli.startup."""
    from policy_tf.cli import startup

    startup.tune_gc()
    _whole_stdout_writes()
    try:
        status = main()
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        try:
            sys.stdout.flush()
        except OSError as error:
            raise SystemExit(_stdout_failed(error) if exc.code in (0, None) else exc.code) from None
        except ValueError:
            pass
        raise
    try:
        sys.stdout.flush()
    except OSError as exc:  # a closed pipe, a full disk: what was buffered could not be written
        status = max(_stdout_failed(exc), status)  # said even when the command already failed (audit's exit 1)
    except ValueError:  # stdout closed by the command
        pass
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(status)
    startup.end(status)


def _whole_stdout_writes() -> None:
    """Standard output whose every write is complete or an error.

    A disk that fills up in the middle of a write takes part of it and says so only in the
    count; unbuffered (PYTHONUNBUFFERED), or for a write larger than its buffer, Python's buffered
    writer hands that short count to the text layer, which drops it, so the output would end
    cut off with exit 0. Writing the rest turns it into ENOSPC (EFBIG
    under a file size limit), which ends the run with one message, exit 1."""
    import os

    stream: Any = sys.stdout
    try:
        fd = stream.fileno()
        encoding, errors, line_buffering = stream.encoding, stream.errors, stream.line_buffering
        write_through = stream.write_through  # python -u, PYTHONUNBUFFERED (common in CI images)
    except (AttributeError, OSError, ValueError):  # no stream, or one of a caller's
        return
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(_WholeWrites(fd, "w", closefd=False)), encoding=encoding, errors=errors,
        newline="\n" if os.name != "nt" else None, line_buffering=line_buffering, write_through=write_through)


class _WholeWrites(io.FileIO):
    """A raw file writer whose ``write`` retries a short write until all is written (or it fails)."""

    def write(self, data) -> int | None:  # type: ignore[override]
        view = memoryview(data).cast("B")
        done = 0
        while done < len(view):
            written = super().write(view[done:])
            if written is None:  # a non-blocking stream that is not ready: the buffered writer retries
                return done or None
            done += written
        return done


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    try:
        if argv == ["terraform-external"]:
            # Terraform runs this on every plan and it takes no options: argparse alone (with the
            # shutil, gettext and locale imports of its help formatter) would cost ~8 ms.
            from policy_tf.cli.terraform import cmd_terraform_external

            return cmd_terraform_external(None)
        parser = build_parser(argv)
        args = parser.parse_args(argv)
        return args.func(args)
    except PolicyTfError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except ModuleNotFoundError as exc:
        from policy_tf.core.extras import missing_extra

        error = missing_extra(exc.name)
        if error is None:
            raise
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        if _stdout_broken(exc):
            return _stdout_failed(exc)
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"{PROG}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1


def _stdout_broken(exc: OSError) -> bool:
    """True when ``exc`` is standard output failing (closed pipe, full disk): every file policy_tf
    writes goes through ``atomic``, whose errors name their file; a failed write to the stream
    names none. Flushing again tells the rest (a buffer that a failed write emptied flushes fine)."""
    import errno

    if isinstance(exc, BrokenPipeError):
        return True
    if exc.filename is None and exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EIO, errno.EDQUOT):
        return True
    try:
        sys.stdout.flush()
    except OSError:
        return True
    except ValueError:  # closed
        return False
    return False


def _stdout_failed(exc: OSError) -> int:
    """One message for output that could not be written, and no second failure (or "Exception
    ignored") when the interpreter flushes standard output again at exit."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    reason = "the reader went away" if isinstance(exc, BrokenPipeError) else (exc.strerror or str(exc))
    print(f"{PROG}: error: cannot write to standard output: {reason}; the output is incomplete", file=sys.stderr)
    return 1
