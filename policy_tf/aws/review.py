"""The usage review that runs in the account (the usage-review Terraform module's Lambda function).

One run, in this order:

1. read the configuration lists from S3 (exceptions, do-not-tag, base actions, always-keep):
   a missing or unreadable object stops the run before anything changes;
2. run Access Advisor for every role and user (once: tags and plan share the jobs);
3. write the usage tags (``policy_tf:``), unless tagging is off;
4. plan the boundaries (``boundary plan``) and store the plan in S3;
5. with ``enforce`` only: apply the plan, the journal stored in S3 before each attachment;
6. store the run's summary in S3.

Every object goes under ``<prefix><run id>/``, a key no other run uses; ``rollback`` reads a
journal back from S3 and undoes it. The plan and journal bytes are those the ``boundary``
commands write; this module only moves them to and from S3.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from policy_tf.core.errors import InputError

SUMMARY_FORMAT = "policy_tf-usage-review-summary/1"


@dataclass
class ReviewConfig:
    bucket: str
    prefix: str = "runs/"  # plans, journals and summaries: <prefix><run id>/...
    days: int = 90
    min_age_days: int | None = None
    enforce: bool = False
    tag: bool = True
    exceptions: str | None = None  # s3:// URLs (or local paths) of the lists
    do_not_tag: str | None = None
    base_actions: str | None = None
    always_keep: str | None = None
    max_data_age: float = 24.0
    timeout: float = 300.0
    workers: int = 8
    lists: dict = field(default_factory=dict)  # filled by read_lists


def run_id(now: datetime.datetime, request_id: str = "") -> str:
    """``20260301T120000Z`` plus the first characters of the invocation's request id: sortable, unique."""
    import re

    suffix = re.sub(r"[^A-Za-z0-9]", "", request_id)[:8]
    return now.strftime("%Y%m%dT%H%M%SZ") + (f"-{suffix}" if suffix else "")


def read_lists(config: ReviewConfig, boto_session) -> dict[str, list[str]]:
    """Every configured list, read and checked before the run changes anything."""
    from policy_tf.aws.boundary import BASE_ACTIONS
    from policy_tf.aws.entities import checked_actions, read_name_list

    def one(source, what):
        return read_name_list(source, what, boto_session) if source else []

    lists = {"exceptions": one(config.exceptions, "exceptions file"),
             "do_not_tag": one(config.do_not_tag, "do-not-tag list"),
             "base_actions": checked_actions(one(config.base_actions, "base actions file"),
                                              f"base actions file {config.base_actions}") if config.base_actions
             else list(BASE_ACTIONS),
             "always_keep": checked_actions(one(config.always_keep, "always-keep file"),
                                             f"always-keep file {config.always_keep}")}
    config.lists = lists
    return lists


# --- the boundary commands' records -----------------------------------------------------------
# The only place that knows how plan.py and apply.py make and read plans and journals: the
# review stores their bytes in S3 and reads them back, and adds nothing to them.

def _plan(options, accounts: list[dict], account: str) -> tuple[dict, bytes]:
    """(the plan, its sealed bytes as ``boundary plan`` writes them)."""
    from policy_tf.aws.plan import PLAN_FORMAT, new_plan
    from policy_tf.aws.records import seal, unseal

    data = seal(new_plan(options, accounts, None, account))
    return unseal(data, "plan", PLAN_FORMAT, "plan"), data


def _journal(store, plan: dict, plan_url: str, account: str, folder: Path):
    """The write-ahead journal of the run, kept in ``store`` (created at its first record, never replaced)."""
    from policy_tf.aws.apply import Journal, check_plan

    check_plan(plan, plan_url)
    return Journal(store, "journal.json", plan, plan_url, account)


def _read_journal(data: bytes, url: str, workdir) -> dict:
    """The journal in ``data``, checked as ``boundary rollback`` checks a journal file (SHA-256, shape)."""
    from policy_tf.aws.apply import parse_journal

    return parse_journal(data, url)


def _json(data: dict) -> bytes:
    from policy_tf.aws.files import to_json

    return to_json(data).encode("utf-8")


def run_review(boto_session, config: ReviewConfig, log, run: str | None = None,
               workdir: str | Path = "/tmp") -> dict:  # noqa: S108 - Lambda's only writable folder
    """One review of the account ``boto_session`` is in; returns the summary (also stored in S3)."""
    from policy_tf.aws.advisor import report, run_jobs, utcnow
    from policy_tf.aws.boundary import BASE_ACTIONS
    from policy_tf.aws.entities import list_entities
    from policy_tf.aws.eventlog import usage_events
    from policy_tf.aws.plan import PlanOptions, plan_account
    from policy_tf.aws.s3 import S3Store
    from policy_tf.aws.session import caller_identity, client
    from policy_tf.aws.tags import tag_entities

    lists = read_lists(config, boto_session)  # before any change
    now = utcnow()
    run = run or run_id(now)
    store = S3Store(config.bucket, f"{config.prefix}{run}/", boto_session)
    account = caller_identity(boto_session)["Account"]
    log.summary(f"usage review {run} of account {account}: {'enforce' if config.enforce else 'plan only'}",
                account=account, run=run, enforce=config.enforce)
    iam = client("iam", boto_session=boto_session)
    entities = list_entities(iam, ("roles", "users"))
    jobs = run_jobs(iam, entities, "ACTION_LEVEL", workers=config.workers, timeout=config.timeout,
                    max_age_hours=config.max_data_age, used_since=now - datetime.timedelta(days=config.days))
    usage = report(jobs, config.days, "ACTION_LEVEL", account)
    usage_events(log, usage)
    tagged = tag_failed = 0
    if config.tag:
        for outcome in tag_entities(iam, usage, lists["do_not_tag"]):
            fields = _entity(outcome.arn)
            if outcome.error:
                tag_failed += 1
                log.error(f"{outcome.arn}: tagging failed: {outcome.error}", **fields)
            elif outcome.skipped:
                log.detail(f"{outcome.arn}: not tagged: {outcome.skipped}", **fields)
            else:
                tagged += 1
                log.detail(f"{outcome.arn}: tagged ({len(outcome.written)} written, {len(outcome.removed)} removed)",
                           **fields)
    options = PlanOptions(days=config.days, min_age_days=config.min_age_days, keep=lists["always_keep"],
                          base=lists["base_actions"] or list(BASE_ACTIONS), exceptions=lists["exceptions"],
                          max_data_age=config.max_data_age, timeout=config.timeout, workers=config.workers)
    plan, plan_bytes = _plan(options, [plan_account(boto_session, options, account, jobs=jobs)], account)
    store.create("plan.json", plan_bytes)
    plan_url = store.path("plan.json")
    entries = plan["accounts"][0]["entities"]
    for entry in entries:
        fields = _entity(entry["arn"], entry["type"])
        if entry["action"] == "attach":
            log.detail(f"plan: attach {entry['policy_name']} to {entry['arn']} (+{len(entry['diff']['added'])} "
                       f"-{len(entry['diff']['removed'])} actions)", **fields, status="planned")
        else:
            log.detail(f"plan: skip {entry['arn']}: {entry['reason']}", **fields, status="skipped")
    summary = {"format": SUMMARY_FORMAT, "run": run, "account": account, "started": now.isoformat(),
               "enforce": config.enforce, "days": config.days, "entities": len(entities),
               "usage_errors": sum("error" in e for e in usage["entities"]),
               "tagged": tagged, "tag_errors": tag_failed,
               "planned": sum(e["action"] == "attach" for e in entries),
               "skipped": sum(e["action"] != "attach" for e in entries),
               "coverage_percent": _coverage(usage), "plan": plan_url, "journal": None, "applied": 0,
               "apply_problems": 0, "outcomes": []}
    if config.enforce:
        summary.update(_apply(boto_session, store, plan, plan_url, account, Path(workdir) / run, log))
    summary["finished"] = utcnow().isoformat()
    store.create("summary.json", _json(summary))
    summary_url = store.path("summary.json")
    log.summary(f"usage review {run}: {summary['entities']} entities, {summary['tagged']} tagged, "
                f"{summary['planned']} boundaries planned, {summary['applied']} applied; plan {plan_url}"
                + (f", journal {summary['journal']}" if summary["journal"] else ""),
                **{k: summary[k] for k in ("account", "run", "entities", "tagged", "planned", "skipped", "applied",
                                           "apply_problems", "plan", "journal")}, summary_url=summary_url)
    return {**summary, "summary_url": summary_url}


def _apply(boto_session, store, plan: dict, plan_url: str, account: str, folder: Path, log) -> dict:
    from policy_tf.aws.apply import apply_account

    journal = _journal(store, plan, plan_url, account, folder)
    outcomes = apply_account(boto_session, plan["accounts"][0], journal)
    for outcome in outcomes:
        log.detail(f"apply: {outcome['status']} "
                   f"{outcome['arn']}{': ' + outcome['message'] if outcome['message'] else ''}",
                   **_entity(outcome["arn"]), status=outcome["status"])
    return {"journal": store.path(journal.name) if journal.created else None,
            "applied": sum(o["status"] == "applied" for o in outcomes),
            "apply_problems": sum(o["status"] != "applied" for o in outcomes), "outcomes": outcomes}


def rollback(boto_session, journal_url: str, log, bucket: str | None = None, workdir: str | Path | None = None) -> dict:
    """Undo a run from its journal in S3 (``bucket``: the only bucket it may come from); the outcomes."""
    from policy_tf.aws.advisor import utcnow
    from policy_tf.aws.apply import rollback_account
    from policy_tf.aws.s3 import S3Store, parse_url
    from policy_tf.aws.session import caller_identity

    journal_bucket, key = parse_url(journal_url, "journal")
    if bucket and journal_bucket != bucket:
        raise InputError(f"journal {journal_url}: not in the review's bucket {bucket}")
    folder, _, name = key.rpartition("/")
    store = S3Store(journal_bucket, folder + "/" if folder else "", boto_session)
    journal = _read_journal(store.read(name), journal_url, workdir)
    account = caller_identity(boto_session)["Account"]
    outcomes = []
    for part in journal["accounts"]:
        if part["account"] != account:
            raise InputError(f"journal {journal_url} is for account {part['account']}, these credentials for {account}")
        outcomes += rollback_account(boto_session, part)
    for outcome in outcomes:
        log.detail(f"rollback: {outcome['status']} {outcome['arn']}"
                   f"{': ' + outcome['message'] if outcome['message'] else ''}", **_entity(outcome["arn"]),
                   status=outcome["status"])
    result = {"format": SUMMARY_FORMAT, "rollback_of": journal_url, "account": account,
              "finished": utcnow().isoformat(), "outcomes": outcomes,
              "rolled_back": sum(o["status"] == "rolled back" for o in outcomes),
              "problems": sum(o["status"] != "rolled back" for o in outcomes)}
    name = f"rollback-{utcnow().strftime('%Y%m%dT%H%M%S%fZ')}.json"
    store.create(name, _json(result))
    result["summary_url"] = store.path(name)
    log.summary(f"rollback of {journal_url}: {result['rolled_back']} rolled back, {result['problems']} problems",
                account=account, rolled_back=result["rolled_back"], problems=result["problems"])
    return result


def _entity(arn: str, entity_type: str | None = None) -> dict:
    from policy_tf.aws.eventlog import entity_fields

    return entity_fields(arn, entity_type)


def _coverage(usage: dict) -> float | None:
    """Mean coverage of the entities with usage data, in percent."""
    values = [e["coverage_percent"] for e in usage["entities"] if "coverage_percent" in e]
    return round(sum(values) / len(values), 1) if values else None
