"""Commands that act on live AWS accounts: download-policies, access-advisor, boundary."""
from __future__ import annotations

import sys

from policy_tf.cli.common import name_arg, non_negative, path_arg, region_arg

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


# --- shared -------------------------------------------------------------------------------------

def _add_account_arguments(p: argparse.ArgumentParser, org: bool = True) -> None:
    p.add_argument("--profile", type=name_arg, help="AWS profile (default: boto3's standard credential chain)")
    p.add_argument("--region", type=region_arg, help="AWS region (IAM is global; this picks the STS endpoint)")
    if org:
        group = p.add_mutually_exclusive_group()
        group.add_argument("--accounts", metavar="FILE", type=path_arg, help="run in each account listed in FILE (12-digit IDs, one a line)")
        group.add_argument("--org", action="store_true", help="run in every ACTIVE account of the caller's organization")
        p.add_argument("--assume-role-name", metavar="NAME", type=name_arg,
                       help="role assumed in each account for --accounts / --org (e.g. OrganizationAccountAccessRole)")
        p.add_argument("--max-accounts", type=non_negative, default=4, metavar="N",
                       help="accounts worked on at the same time (default 4)")


def _in_accounts(args: argparse.Namespace, work):
    """Run ``work(session, account)`` in the selected accounts; print the per-account summary."""
    from policy_tf.aws.org import run_accounts, selected_accounts
    from policy_tf.aws.session import session

    base = session(args.profile, args.region)
    accounts = selected_accounts(base, args.accounts, args.org, args.assume_role_name)
    results = run_accounts(base, accounts, args.assume_role_name, work, workers=args.max_accounts)
    if accounts is not None:
        failed = [r for r in results if r.error]
        print(f"accounts: {len(results) - len(failed)} done, {len(failed)} failed", file=sys.stderr)
        for result in results:
            print(f"  {result.account}: {'FAILED: ' + result.error if result.error else 'ok'}", file=sys.stderr)
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
        from policy_tf.errors import PolicyTfError

        try:
            return function(args)
        except (BotoCoreError, ClientError) as exc:
            raise PolicyTfError(f"AWS: {error_message(exc)}") from None
        except ValueError as exc:  # botocore's own checks, e.g. an endpoint URL it cannot use
            raise PolicyTfError(f"AWS: {exc}") from None
        except OSError as exc:  # an output folder or file that cannot be written
            raise PolicyTfError(f"{exc.filename or ''}: {exc.strerror or exc}") from None

    return wrapper


# --- download-policies --------------------------------------------------------------------------

@_aws_errors
def cmd_download_policies(args: argparse.Namespace) -> int:
    from policy_tf.aws.download import download_policies

    def work(boto_session, account):
        return download_policies(boto_session, args.output_dir, aws_managed=args.aws_managed,
                                 include_unattached=args.include_unattached, all_versions=args.all_versions,
                                 save_authorization_details=args.authorization_details, progress=True)

    results = _in_accounts(args, work)
    for result in results:
        if result.result is not None:
            print(result.result.line(), file=sys.stderr)
    return 1 if any(r.error for r in results) else 0


def add_download_policies_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    p.add_argument("--output-dir", required=True, type=path_arg, help="folder for the files: <account>/... inside it")
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
    p.add_argument("--workers", type=non_negative, default=8, metavar="N",
                   help="entities whose jobs run at the same time, per account (default 8)")


def _jobs(boto_session, kinds, args, granularity: str):
    import datetime

    from policy_tf.aws.advisor import run_jobs, utcnow
    from policy_tf.aws.entities import list_entities
    from policy_tf.aws.session import client

    iam = client("iam", boto_session=boto_session)
    entities = list_entities(iam, kinds)
    jobs = run_jobs(iam, entities, granularity, workers=args.workers, progress=True, timeout=args.timeout,
                    max_age_hours=args.max_data_age, used_since=utcnow() - datetime.timedelta(days=args.days))
    return iam, jobs


@_aws_errors
def cmd_access_advisor(args: argparse.Namespace) -> int:
    from policy_tf.aws.advisor import report
    from policy_tf.aws.advisor_render import to_html, to_table
    from policy_tf.aws.entities import parse_kinds, read_name_list
    from policy_tf.aws.session import caller_identity
    from policy_tf.aws.tags import tag_entities
    from policy_tf.output import to_json

    kinds = parse_kinds(args.entities)
    do_not_tag = read_name_list(args.do_not_tag, "do-not-tag list") if args.do_not_tag else []
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
    failed = 0
    for result in reports:
        for entity in result["entities"]:
            if "error" in entity:
                failed += 1
                print(f"{entity['arn']}: {entity['error']}", file=sys.stderr)
        for outcome in result.get("tagging", []):
            if outcome["error"]:
                failed += 1
                print(f"{outcome['arn']}: tagging failed: {outcome['error']}", file=sys.stderr)
            elif outcome["skipped"]:
                print(f"{outcome['arn']}: not tagged: {outcome['skipped']}", file=sys.stderr)
            elif outcome["dropped"]:
                print(f"{outcome['arn']}: the 50-tag limit left out {', '.join(outcome['dropped'])}", file=sys.stderr)
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
    p.add_argument("--do-not-tag", metavar="FILE", type=path_arg, help="names, ARNs or globs (one a line) never to tag")
    _add_account_arguments(p)
    p.set_defaults(func=cmd_access_advisor)


# --- boundary plan | apply | rollback -----------------------------------------------------------

def _actions_file(path: str) -> list[str]:
    from policy_tf.aws.entities import read_name_list

    return _checked_actions(read_name_list(path, "base actions file"), f"base actions file {path}")


def _checked_actions(actions: list[str], where: str) -> list[str]:
    from policy_tf import iamnames
    from policy_tf.errors import InputError

    bad = [repr(a) for a in actions if not iamnames.is_pattern(a)]  # the one action grammar
    if bad:
        raise InputError(f"{where}: not service:Action names: {', '.join(bad[:5])}")
    return actions


@_aws_errors
def cmd_boundary_plan(args: argparse.Namespace) -> int:
    from pathlib import Path

    from policy_tf.aws.boundary import BASE_ACTIONS
    from policy_tf.aws.entities import read_name_list
    from policy_tf.aws.files import to_json, write_if_changed
    from policy_tf.aws.plan import PlanOptions, new_plan, plan_account, write_terraform_dir

    from policy_tf.errors import InputError

    keep = _checked_actions([a.strip() for a in (args.keep or "").split(",") if a.strip()], "--keep")
    try:  # before the account work, not after it
        Path(args.output).resolve().parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--output {args.output}: cannot create its folder: {exc.strerror or exc}") from None
    options = PlanOptions(days=args.days, min_age_days=args.min_age_days, keep=keep,
                          base=_actions_file(args.base_actions) if args.base_actions else list(BASE_ACTIONS),
                          exceptions=read_name_list(args.exceptions, "exceptions file") if args.exceptions else [],
                          replace_foreign=args.replace_foreign, max_data_age=args.max_data_age, timeout=args.timeout,
                          workers=args.workers, progress=True)
    results = _in_accounts(args, lambda boto_session, account: plan_account(boto_session, options, account))
    plan = new_plan(options, [r.result for r in results if r.result is not None], args.assume_role_name)
    write_if_changed(Path(args.output), to_json(plan))
    attach = errors = 0
    for account in plan["accounts"]:
        for entry in account["entities"]:
            if entry["action"] == "attach":
                attach += 1
                change = f"+{len(entry['diff']['added'])} -{len(entry['diff']['removed'])} actions"
                print(f"attach {entry['arn']}: {entry['policy_name']} ({entry['size']} characters, {change})",
                      file=sys.stderr)
            else:
                errors += bool(entry.get("error"))  # a failed job or AWS error, not a safety gate
                print(f"skip   {entry['arn']}: {entry['reason']}", file=sys.stderr)
    print(f"plan written to {args.output}: {attach} boundaries to attach (dry run: nothing changed; "
          f"`policy_tf boundary apply {args.output}` carries it out)", file=sys.stderr)
    if args.output_dir:
        files = write_terraform_dir(plan, args.output_dir)
        print(f"{len(files)} boundary policy files and map.json written to {args.output_dir}", file=sys.stderr)
    return 1 if errors or any(r.error for r in results) else 0


def _apply_sessions(args, document: dict):
    """(account, session) for each account of a plan or journal: assumed roles when it ran in org mode."""
    from policy_tf.aws.session import assumed_session, session

    base = session(args.profile, args.region)
    role = document.get("assume_role_name")
    for account in document["accounts"]:
        yield account, (assumed_session(base, account["account"], role) if role else base)


@_aws_errors
def cmd_boundary_apply(args: argparse.Namespace) -> int:
    from policy_tf.aws.apply import Journal, apply_account, check_plan, default_journal, load
    from policy_tf.aws.plan import PLAN_FORMAT
    from policy_tf.aws.session import error_message

    plan = load(args.plan, PLAN_FORMAT, "plan")
    check_plan(plan, args.plan)
    from pathlib import Path

    journal = Journal(Path(args.journal) if args.journal else default_journal(args.plan), args.plan,
                      plan.get("assume_role_name"))
    problems = 0
    for account, boto_session in _apply_sessions(args, plan):
        try:
            outcomes = apply_account(boto_session, account, journal)
        except Exception as exc:
            from policy_tf.errors import InputError

            if isinstance(exc, InputError) and len(plan["accounts"]) == 1:
                raise
            print(f"{account['account']}: FAILED: {error_message(exc)}", file=sys.stderr)
            problems += 1
            continue
        for outcome in outcomes:
            problems += outcome["status"] != "applied"
            print(f"{outcome['status']:<8} {outcome['arn']}{': ' + outcome['message'] if outcome['message'] else ''}",
                  file=sys.stderr)
    journal.save()
    print(f"rollback journal: {journal.path} (`policy_tf boundary rollback {journal.path}` undoes this)",
          file=sys.stderr)
    return 1 if problems else 0


@_aws_errors
def cmd_boundary_rollback(args: argparse.Namespace) -> int:
    from policy_tf.aws.apply import JOURNAL_FORMAT, check_journal, load, rollback_account

    journal = load(args.journal, JOURNAL_FORMAT, "journal")
    check_journal(journal, args.journal)
    problems = 0
    for account, boto_session in _apply_sessions(args, journal):
        for outcome in rollback_account(boto_session, account):
            problems += outcome["status"] != "rolled back"
            print(f"{outcome['status']:<11} {outcome['arn']}{': ' + outcome['message'] if outcome['message'] else ''}",
                  file=sys.stderr)
    return 1 if problems else 0


def add_boundary_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    from policy_tf.cli.common import formatter_class

    steps = p.add_subparsers(dest="step", metavar="STEP")
    steps.required = True
    Formatter = formatter_class()
    if only in (None, "plan"):
        plan = steps.add_parser("plan", formatter_class=Formatter,
                                help="dry run (the default step): write the boundaries usage calls for to a plan file")
        plan.add_argument("--output", required=True, metavar="PLAN", type=path_arg, help="the plan file to write (JSON)")
        _add_job_arguments(plan)
        plan.add_argument("--base-actions", metavar="FILE", type=path_arg,
                          help="actions for entities that used nothing (one a line; default sts:GetCallerIdentity)")
        plan.add_argument("--exceptions", metavar="FILE", type=path_arg, help="names, ARNs or globs (one a line) to leave alone")
        plan.add_argument("--keep", metavar="ACTIONS", help="comma-separated actions every boundary keeps "
                                                            "(added to the built-in iam:PassRole)")
        plan.add_argument("--min-age-days", type=non_negative, metavar="N",
                          help="leave alone entities younger than N days (default: --days)")
        plan.add_argument("--replace-foreign", action="store_true",
                          help="replace existing boundaries that policy_tf did not write")
        plan.add_argument("--output-dir", metavar="DIR", type=path_arg,
                          help="also write each boundary as DIR/policies/<name>.json and DIR/map.json, for "
                               "Terraform's policies-dir module")
        _add_account_arguments(plan)
        plan.set_defaults(func=cmd_boundary_plan)
    if only in (None, "apply"):
        apply = steps.add_parser("apply", formatter_class=Formatter, help="carry out exactly a plan")
        apply.add_argument("plan", metavar="PLAN", type=path_arg, help="a plan written by boundary plan")
        apply.add_argument("--journal", metavar="FILE", type=path_arg, help="rollback journal (default: <plan>.journal.json)")
        _add_account_arguments(apply, org=False)
        apply.set_defaults(func=cmd_boundary_apply)
    if only in (None, "rollback"):
        rollback = steps.add_parser("rollback", formatter_class=Formatter,
                                    help="restore the boundaries a journal recorded (or none)")
        rollback.add_argument("journal", metavar="JOURNAL", type=path_arg, help="a journal written by boundary apply")
        _add_account_arguments(rollback, org=False)
        rollback.set_defaults(func=cmd_boundary_rollback)
