"""One pass over CloudTrail records, filling ``Evidence``.

Two entry points:

* ``Analyzer.add(records, where)``: the records of one log file; each is checked against the
  shape (``shape.shape_problem``) before anything reads it, then attributed to its principal;
* ``Analyzer.add_call(principal, source, name, ...)``: one call's fields, already attributed
  (what the record path ends in, and what an aggregated source such as Athena rows feeds in,
  with ``count``/``last`` for many calls at once).
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

from policy_tf.aws.cloudtrail.aggregate import DENIED_CODES, Evidence, bump
from policy_tf.aws.cloudtrail.principal import principal_of
from policy_tf.aws.cloudtrail.resources import account_of
from policy_tf.aws.cloudtrail.shape import shape_problem

# eventTypes that are API calls; the rest (service events, Insights) have no caller to grant.
API_EVENT_TYPES = frozenset({"AwsApiCall", "AwsConsoleSignIn", None})
# IAM principal ARNs are printable ASCII without spaces; anything else names no real principal.
_PRINCIPAL = re.compile(r"arn:[a-z-]+:[\x21-\x7e]+")
BAD_PRINCIPAL = "principal ARN holds characters IAM names never have (spaces, control or non-ASCII)"
MEMO_LIMIT = 100_000


@dataclass(frozen=True)
class Filters:
    principals: tuple[str, ...] = ()  # ARNs or shell patterns (fnmatch); empty: every principal
    since: str = ""                   # YYYY-MM-DDTHH:MM:SSZ, inclusive
    until: str = ""                   # YYYY-MM-DDTHH:MM:SSZ, inclusive

    def wants(self, principal: str) -> bool:
        return not self.principals or any(p == principal or fnmatch.fnmatchcase(principal, p) for p in self.principals)


class Analyzer:
    def __init__(self, mapper, finder, filters: Filters, evidence: Evidence | None = None):
        self.mapper, self.finder, self.filters = mapper, finder, filters
        self.evidence = evidence or Evidence()
        self._verdicts: dict[str, bool | str] = {}  # principal -> wanted, or why it is skipped

    def add(self, records, where: str = "") -> None:
        """The records of one file (``where``: its name, for the report of ill-shaped records)."""
        evidence, filters = self.evidence, self.filters
        evidence.files += 1
        since, until = filters.since, filters.until
        for index, event in enumerate(records):
            evidence.records += 1
            if not event and type(event) is dict:
                evidence.skipped["empty record ({})"] += 1
                continue
            problem = shape_problem(event)
            if problem is not None:
                evidence.bad_records[problem] += 1
                if problem not in evidence.first_bad:
                    evidence.first_bad[problem] = f"{where}, record {index + 1}" if where else f"record {index + 1}"
                continue
            when = event.get("eventTime") or ""
            if (since and when < since) or (until and when > until):
                if not when:
                    evidence.skipped["no eventTime to compare with --since/--until"] += 1
                continue  # outside --since/--until: not part of this run
            kind = event.get("eventType")
            if kind not in API_EVENT_TYPES:
                evidence.skipped[f"{kind[:40]} event (not an API call)"] += 1
                continue
            principal, why = principal_of(event.get("userIdentity"))
            if principal is None:
                evidence.skipped[why] += 1
                continue
            verdict = self._verdicts.get(principal)
            if verdict is None:
                verdict = filters.wants(principal) if _PRINCIPAL.fullmatch(principal) else BAD_PRINCIPAL
                if len(self._verdicts) < MEMO_LIMIT:  # bounded: principals come from the logs
                    self._verdicts[principal] = verdict
            if verdict is True:
                self.add_call(principal, event.get("eventSource"), event.get("eventName"), when=when,
                              read_only=event.get("readOnly") is True, error=event.get("errorCode") or "",
                              event=event)
            elif verdict:
                evidence.skipped[verdict] += 1

    def add_call(self, principal: str, source: str | None, name: str | None, *, when: str = "", count: int = 1,
                 last: str = "", read_only: bool = False, error: str = "", event: dict | None = None) -> None:
        """``count`` calls of ``source``/``name`` by ``principal`` (an IAM ARN), first at ``when``, last at
        ``last`` (default ``when``).

        ``event``: the record (or a dict with the fields an aggregated row keeps: ``awsRegion``,
        ``recipientAccountId``, ``requestParameters``, ``resources``), shaped as ``shape`` checks;
        the resource finder reads it. ``error``: the call's errorCode, if any.
        """
        evidence = self.evidence
        seen = evidence.of(principal)
        if count == 1 and not last:
            seen.events.add(when)
        else:
            seen.events.add_many(count, when, last or when)
        if read_only:
            seen.read_only += count
        denied = error in DENIED_CODES
        if denied:
            seen.denied_calls += count
        elif error:
            seen.failed_calls += count
        if not isinstance(source, str) or not isinstance(name, str):
            bump(seen.unmapped, (str(source), str(name), "no eventSource or eventName"), when, evidence, count, last)
            return
        resolution = self.mapper.resolve(source, name)
        if resolution.reason:
            bump(seen.unmapped, (source, name, resolution.reason), when, evidence, count, last)
        if not resolution.actions:
            return
        event = event or {}
        partition = principal.split(":", 2)[1]
        seen.accounts.add(account_of(event))
        seen.regions.add(event.get("awsRegion") or "")
        seen.partitions.add(partition)
        for planned in resolution.actions:
            if planned.wildcard_only:
                arns, why = ["*"], ""
            else:
                arns, why = self.finder.find(planned, event, partition)
            if denied:
                for arn in arns or [""]:
                    bump(seen.denied, (planned.action, arn), when, evidence, count, last)
            elif not arns:
                bump(seen.unresolved, (planned.action, planned.level, why), when, evidence, count, last)
            else:
                for arn in arns:
                    bump(seen.granted, (planned.action, planned.level, arn), when, evidence, count, last)
