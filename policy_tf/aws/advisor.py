"""IAM Access Advisor: run service-last-accessed jobs and turn them into per-entity usage.

A job is generated, then polled with exponential backoff until it completes, fails or the
timeout passes; a FAILED job is reported once, never polled again. Every page of the answer
is read by advancing ``Marker`` (and a repeated marker is an error, not an endless loop).
"""
from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field

from policy_tf.aws.entities import Entity

TRACKING_DAYS = 400  # how far back AWS keeps service last accessed data
FIRST_POLL = 0.5
MAX_POLL = 10.0


@dataclass
class Job:
    """One finished (or failed) Access Advisor job for one entity."""

    entity: Entity
    granularity: str  # SERVICE_LEVEL or ACTION_LEVEL
    job_id: str | None = None
    completed: datetime.datetime | None = None
    services: list[dict] = field(default_factory=list)
    used_by: dict[str, list[dict]] = field(default_factory=dict)  # groups: namespace -> members that used it
    error: str | None = None


class JobError(Exception):
    """A job that failed, timed out or is too old to trust."""


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def run_job(iam, entity: Entity, granularity: str = "ACTION_LEVEL", *, timeout: float = 300.0,
            max_age_hours: float = 24.0, used_since: datetime.datetime | None = None, sleep=time.sleep) -> Job:
    """Generate, poll and read the job for ``entity``; errors are kept in ``Job.error``."""
    from policy_tf.aws.session import error_message

    job = Job(entity, granularity)
    try:
        job.job_id = iam.generate_service_last_accessed_details(Arn=entity.arn, Granularity=granularity)["JobId"]
        first = _wait(iam, job.job_id, timeout, sleep)
        job.completed = first.get("JobCompletionDate")
        _check_fresh(job.completed, max_age_hours)
        job.services = _pages(iam.get_service_last_accessed_details, first, "ServicesLastAccessed", JobId=job.job_id)
        if entity.kind == "groups":
            for service in job.services:
                last = service.get("LastAuthenticated")
                if last and (used_since is None or last >= used_since):
                    job.used_by[service["ServiceNamespace"]] = _members(iam, job.job_id, service["ServiceNamespace"])
    except JobError as exc:
        job.error = str(exc)
    except Exception as exc:  # noqa: BLE001 - AWS or data errors fail this entity only, the others go on
        job.error = error_message(exc)
    return job


def _wait(iam, job_id: str, timeout: float, sleep) -> dict:
    """The first page of a completed job; JobError for FAILED or a timeout."""
    deadline = time.monotonic() + timeout
    delay = FIRST_POLL
    while True:
        page = iam.get_service_last_accessed_details(JobId=job_id)
        status = page.get("JobStatus")
        if status == "COMPLETED":
            return page
        if status == "FAILED":
            error = page.get("Error") or {}
            raise JobError(f"Access Advisor job {job_id} FAILED: {error.get('Code', '')} "
                           f"{error.get('Message', '')}".rstrip())
        if time.monotonic() + delay > deadline:
            raise JobError(f"Access Advisor job {job_id} did not complete within {timeout:g} s (status {status})")
        sleep(delay)
        delay = min(delay * 2, MAX_POLL)


def _check_fresh(completed, max_age_hours: float) -> None:
    if completed is None:
        return
    age = utcnow() - completed
    if age > datetime.timedelta(hours=max_age_hours):
        raise JobError(f"the Access Advisor data is from {completed.isoformat()}, older than the "
                       f"{max_age_hours:g}-hour freshness limit (--max-data-age); refusing stale usage data")


def _pages(call, first: dict, key: str, **kwargs) -> list[dict]:
    """Items under ``key`` from ``first`` and every following page, advancing the marker."""
    items = list(first.get(key, []))
    page, seen = first, set()
    while page.get("IsTruncated"):
        marker = page.get("Marker")
        if not marker or marker in seen:
            raise JobError(f"the service returned a truncated page without a new marker ({marker!r})")
        seen.add(marker)
        page = call(Marker=marker, **kwargs)
        items.extend(page.get(key, []))
    return items


def _members(iam, job_id: str, namespace: str) -> list[dict]:
    first = iam.get_service_last_accessed_details_with_entities(JobId=job_id, ServiceNamespace=namespace)
    details = _pages(iam.get_service_last_accessed_details_with_entities, first, "EntityDetailsList",
                     JobId=job_id, ServiceNamespace=namespace)
    return sorted(({"arn": d["EntityInfo"]["Arn"], "type": d["EntityInfo"]["Type"].lower(),
                    "last_accessed": _iso(d.get("LastAuthenticated"))} for d in details), key=lambda m: m["arn"])


def run_jobs(iam, entities: list[Entity], granularity: str, *, workers: int = 8, progress: bool = False,
             **options) -> list[Job]:
    """``run_job`` for every entity, ``workers`` at a time (polling is mostly waiting)."""
    from concurrent.futures import ThreadPoolExecutor

    from policy_tf.core.progress import bar

    progress_bar = bar(len(entities), "Access Advisor", "entity", enabled=progress, leave=False)
    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = [pool.submit(run_job, iam, e, granularity, **options) for e in entities]
            jobs = []
            for future in futures:
                jobs.append(future.result())
                progress_bar.update()
    finally:
        progress_bar.close()
    return jobs


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def usage(job: Job, days: int, now: datetime.datetime | None = None) -> dict:
    """One entity's report entry: services granted and used within ``days``, coverage, per-action use."""
    since = (now or utcnow()) - datetime.timedelta(days=days)
    entry = {"arn": job.entity.arn, "name": job.entity.name, "type": job.entity.type}
    if job.error:
        return {**entry, "error": job.error}
    services = []
    for service in sorted(job.services, key=lambda s: s["ServiceNamespace"]):
        last = service.get("LastAuthenticated")
        item = {"namespace": service["ServiceNamespace"], "name": service.get("ServiceName"),
                "last_accessed": _iso(last), "region": service.get("LastAuthenticatedRegion"),
                "used": bool(last and last >= since),
                "authenticated_entities": service.get("TotalAuthenticatedEntities"),
                "tracked_actions": "TrackedActionsLastAccessed" in service, "actions": []}
        for action in sorted(service.get("TrackedActionsLastAccessed") or [], key=lambda a: a.get("ActionName", "")):
            when = action.get("LastAccessedTime")
            item["actions"].append({"action": f"{item['namespace']}:{action.get('ActionName')}",
                                    "last_accessed": _iso(when), "region": action.get("LastAccessedRegion"),
                                    "used": bool(when and when >= since)})
        if job.entity.kind == "groups" and item["namespace"] in job.used_by:
            item["used_by"] = job.used_by[item["namespace"]]
        services.append(item)
    granted = [s["namespace"] for s in services]
    used = [s["namespace"] for s in services if s["used"]]
    return {**entry, "services_granted": granted, "services_used": used,
            "services_unused": [n for n in granted if n not in used],
            "coverage_percent": round(100 * len(used) / len(granted), 1) if granted else 100.0,
            "last_accessed": max((s["last_accessed"] for s in services if s["last_accessed"]), default=None),
            "data_as_of": _iso(job.completed), "services": services}


def report(jobs: list[Job], days: int, granularity: str, account: str | None = None) -> dict:
    """The access-advisor JSON report for the jobs of one account."""
    now = utcnow()
    return {"account": account, "days": days, "granularity": granularity, "generated": now.isoformat(),
            "entities": [usage(job, days, now) for job in jobs]}
