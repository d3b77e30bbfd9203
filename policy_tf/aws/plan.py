"""boundary plan: for each role and user, the boundary its usage calls for, or why it is left alone.

A dry run: nothing in the account changes. Safety gates, checked for every entity:

* the principal running policy_tf (``sts get-caller-identity``), which must never lock itself out;
* service-linked roles (AWS refuses boundaries on them);
* entities on the exceptions list;
* entities younger than the minimum age (too new for their usage to mean anything);
* stale, failed or missing usage data;
* an existing boundary that policy_tf did not write, replaced only with ``replace_foreign``;
* a boundary that cannot fit 6,144 characters without widening.
"""
from __future__ import annotations

import datetime
import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path

from policy_tf.aws.entities import Entity, matches

PLAN_FORMAT = "policy_tf-boundary-plan/2"  # /2: account, created and sha256 (records.seal)


@dataclass
class PlanOptions:
    days: int = 90
    min_age_days: int | None = None  # None: the same as days
    keep: list[str] = field(default_factory=list)
    base: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    replace_foreign: bool = False
    max_data_age: float = 24.0
    timeout: float = 300.0
    workers: int = 8
    progress: bool = False


def runner_entity(caller_arn: str) -> tuple[str, str] | None:
    """(type, name) of the IAM role or user behind ``sts get-caller-identity``'s ARN, if any."""
    resource = caller_arn.split(":", 5)[-1]
    kind, _, rest = resource.partition("/")
    if kind == "assumed-role":
        return "role", rest.split("/", 1)[0]
    if kind in ("user", "role"):
        return kind, rest.rsplit("/", 1)[-1]
    return None  # root, federated users


def _skip(entity: Entity, reason: str, **extra) -> dict:
    return {"arn": entity.arn, "type": entity.type, "name": entity.name, "action": "skip", "reason": reason, **extra}


def _gate(entity: Entity, options: PlanOptions, runner, now) -> str | None:
    """Why ``entity`` must be left alone before even looking at its usage, or None."""
    if runner and (entity.type, entity.name.lower()) == (runner[0], runner[1].lower()):
        return "the principal running policy_tf: a boundary could lock it out"
    if entity.service_linked:
        return "a service-linked role: AWS does not allow permissions boundaries on it"
    if matches(entity, options.exceptions):
        return "on the exceptions list"
    min_age = options.days if options.min_age_days is None else options.min_age_days
    if entity.created is not None and now - entity.created < datetime.timedelta(days=min_age):
        return f"created {entity.created:%Y-%m-%d}, less than {min_age} days ago: too new to judge by usage"
    return None


def plan_account(boto_session, options: PlanOptions, account: str | None = None, db=None, jobs=None) -> dict:
    """The plan for one account (the one ``boto_session`` is in); ``jobs``: Access Advisor jobs (ACTION_LEVEL)
    already run for its entities, so that a review that tags from them does not run them twice."""
    from policy_tf.aws.advisor import run_jobs, usage, utcnow
    from policy_tf.aws.boundary import (
        POLICY_PATH,
        BoundaryTooLarge,
        always_keep,
        boundary_document,
        is_ours,
        policy_name,
    )
    from policy_tf.aws.entities import list_entities
    from policy_tf.aws.session import caller_identity, client, error_message
    from policy_tf.aws.state import current_boundary, default_document, fingerprint

    identity = caller_identity(boto_session)
    account = identity["Account"]
    partition = identity["Arn"].split(":")[1]
    runner = runner_entity(identity["Arn"])
    iam = client("iam", boto_session=boto_session)
    now = utcnow()
    entries: dict[str, dict] = {}
    candidates = []
    for entity in list_entities(iam, ("roles", "users")):
        reason = _gate(entity, options, runner, now)
        if reason:
            entries[entity.arn] = _skip(entity, reason)
        else:
            candidates.append(entity)
    if jobs is None:
        jobs = run_jobs(iam, candidates, "ACTION_LEVEL", workers=options.workers, progress=options.progress,
                        timeout=options.timeout, max_age_hours=options.max_data_age)
    else:
        jobs = [job for job in jobs if job.entity in candidates]
    keep = always_keep(options.keep)
    for job in jobs:
        entity = job.entity
        if job.error:
            entries[entity.arn] = _skip(entity, f"no usable usage data: {job.error}", error=True)
            continue
        entry = usage(job, options.days, now)
        try:
            current = current_boundary(iam, entity.type, entity.name)
            if current and not is_ours(current) and not options.replace_foreign:
                entries[entity.arn] = _skip(entity, f"has a boundary policy_tf did not write ({current}); "
                                                    "replace it only with --replace-foreign", current_boundary=current)
                continue
            try:
                document, notes = boundary_document(entry, partition, account, keep, options.base, db)
            except BoundaryTooLarge as exc:
                entries[entity.arn] = _skip(entity, str(exc))
                continue
            name = policy_name(entity.type, entity.name)
            found = default_document(iam, current) if current else None
            current_document = found[1] if found else None
            entries[entity.arn] = {
                "arn": entity.arn, "type": entity.type, "name": entity.name, "action": "attach",
                "policy_name": name, "policy_path": POLICY_PATH,
                "policy_arn": f"arn:{partition}:iam::{account}:policy{POLICY_PATH}{name}",
                "document": document, "size": _size(document), "notes": notes,
                "current_boundary": current, "current_document": current_document,
                "diff": diff(current_document, document),
                "services_used": entry["services_used"], "data_as_of": entry["data_as_of"],
                "fingerprint": fingerprint(iam, entity.type, entity.name),
            }
        except Exception as exc:  # noqa: BLE001 - one entity's error is reported in its entry, the others go on
            entries[entity.arn] = _skip(entity, f"AWS: {error_message(exc)}", error=True)
    return {"account": account, "partition": partition, "runner": identity["Arn"],
            "entities": sorted(entries.values(), key=lambda e: (e["type"], e["name"]))}


def _size(document: dict) -> int:
    from policy_tf.writing.fit import policy_size

    return policy_size(document)


def diff(current: dict | None, planned: dict) -> dict:
    """Actions added and removed, and a unified diff of the two documents."""
    from policy_tf.aws.boundary import allowed

    before, after = allowed(current), allowed(planned)
    text = difflib.unified_diff(json.dumps(current, indent=2, sort_keys=True).splitlines() if current else [],
                                json.dumps(planned, indent=2, sort_keys=True).splitlines(),
                                "current", "planned", lineterm="")
    return {"added": sorted(after - before), "removed": sorted(before - after), "unified": list(text)}


def new_plan(options: PlanOptions, accounts: list[dict], assume_role_name: str | None, account: str) -> dict:
    """The plan record (``account``: that of the credentials that made it); ``records.seal`` adds its SHA-256."""
    from policy_tf.aws.advisor import utcnow

    return {"format": PLAN_FORMAT, "account": account, "created": utcnow().isoformat(), "days": options.days,
            "assume_role_name": assume_role_name, "accounts": accounts}


@dataclass(frozen=True)
class PlanLine:
    """One entity of a plan as ``boundary plan`` reports it."""

    account: str
    arn: str
    type: str | None
    status: str  # "attach" or "skip"
    message: str
    failed: bool  # a skip caused by a failed job or an AWS error (not a safety gate)


def plan_lines(plan: dict) -> list[PlanLine]:
    """Every entity of ``plan``, in order: what is attached (its size and change) or skipped (why)."""
    lines = []
    for account in plan["accounts"]:
        for entry in account["entities"]:
            if entry["action"] == "attach":
                change = f"+{len(entry['diff']['added'])} -{len(entry['diff']['removed'])} actions"
                message = f"attach {entry['arn']}: {entry['policy_name']} ({entry['size']} characters, {change})"
                lines.append(PlanLine(account["account"], entry["arn"], entry["type"], "attach", message, False))
            else:
                lines.append(PlanLine(account["account"], entry["arn"], entry["type"], "skip",
                                      f"skip   {entry['arn']}: {entry['reason']}", bool(entry.get("error"))))
    return lines


def write_terraform_dir(plan: dict, output_dir: str | Path) -> list[str]:
    """Each planned boundary as ``policies/<policy name>.json``, plus ``map.json`` (entity -> policy name).

    For entities Terraform manages: the ``policies-dir`` module turns the files into
    ``aws_iam_policy`` resources, and ``map.json`` says which one is whose ``permissions_boundary``.
    Every file or none (``atomic.Batch``).
    """
    from policy_tf.aws.files import safe_name, to_json
    from policy_tf.core.atomic import Batch, fit_name

    mapping: dict[str, dict[str, dict[str, str]]] = {}
    written = []
    several = len(plan["accounts"]) > 1
    with Batch(output_dir) as batch:
        for account in plan["accounts"]:
            base = safe_name(account["account"]) + "/" if several else ""
            names = mapping.setdefault(account["account"], {"roles": {}, "users": {}})
            for entry in account["entities"]:
                if entry["action"] != "attach":
                    continue
                relative = f"{base}policies/{fit_name(safe_name(entry['policy_name']) + '.json')}"
                batch.write_text(relative, to_json(entry["document"]))
                names[entry["type"] + "s"][entry["name"]] = entry["policy_name"]
                written.append(str(Path(output_dir, *relative.split("/"))))
            batch.write_text(f"{base}map.json", to_json(names))
    return written
