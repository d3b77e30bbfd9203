"""One pass over CloudTrail records, filling ``Evidence``.

Two entry points:

* ``Analyzer.add(records, where)``: the records of one log file (dicts, or the structs of the
  fast reader); ``flush()`` (or ``result()``) completes the evidence;
* ``Analyzer.add_call(principal, source, name, ...)``: one call's fields, already attributed
  (what the record path ends in, and what an aggregated source such as Athena rows feeds in,
  with ``count``/``last`` for many calls at once).

A month of logs repeats the same few calls: per record, ``add`` only takes the fields the
analysis reads (without the time) as a key and counts it with its first and last time; each
distinct key is then checked against the shape and analysed once, with its count. Records
whose containers are ill-shaped (a ``sessionContext`` that is a string...) take the exact
path, one at a time. Both give the same evidence as analysing every record alone (a property
test holds them to it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from policy_tf.sources.cloudtrail.aggregate import DENIED_CODES, Evidence, bump
from policy_tf.sources.cloudtrail.principal import principal_of
from policy_tf.sources.cloudtrail.resources import account_of
from policy_tf.sources.cloudtrail.shape import identity_problem, rest_problem, shape_problem, top_problem

# eventTypes that are API calls; the rest (service events, Insights) have no caller to grant.
API_EVENT_TYPES = frozenset({"AwsApiCall", "AwsConsoleSignIn", None})
# IAM principal ARNs are printable ASCII without spaces; anything else names no real principal.
_PRINCIPAL = re.compile(r"arn:[a-z-]+:[\x21-\x7e]+")
BAD_PRINCIPAL = "principal ARN holds characters IAM names never have (spaces, control or non-ASCII)"
MEMO_LIMIT = 100_000


@dataclass(frozen=True)
class Filters:
    # ARNs or patterns (``*`` and ``?``, policy_tf.core.iamnames.glob); empty: every principal
    principals: tuple[str, ...] = ()
    since: str = ""                   # YYYY-MM-DDTHH:MM:SSZ, inclusive
    until: str = ""                   # YYYY-MM-DDTHH:MM:SSZ, inclusive

    def wants(self, principal: str) -> bool:
        from policy_tf.core.iamnames import glob

        return not self.principals or any(p == principal or glob(p, principal) for p in self.principals)


# Distinct keys counted before they are analysed (about 600 bytes each).
PENDING_LIMIT = 30_000
EMPTY = "empty record (none of the fields generate-template reads)"
NO_TIME = "no eventTime to compare with --since/--until"
_NO_IDENTITY = ("skip", "no userIdentity")
_FIELDS = ("eventSource", "eventName", "eventType", "errorCode", "readOnly", "awsRegion", "recipientAccountId")


def tally(pending: dict, key, when: str, where: str, index: int) -> None:
    """Count one call under ``key``: how many, first and last time, where first seen."""
    entry = pending.get(key)
    if entry is None:
        pending[key] = [1, when, when, where, index]
        return
    entry[0] += 1
    if when:
        if not entry[1] or when < entry[1]:
            entry[1] = when
        if when > entry[2]:
            entry[2] = when


class Analyzer:
    def __init__(self, mapper, finder, filters: Filters, evidence: Evidence | None = None):
        self.mapper, self.finder, self.filters = mapper, finder, filters
        self.evidence = evidence or Evidence()
        self._verdicts: dict = {}    # identity token -> ("ok", principal) / ("skip", why) / ("bad", problem) / ("no",)
        self._pending: dict = {}     # key -> [count, first, last, where, index]

    def result(self) -> Evidence:
        self.flush()
        return self.evidence

    def add(self, records, where: str = "") -> None:
        """The records of one file (``where``: its name, for the report of ill-shaped records)."""
        self.evidence.files += 1
        if isinstance(records, list) and records and hasattr(records[0], "__struct_fields__"):
            self._add_structs(records, where)
        else:
            self._add_dicts(records, where)
        if len(self._pending) > PENDING_LIMIT:
            self.flush()

    def _window(self, when: str) -> int:
        """0: inside --since/--until; 1: outside; 2: no time to compare."""
        since, until = self.filters.since, self.filters.until
        if (since and when < since) or (until and when > until):
            return 1 if when else 2
        return 0

    def _add_dicts(self, records, where: str, start: int = 0) -> None:
        pending, verdicts, count = self._pending, self._verdicts, 0
        windowed = bool(self.filters.since or self.filters.until)
        for index, event in enumerate(records, start):
            count += 1
            if type(event) is not dict:
                self._exact(event, index, where)
                continue
            get = event.get
            when = get("eventTime")
            if when is None:
                when = ""
            elif type(when) is not str:
                self._exact(event, index, where)
                continue
            identity, resources, params, read_only = (get("userIdentity"), get("resources"), get("requestParameters"),
                                                      get("readOnly"))
            try:
                if identity is not None:
                    issuer = identity.get("sessionContext")
                    if issuer is not None:
                        issuer = issuer.get("sessionIssuer")
                    identity = ((identity.get("type"), identity.get("arn"), identity.get("accountId")) if issuer is None
                                else (identity.get("type"), identity.get("arn"), identity.get("accountId"),
                                      issuer.get("type"), issuer.get("arn")))
                if resources is not None:
                    if type(resources) is not list:
                        raise AttributeError
                    resources = tuple([item.get("ARN") for item in resources])
                if params is not None:
                    params = tuple([(k, v) for k, v in params.items() if type(v) is str])
                if read_only is not None and read_only is not True and read_only is not False:
                    raise AttributeError  # 1 would count as True in a key
                verdict = verdicts.get(identity) or self._verdict(identity)
                key = (verdict, get("eventSource"), get("eventName"), get("eventType"), get("errorCode"), read_only,
                       get("awsRegion"), get("recipientAccountId"), resources, params,
                       self._window(when) if windowed else 0)
                tally(pending, key, when, where, index)
            except (AttributeError, TypeError):  # a container of the wrong type, an unhashable value
                self._exact(event, index, where)
        self.evidence.records += count

    def _add_structs(self, records: list, where: str) -> None:
        """Records from the fast reader: typed scalars, and raw JSON for the three containers."""
        pending, verdicts = self._pending, self._verdicts
        windowed = bool(self.filters.since or self.filters.until)
        for index, r in enumerate(records):
            when = r.eventTime or ""
            identity, resources, params = r.userIdentity, r.resources, r.requestParameters
            identity = bytes(identity) if identity else None
            verdict = verdicts.get(identity) or self._verdict(identity)
            key = (verdict, r.eventSource, r.eventName, r.eventType, r.errorCode,
                   r.readOnly, r.awsRegion, r.recipientAccountId, bytes(resources) if resources else None,
                   bytes(params) if params else None, self._window(when) if windowed else 0)
            tally(pending, key, when, where, index)
        self.evidence.records += len(records)

    def discard(self) -> None:
        """Forget the keys counted since the last flush (a file that turned out bad)."""
        self._pending = {}

    def flush(self) -> None:
        """Analyse every key counted so far, once each (in the order they were first seen)."""
        while self._pending:
            pending, self._pending = self._pending, {}
            for key, (count, first, last, where, index) in pending.items():
                if type(key) is _Alone:
                    self._alone(key.record, index, where)
                else:
                    self._group(key, count, first, last, where, index)

    def _group(self, key: tuple, count: int, first: str, last: str, where: str, index: int) -> None:
        verdict, *scalars, resources, params, window = key
        evidence = self.evidence
        event = {name: value for name, value in zip(_FIELDS, scalars) if value is not None}
        resources, params = _container(resources, _ARNS), _container(params, dict)
        if resources is None and params is None and not event and verdict == _NO_IDENTITY:
            evidence.skipped[EMPTY] += count
            return
        problem = top_problem(event) or (verdict[1] if verdict[0] == "bad" else None) or rest_problem(resources, params)
        if problem is not None:
            self._bad(problem, count, where, index)
            return
        if window:
            if window == 2:
                evidence.skipped[NO_TIME] += count
            return
        kind = event.get("eventType")
        if kind not in API_EVENT_TYPES:
            evidence.skipped[f"{str(kind)[:40]} event (not an API call)"] += count
            return
        if verdict[0] == "skip":
            evidence.skipped[verdict[1]] += count
        elif verdict[0] == "ok":
            if resources is not None:
                event["resources"] = resources
            if params is not None:
                event["requestParameters"] = params
            if not event.get("recipientAccountId") and verdict[2]:
                event["userIdentity"] = {"accountId": verdict[2]}
            self.add_call(verdict[1], event.get("eventSource"), event.get("eventName"), when=first, count=count,
                          last=last if count > 1 else "", read_only=event.get("readOnly") is True,
                          error=event.get("errorCode") or "", event=event)

    def _verdict(self, token) -> tuple:
        """What an identity (its token: the fields read, or its raw JSON) makes of the call."""
        found = self._verdicts.get(token)
        if found is None and token is None:
            found = self._verdicts[None] = _NO_IDENTITY
        if found is None:
            identity = _identity(token)
            problem = identity_problem(identity) if identity is not None else None
            if problem is not None:
                found = ("bad", problem)
            else:
                principal, why = principal_of(identity)
                if principal is None:
                    found = ("skip", why)
                elif not _PRINCIPAL.fullmatch(principal):
                    found = ("skip", BAD_PRINCIPAL)
                elif self.filters.wants(principal):
                    account = identity.get("accountId")
                    found = ("ok", principal, account if isinstance(account, str) else "")
                else:
                    found = ("no", "")
            if len(self._verdicts) < MEMO_LIMIT:  # bounded: identities come from the logs
                self._verdicts[token] = found
        return found

    def _bad(self, problem: str, count: int, where: str, index: int) -> None:
        evidence = self.evidence
        evidence.bad_records[problem] += count
        if problem not in evidence.first_bad:
            evidence.first_bad[problem] = f"{where}, record {index + 1}" if where else f"record {index + 1}"

    def _exact(self, event, index: int, where: str) -> None:
        """A record that cannot be keyed (ill-shaped containers, unhashable values): analysed alone,
        in its turn among the keys."""
        self._pending[_Alone(event)] = [1, "", "", where, index]

    def _alone(self, event, index: int, where: str) -> None:
        if type(event) is dict:
            identity = event.get("userIdentity")
            problem = (top_problem(event) or (identity_problem(identity) if identity is not None else None)
                       or rest_problem(event.get("resources"), event.get("requestParameters")))
        else:
            problem = shape_problem(event)
        if problem is None:  # keyable after all: count it the usual way
            self._add_dicts([event], where, index)
            self.evidence.records -= 1
            return
        self._bad(problem, 1, where, index)

    def add_call(self, principal: str, source: str | None, name: str | None, *, when: str = "", count: int = 1,
                 last: str = "", read_only: bool = False, error: str = "", event: dict | None = None) -> None:
        """``count`` calls of ``source``/``name`` by ``principal`` (an IAM ARN), first at ``when``, last at
        ``last`` (default ``when``).

        ``event``: the record (or a dict with the fields an aggregated row keeps: ``awsRegion``,
        ``recipientAccountId``, ``requestParameters``, ``resources``); the resource finder reads it.
        ``error``: the call's errorCode, if any.

        This entry point trusts its input: a caller with rows of its own (Athena) checks each
        row's ``event`` with ``shape.shape_problem`` and its principal as ``add`` does
        (``principal.principal_of`` then ``_PRINCIPAL``) before calling it.
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


_ARNS = "resources"


class _Alone:
    """A pending entry for one record analysed on its own (a key equal only to itself)."""

    __slots__ = ("record",)

    def __init__(self, record):
        self.record = record


def _container(token, kind):
    """``resources`` / ``requestParameters`` back from a key: raw JSON (fast reader) or a tuple."""
    if token is None or type(token) is not tuple:
        return None if token is None else _json(token)
    if kind is dict:
        return dict(token)
    return [{"ARN": arn} if arn is not None else {} for arn in token]


def _identity(token):
    if token is None:
        return None
    if type(token) is not tuple:
        return _json(token)
    kind, arn, account, *issuer = token
    identity = {k: v for k, v in (("type", kind), ("arn", arn), ("accountId", account)) if v is not None}
    if issuer:
        identity["sessionContext"] = {"sessionIssuer": {k: v for k, v in zip(("type", "arn"), issuer) if v is not None}}
    return identity


def _json(raw: bytes):
    """A container's raw JSON (the fast reader's): by msgspec, which read the file, else by json."""
    global _DECODE
    if _DECODE is None:
        try:
            import msgspec.json

            _DECODE = msgspec.json.decode
        except ImportError:
            import json

            _DECODE = json.loads
    try:
        return _DECODE(raw)
    except ValueError:  # what msgspec will not give (an integer beyond 64 bits): json's answer
        import json

        return json.loads(raw)


_DECODE: Callable[[bytes], Any] | None = None
