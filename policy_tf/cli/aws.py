"""Commands that act on live AWS accounts: download-policies, access-advisor, boundary."""
from __future__ import annotations

import sys

from policy_tf.cli.common import (
    add_jobs,
    add_output_dir,
    add_output_file,
    add_quiet,
    name_arg,
    non_negative,
    path_arg,
    region_arg,
    show_progress,
    source_arg,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


# --- shared -------------------------------------------------------------------------------------

def _add_account_arguments(p: argparse.ArgumentParser, org: bool = True) -> None:
    p.add_argument("--profile", type=name_arg, help="AWS profile (default: boto3's standard credential chain)")
    p.add_argument("--region", type=region_arg, help="AWS region (IAM is global; this picks the STS endpoint)")
    if org:
        group = p.add_mutually_exclusive_group()
        group.add_argument("--accounts", metavar="FILE", type=path_arg,
                           help="run in each account listed in FILE (12-digit IDs, one a line)")
        group.add_argument("--org", action="store_true",
                           help="run in every ACTIVE account of the caller's organization")
        p.add_argument("--assume-role-name", metavar="NAME", type=name_arg,
                       help="role assumed in each account for --accounts / --org (e.g. OrganizationAccountAccessRole)")
        p.add_argument("--max-accounts", type=non_negative, default=4, metavar="N",
                       help="accounts worked on at the same time (default 4)")
    p.add_argument("--log-format", choices=("text", "json"), default="text",
                   help="stderr events as text lines (default) or one JSON object each (msgtype, entity_type, "
                        "entity_name, service, authenticated_entities, message)")


def _log(args: argparse.Namespace):
    from policy_tf.aws.eventlog import EventLog

    return EventLog(getattr(args, "log_format", "text"), quiet=getattr(args, "quiet", False))


def _read_list(args: argparse.Namespace, source: str | None, what: str) -> list[str]:
    """A list file or s3:// object (read before any change; the S3 client from --profile/--region)."""
    if not source:
        return []
    from policy_tf.aws.entities import read_name_list

    boto_session = None
    if source.startswith("s3://"):
        from policy_tf.aws.session import session

        boto_session = session(args.profile, args.region)
    return read_name_list(source, what, boto_session)


def _in_accounts(args: argparse.Namespace, work):
    """Run ``work(session, account)`` in the selected accounts; print the per-account summary."""
    from policy_tf.aws.org import run_accounts, selected_accounts
    from policy_tf.aws.session import session

    base = session(args.profile, args.region)
    accounts = selected_accounts(base, args.accounts, args.org, args.assume_role_name)
    results = run_accounts(base, accounts, args.assume_role_name, work, workers=args.max_accounts)
    if accounts is not None:
        failed = [r for r in results if r.error]
        log = _log(args)
        log.summary(f"accounts: {len(results) - len(failed)} done, {len(failed)} failed",
                    accounts=len(results), failed=len(failed))
        for result in results:
            event = log.error if result.error else log.detail
            event(f"  {result.account}: {'FAILED: ' + result.error if result.error else 'ok'}", account=result.account)
    return results


def _org_mode(args: argparse.Namespace) -> bool:
    """True with --accounts or --org: many accounts, each reported under its ID."""
    return bool(args.accounts or args.org)


def _aws_errors(function):
    """Turn an AWS error of a single-account run into one clear message (exit 1), not a traceback."""
    import functools

    @functools.wraps(function)
    def wrapper(args):
        from botocore.exceptions import BotoCoreError, ClientError

        from policy_tf.aws.session import error_message
        from policy_tf.core.errors import PolicyTfError

        try:
            return function(args)
        except PolicyTfError:
            raise  # already one clear message (an OutputError is also an OSError)
        except (BotoCoreError, ClientError) as exc:
            raise PolicyTfError(f"AWS: {error_message(exc)}") from None
        except ValueError as exc:  # botocore's own checks, e.g. an endpoint URL it cannot use
            raise PolicyTfError(f"AWS: {exc}") from None
        except OSError as exc:  # a file that cannot be written; standard output's own failures go to main()
            if not exc.filename:
                raise
            raise PolicyTfError(f"{exc.filename}: {exc.strerror or exc}") from None

    return wrapper


# --- download-policies --------------------------------------------------------------------------

@_aws_errors
def cmd_download_policies(args: argparse.Namespace) -> int:
    from policy_tf.aws.download import download_policies

    def work(boto_session, account):
        return download_policies(boto_session, args.output_dir, aws_managed=args.aws_managed,
                                 include_unattached=args.include_unattached, all_versions=args.all_versions,
                                 save_authorization_details=args.authorization_details, progress=show_progress(args))

    results = _in_accounts(args, work)
    log = _log(args)
    problems = 0
    for result in results:
        if result.result is not None:
            for problem in result.result.problems:
                log.error(f"{result.result.account}: AWS's answer: {problem}", account=result.result.account)
            problems += len(result.result.problems)
            log.summary(result.result.line(), account=result.account)
    return 1 if problems or any(r.error for r in results) else 0


def add_download_policies_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    add_output_dir(p, "folder for the files: <account>/... inside it", required=True)
    add_quiet(p, progress=True)
    p.add_argument("--aws-managed", action="store_true", help="AWS-managed policies too")
    p.add_argument("--include-unattached", action="store_true", help="managed policies attached to nothing too")
    p.add_argument("--all-versions", action="store_true",
                   help="every version of managed policies, not only the default (<name>.versions/<id>.json)")
    p.add_argument("--authorization-details", action="store_true",
                   help="also save account-authorization-details.json, as `aws iam get-account-authorization-details` "
                        "prints it (what `audit` reads)")
    _add_account_arguments(p)
    p.set_defaults(func=cmd_download_policies)


# --- access-advisor -----------------------------------------------------------------------------

def _positive_days(text: str) -> int:
    import argparse

    from policy_tf.aws.advisor import TRACKING_DAYS

    value = non_negative(text)
    if not 1 <= value <= TRACKING_DAYS:
        raise argparse.ArgumentTypeError(f"expected 1 to {TRACKING_DAYS} days (AWS keeps {TRACKING_DAYS} days of data)")
    return value


def _add_job_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--days", type=_positive_days, default=90, metavar="N",
                   help="a service counts as used if accessed within N days (default 90, at most 400)")
    p.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS",
                   help="give up on a job that has not completed after this long (default 300)")
    p.add_argument("--max-data-age", type=float, default=24.0, metavar="HOURS",
                   help="refuse Access Advisor data older than this (default 24)")
    add_jobs(p, "entities whose jobs run at the same time, per account (default 8)", default=8, old=("--workers",))
    add_quiet(p, progress=True)


def _jobs(boto_session, kinds, args, granularity: str):
    import datetime

    from policy_tf.aws.advisor import run_jobs, utcnow
    from policy_tf.aws.entities import list_entities
    from policy_tf.aws.session import client

    iam = client("iam", boto_session=boto_session)
    entities = list_entities(iam, kinds)
    jobs = run_jobs(iam, entities, granularity, workers=args.jobs, progress=show_progress(args), timeout=args.timeout,
                    max_age_hours=args.max_data_age, used_since=utcnow() - datetime.timedelta(days=args.days))
    return iam, jobs


@_aws_errors
def cmd_access_advisor(args: argparse.Namespace) -> int:
    from policy_tf.aws.advisor import report
    from policy_tf.aws.advisor_render import to_html, to_table
    from policy_tf.aws.entities import parse_kinds
    from policy_tf.aws.eventlog import advisor_events
    from policy_tf.aws.session import caller_identity
    from policy_tf.aws.tags import tag_entities
    from policy_tf.core.output import to_json

    kinds = parse_kinds(args.entities)
    do_not_tag = _read_list(args, args.do_not_tag, "do-not-tag list")
    log = _log(args)
    granularity = "ACTION_LEVEL" if args.granularity == "action" else "SERVICE_LEVEL"

    def work(boto_session, account):
        account = account or caller_identity(boto_session)["Account"]
        iam, jobs = _jobs(boto_session, kinds, args, granularity)
        result = report(jobs, args.days, granularity, account)
        if args.tag:
            result["tagging"] = [vars(o) for o in tag_entities(iam, result, do_not_tag)]
        return result

    results = _in_accounts(args, work)
    reports = [r.result for r in results if r.result is not None]
    if args.fmt == "json":
        sys.stdout.write(to_json(reports[0] if not _org_mode(args) and reports else {"accounts": reports}))
    else:
        render = to_table if args.fmt == "table" else to_html
        for result in reports:
            if args.fmt == "table" and _org_mode(args):
                sys.stdout.write(f"# account {result['account']}\n")
            sys.stdout.write(render(result))
    failed = sum(advisor_events(log, result) for result in reports)
    return 1 if failed or any(r.error for r in results) else 0


def add_access_advisor_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    _add_job_arguments(p)
    p.add_argument("--granularity", choices=("service", "action"), default="action",
                   help="action (default): per-action use where AWS tracks it; service: services only")
    p.add_argument("--entities", default="roles,users,groups", metavar="KINDS",
                   help="which entities: any of roles,users,groups (default all three)")
    p.add_argument("--fmt", choices=("json", "table", "html"), default="json", help="output format (default json)")
    p.add_argument("--tag", action="store_true",
                   help="write usage tags (policy_tf:coverage-percent, ...) on each role and user")
    p.add_argument("--do-not-tag", metavar="FILE", type=source_arg,
                   help="names, ARNs or globs (one a line) never to tag; a path or s3://BUCKET/KEY")
    _add_account_arguments(p)
    p.set_defaults(func=cmd_access_advisor)


# --- boundary plan | apply | rollback -----------------------------------------------------------

def _actions_file(args: argparse.Namespace, source: str, what: str) -> list[str]:
    return _checked_actions(_read_list(args, source, what), f"{what} {source}")


def _checked_actions(actions: list[str], where: str) -> list[str]:
    from policy_tf.aws.entities import checked_actions

    return checked_actions(actions, where)


@_aws_errors
def cmd_boundary_plan(args: argparse.Namespace) -> int:
    from pathlib import Path

    from policy_tf.aws.boundary import BASE_ACTIONS
    from policy_tf.aws.eventlog import entity_fields
    from policy_tf.aws.plan import PlanOptions, new_plan, plan_account, plan_lines, write_terraform_dir
    from policy_tf.aws.records import seal
    from policy_tf.aws.session import caller_identity, session
    from policy_tf.core.atomic import check_target, write_bytes
    from policy_tf.core.errors import InputError

    keep = _checked_actions([a.strip() for a in (args.keep or "").split(",") if a.strip()], "--keep")
    if args.always_keep:
        keep += _actions_file(args, args.always_keep, "always-keep file")
    log = _log(args)
    try:  # before the account work, not after it
        Path(args.output).resolve().parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--output {args.output}: cannot create its folder: {exc.strerror or exc}") from None
    check_target(args.output)  # a link, device or folder there is refused now, not after the account work
    options = PlanOptions(days=args.days, min_age_days=args.min_age_days, keep=keep,
                          base=_actions_file(args, args.base_actions, "base actions file") if args.base_actions
                          else list(BASE_ACTIONS),
                          exceptions=_read_list(args, args.exceptions, "exceptions file"),
                          replace_foreign=args.replace_foreign, max_data_age=args.max_data_age, timeout=args.timeout,
                          workers=args.jobs, progress=show_progress(args))
    results = _in_accounts(args, lambda boto_session, account: plan_account(boto_session, options, account))
    planner = caller_identity(session(args.profile, args.region))["Account"]
    plan = new_plan(options, [r.result for r in results if r.result is not None], args.assume_role_name, planner)
    write_bytes(args.output, seal(plan))
    lines = plan_lines(plan)
    for line in lines:
        (log.error if line.failed else log.detail)(line.message, **entity_fields(line.arn, line.type),
                                                   status=line.status, account=line.account)
    attach = sum(line.status == "attach" for line in lines)
    errors = sum(line.failed for line in lines)
    log.summary(f"plan written to {args.output}: {attach} boundaries to attach (dry run: nothing changed; "
                f"`policy_tf boundary apply {args.output}` carries it out)", planned=attach, errors=errors,
                plan=str(args.output))
    if args.output_dir:
        files = write_terraform_dir(plan, args.output_dir)
        log.summary(f"{len(files)} boundary policy files and map.json written to {args.output_dir}", files=len(files))
    return 1 if errors or any(r.error for r in results) else 0


def _apply_sessions(args, document: dict):
    """(account, session) for each account of a plan or journal: assumed roles when it ran in org mode."""
    from policy_tf.aws.session import assumed_session, session

    base = session(args.profile, args.region)
    role = document.get("assume_role_name")
    for account in document["accounts"]:
        yield account, (assumed_session(base, account["account"], role) if role else base)


def _check_account(boto_session, expected: str, what: str) -> None:
    """InputError unless the credentials are for ``expected``, the account the plan or journal belongs to."""
    from policy_tf.aws.session import caller_identity
    from policy_tf.core.errors import InputError

    found = caller_identity(boto_session)["Account"]
    if found != expected:
        raise InputError(f"the {what} belongs to account {expected}, but these credentials are for {found}: refused")


@_aws_errors
def cmd_boundary_apply(args: argparse.Namespace) -> int:
    import os

    from policy_tf.aws.advisor import utcnow
    from policy_tf.aws.apply import Journal, JournalError, apply_account, default_journal, parse_plan
    from policy_tf.aws.records import FileStore
    from policy_tf.aws.session import error_message, session
    from policy_tf.core.errors import InputError

    # Every check that needs no AWS call first, then the account; the journal file is made only
    # when the first change is about to happen.
    plan = parse_plan(FileStore("").read(args.plan), args.plan, utcnow(), args.max_plan_age)
    base = args.journal or default_journal(args.plan)
    folder, name = os.path.split(base)
    journal = Journal(FileStore(folder), name, plan, args.plan, plan["account"])
    _check_account(session(args.profile, args.region), plan["account"], "plan")
    from policy_tf.aws.eventlog import entity_fields

    log = _log(args)
    problems = 0
    for account, boto_session in _apply_sessions(args, plan):
        try:
            outcomes = apply_account(boto_session, account, journal)
        except JournalError:
            raise
        except Exception as exc:
            if isinstance(exc, InputError) and len(plan["accounts"]) == 1:
                raise
            log.error(f"{account['account']}: FAILED: {error_message(exc)}", account=account["account"])
            problems += 1
            continue
        for outcome in outcomes:
            problems += outcome["status"] != "applied"
            log.detail(f"{outcome['status']:<8} "
                       f"{outcome['arn']}{': ' + outcome['message'] if outcome['message'] else ''}",
                       **entity_fields(outcome["arn"]), status=outcome["status"])
    if journal.created:
        log.summary(f"rollback journal: {journal.path} (`policy_tf boundary rollback {journal.path}` undoes this)",
                    journal=str(journal.path), problems=problems)
    else:
        log.summary("nothing was changed: no journal written", problems=problems)
    return 1 if problems else 0


@_aws_errors
def cmd_boundary_rollback(args: argparse.Namespace) -> int:
    import os

    from policy_tf.aws.apply import parse_journal, rollback_account
    from policy_tf.aws.eventlog import entity_fields
    from policy_tf.aws.records import FileStore, latest_journal
    from policy_tf.aws.session import session
    from policy_tf.core.errors import InputError

    log = _log(args)
    if args.journal.startswith("s3://"):  # a usage-review run's journal, read back from its bucket
        from policy_tf.aws.review import rollback

        result = rollback(session(args.profile, args.region), args.journal, log)
        return 1 if result["problems"] else 0
    path = args.journal
    if args.latest:
        folder, base = os.path.split(path)
        name = latest_journal(base, FileStore(folder).names())
        if name is None:
            raise InputError(f"no journal of the series {path} (nor {path[:-5] if path.endswith('.json') else path}"
                             ".N.json) was found")
        path = os.path.join(folder, name)
        log.detail(f"rolling back {path}, the latest journal of the series", journal=path)
    journal = parse_journal(FileStore("").read(path), path)
    _check_account(session(args.profile, args.region), journal["account"], "journal")
    problems = 0
    for account, boto_session in _apply_sessions(args, journal):
        for outcome in rollback_account(boto_session, account):
            problems += outcome["status"] not in ("rolled back", "unchanged")
            log.detail(f"{outcome['status']:<11} "
                       f"{outcome['arn']}{': ' + outcome['message'] if outcome['message'] else ''}",
                       **entity_fields(outcome["arn"]), status=outcome["status"])
    return 1 if problems else 0


def _duration(text: str):
    """A time span: a number of days, or a number with d, h or m (7d, 36h, 90m)."""
    import argparse
    import datetime
    import re

    found = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([dhm]?)\s*", text)
    if not found:
        raise argparse.ArgumentTypeError(f"expected a time span such as 7d, 36h or 90m, got {text!r}")
    unit = {"": "days", "d": "days", "h": "hours", "m": "minutes"}[found.group(2)]
    try:
        span = datetime.timedelta(**{unit: float(found.group(1))})
    except OverflowError:
        span = datetime.timedelta.max
    if span > datetime.timedelta(days=36525):
        raise argparse.ArgumentTypeError(f"expected at most 100 years, got {text!r}")
    return span


def add_boundary_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    from policy_tf.cli.common import formatter_class

    steps = p.add_subparsers(dest="step", metavar="STEP")
    steps.required = True
    Formatter = formatter_class()
    if only in (None, "plan"):
        plan = steps.add_parser("plan", formatter_class=Formatter,
                                help="dry run (always the first step): write the boundaries usage calls for "
                                     "to a plan file")
        add_output_file(plan, "the plan file to write (JSON)", required=True, metavar="PLAN")
        _add_job_arguments(plan)
        plan.add_argument("--base-actions", metavar="FILE", type=source_arg,
                          help="actions for entities that used nothing (one a line; default sts:GetCallerIdentity); "
                               "a path or s3://BUCKET/KEY")
        plan.add_argument("--exceptions", metavar="FILE", type=source_arg,
                          help="names, ARNs or globs (one a line) to leave alone; a path or s3://BUCKET/KEY")
        plan.add_argument("--always-keep", metavar="FILE", type=source_arg,
                          help="actions every boundary keeps (one a line), added to --keep; a path or s3://BUCKET/KEY")
        plan.add_argument("--keep", metavar="ACTIONS", help="comma-separated actions every boundary keeps "
                                                            "(added to the built-in iam:PassRole)")
        plan.add_argument("--min-age-days", type=non_negative, metavar="N",
                          help="leave alone entities younger than N days (default: --days)")
        plan.add_argument("--replace-foreign", action="store_true",
                          help="replace existing boundaries that policy_tf did not write")
        add_output_dir(plan, "also write each boundary as DIR/policies/<name>.json and DIR/map.json, for "
                             "Terraform's policies-dir module")
        _add_account_arguments(plan)
        plan.set_defaults(func=cmd_boundary_plan)
    if only in (None, "apply"):
        apply = steps.add_parser("apply", formatter_class=Formatter, help="carry out exactly a plan")
        apply.add_argument("plan", metavar="PLAN", type=path_arg, help="a plan written by boundary plan")
        apply.add_argument("--journal", metavar="FILE", type=path_arg,
                           help="rollback journal (default: <plan>.journal.json); never overwritten: a later run "
                                "writes FILE's next name (<name>.2.json, ...)")
        apply.add_argument("--max-plan-age", type=_duration, default="7d", metavar="AGE",
                           help="refuse a plan older than AGE (days, or 36h, 90m; default 7d)")
        _add_account_arguments(apply, org=False)
        add_quiet(apply)
        apply.set_defaults(func=cmd_boundary_apply)
    if only in (None, "rollback"):
        rollback = steps.add_parser("rollback", formatter_class=Formatter,
                                    help="restore the boundaries a journal recorded (or none)")
        rollback.add_argument("journal", metavar="JOURNAL", type=source_arg,
                              help="a journal written by boundary apply, or s3://BUCKET/KEY of a usage-review run's")
        rollback.add_argument("--latest", action="store_true",
                              help="roll back the newest journal of JOURNAL's series (JOURNAL, JOURNAL's .2, .3...)")
        _add_account_arguments(rollback, org=False)
        add_quiet(rollback)
        rollback.set_defaults(func=cmd_boundary_rollback)
