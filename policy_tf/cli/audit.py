"""audit: every finding, validity and risk, in policies, folders, account details, Terraform plans and .tf files."""
from __future__ import annotations

import os
import sys

from policy_tf.analysis.audit import FAIL_ON
from policy_tf.cli.common import info, one_stdin
from policy_tf.core.errors import PROG

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def _write(path: str, text) -> None:
    """Write the report whole or not at all (a CI step may upload whatever file is there)."""
    from policy_tf.core.atomic import write_text
    from policy_tf.core.errors import InputError

    try:
        write_text(path, text)
    except OSError as exc:
        raise InputError(f"{path}: cannot write the report: {exc.strerror or exc}") from None


def _root(given: str | None) -> str:
    """The folder report paths are relative to: --repo-root, else the git top level."""
    import os

    from policy_tf.analysis.report import repo_root
    from policy_tf.core.errors import InputError

    if given is None:
        return repo_root()
    if not os.path.isdir(given):
        raise InputError(f"--repo-root {given}: not a folder")
    return os.path.abspath(given)


def cmd_audit(args: argparse.Namespace) -> int:
    from policy_tf.analysis.accepted_findings import load
    from policy_tf.analysis.audit import audit, exit_status, failing, known_codes
    from policy_tf.analysis.checks import select_checks
    from policy_tf.analysis.report import chunks
    from policy_tf.core.errors import InputError

    one_stdin(args.paths)
    checks = select_checks(args.checks, args.skip_checks)
    codes = known_codes() if args.exclusions else None
    # --- access checks (issue 23): their codes may be excluded too ---
    from policy_tf.cli import audit_access

    if codes is not None:
        from policy_tf.analysis.access_checks import RULES

        codes |= set(RULES) | {rule[1] for rule in RULES.values()}
    # ---
    exclusions = load(args.exclusions, codes) if args.exclusions else []
    if args.tf_dir is not None and not os.path.isdir(args.tf_dir):
        raise InputError(f"--tf-dir {args.tf_dir}: not a folder")
    result = audit(args.paths, checks=checks or None, exclusions=exclusions, new_only=args.new_only,
                   config_dir=args.tf_dir)
    if args.tf_dir is None:
        _note_unplaced_plans(result)
    if audit_access.wanted(args):  # access checks (issue 23), before the baseline so it can hold them too
        audit_access.add_findings(result, args, exclusions)
    root = _root(args.repo_root)
    if args.baseline:
        from policy_tf.analysis import baseline

        baseline.apply(result, baseline.load(args.baseline), root, args.baseline)
    for message in result.errors:
        print(f"{PROG}: error: {message}", file=sys.stderr)
    if result.errors and not (result.policies or result.not_analyzed):
        raise InputError(f"nothing to audit: {len(result.errors)} bad input{'s' if len(result.errors) > 1 else ''}")
    pieces = chunks(result, args.fmt, root=root, fail_on=args.fail_on)
    if args.output:
        _write(args.output, pieces)
    else:
        from policy_tf.core.output import write_pieces

        write_pieces(sys.stdout, pieces)
    status = exit_status(result, args.fail_on)
    if args.write_baseline:
        from policy_tf.analysis import baseline

        _write(args.write_baseline, baseline.render(result, root))
        info(args, f"policy_tf audit: wrote {args.write_baseline}: {len(result.findings)} findings accepted as the "
                   "baseline")
        status = 2 if result.errors else 0
    if args.fmt != "text" or args.output:
        blocking = failing(result, args.fail_on)
        info(args, f"policy_tf audit: {len(result.findings)} findings, {len(blocking)} at or above {args.fail_on}; "
                   f"{len(result.not_analyzed)} policies not analyzed")
    return status


def _note_unplaced_plans(result) -> None:
    """A plan whose configuration is found neither beside it nor in the working folder has what
    is reported about it at line 1 of the plan: say so, and how to place it at the .tf lines."""
    plans = [path for path, kind in result.sources if kind == "terraform-plan"]
    if not plans:  # the plan reader is imported only for plans
        return
    from policy_tf.analysis.inputs.terraform_plan import configuration_folder_found

    reported = {f.file for f in result.findings} | {pair[0].file for pair in result.excluded} \
        | {n.file for n in result.not_analyzed}
    for path, kind in result.sources:
        if kind == "terraform-plan" and path in reported and not configuration_folder_found(path):
            print(f"{PROG}: note: {path}: no .tf files beside the plan or in the working folder, so what is "
                  "reported about it is placed at line 1 of the plan; --tf-dir DIR places it at the lines of "
                  "the configuration that produced it", file=sys.stderr)


def add_audit_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    from policy_tf.cli.common import add_output_file, add_quiet, path_arg  # '' is an error, not stdout

    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="policy JSON file, folder, account-authorization-details JSON, Terraform plan JSON "
                        "(terraform show -json) or .tf files; the kind is read from the content; "
                        "- reads standard input")
    p.add_argument("--fmt", choices=("text", "json", "sarif", "html", "junit", "codequality"), default="text",
                   help="output format (default: text); junit for any CI's test view, codequality for GitLab")
    p.add_argument("--repo-root", metavar="DIR", type=path_arg,
                   help="paths in sarif, junit and codequality reports are relative to DIR "
                        "(default: the git top level of the working folder)")
    add_output_file(p, "write the report to FILE instead of stdout")
    add_quiet(p)
    p.add_argument("--fail-on", choices=FAIL_ON,
                   default="security_warning",
                   help="exit 1 when a finding is at or above this severity (default: security_warning)")
    p.add_argument("--exclusions", metavar="FILE", type=path_arg,
                   help="YAML file of accepted findings, each with its reason (or a Cloudsplaining exclusions file)")
    p.add_argument("--checks", "--check", dest="checks", action="append", metavar="CODE[,CODE...]",
                   help="run only these checks: issue codes or categories (comma-separated; repeatable)")
    p.add_argument("--skip-check", dest="skip_checks", action="append", metavar="CODE[,CODE...]",
                   help="do not run these checks: issue codes or categories (comma-separated; repeatable)")
    p.add_argument("--baseline", metavar="FILE", type=path_arg,
                   help="findings recorded in this baseline are reported as excluded: only new ones fail")
    p.add_argument("--write-baseline", metavar="FILE", type=path_arg,
                   help="record every finding of this run in FILE (then exit 0), for --baseline")
    p.add_argument("--tf-dir", metavar="DIR", type=path_arg,
                   help="the Terraform configuration a plan JSON was made from, to place its findings at their "
                        ".tf lines (default: the plan's folder when it holds .tf files, else the working folder)")
    p.add_argument("--new-only", action="store_true",
                   help="for a plan: report only findings the prior state does not already have")
    from policy_tf.cli.audit_access import add_access_options  # access checks (issue 23)

    add_access_options(p)
    p.set_defaults(func=cmd_audit)
