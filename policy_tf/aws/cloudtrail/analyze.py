"""One pass over CloudTrail records, filling ``Evidence``."""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from policy_tf.aws.cloudtrail.aggregate import DENIED_CODES, Evidence, bump
from policy_tf.aws.cloudtrail.principal import principal_of
from policy_tf.aws.cloudtrail.resources import account_of

# eventTypes that are API calls; the rest (service events, Insights) have no caller to grant.
API_EVENT_TYPES = frozenset({"AwsApiCall", "AwsConsoleSignIn", None})


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
        self._wanted: dict[str, bool] = {}

    def add(self, records: list) -> None:
        evidence, filters = self.evidence, self.filters
        evidence.files += 1
        for event in records:
            evidence.records += 1
            if not isinstance(event, dict):
                evidence.skipped["record is not a JSON object"] += 1
                continue
            when = event.get("eventTime")
            if not isinstance(when, str):
                when = ""
            if (filters.since and when < filters.since) or (filters.until and when > filters.until):
                if not when:
                    evidence.skipped["no eventTime to compare with --since/--until"] += 1
                continue  # outside --since/--until: not part of this run
            kind = event.get("eventType")
            if kind is not None and (not isinstance(kind, str) or kind not in API_EVENT_TYPES):
                evidence.skipped[f"{str(kind)[:40]} event (not an API call)"] += 1
                continue
            principal, why = principal_of(event.get("userIdentity"))
            if principal is None:
                evidence.skipped[why] += 1
                continue
            wanted = self._wanted.get(principal)
            if wanted is None:
                wanted = self._wanted[principal] = filters.wants(principal)
            if wanted:
                self._call(evidence.of(principal), event, when, principal)

    def _call(self, seen, event: dict, when: str, principal: str) -> None:
        source, name = event.get("eventSource"), event.get("eventName")
        seen.events.add(when)
        if event.get("readOnly") is True:
            seen.read_only += 1
        error = event.get("errorCode")
        denied = isinstance(error, str) and error in DENIED_CODES
        if denied:
            seen.denied_calls += 1
        elif error:
            seen.failed_calls += 1
        if not isinstance(source, str) or not isinstance(name, str):
            bump(seen.unmapped, (str(source), str(name), "no eventSource or eventName"), when)
            return
        resolution = self.mapper.resolve(source, name)
        if resolution.reason:
            bump(seen.unmapped, (source, name, resolution.reason), when)
        if not resolution.actions:
            return
        partition = principal.split(":", 2)[1]
        seen.accounts.add(account_of(event))
        region = event.get("awsRegion")
        seen.regions.add(region if isinstance(region, str) else "")
        seen.partitions.add(partition)
        for planned in resolution.actions:
            if planned.wildcard_only:
                arns, why = ["*"], ""
            else:
                arns, why = self.finder.find(planned, event, partition)
            if denied:
                for arn in arns or [""]:
                    bump(seen.denied, (planned.action, arn), when)
            elif not arns:
                bump(seen.unresolved, (planned.action, planned.level, why), when)
            else:
                for arn in arns:
                    bump(seen.granted, (planned.action, planned.level, arn), when)
