"""One pass over CloudTrail records, filling ``Evidence``.

Two entry points:

* ``Analyzer.add(records, where)``: the records of one log file (dicts, or the structs of the
  fast reader); ``flush()`` (or ``result()``) completes the evidence;
* ``Analyzer.add_call(principal, source, name, ...)``: one call's fields, already attributed
  (what the record path ends in, and what an aggregated source such as Athena rows feeds in,
  with ``count``/``last`` for many calls at once).

A month of logs repeats the same few calls: per record, ``add`` only takes the fields the
analysis reads (without the time) as a key and counts it with its first and last time; each
distinct key is then checked against the shape and analysed once, with its count. A key is
two-level: the call (identity verdict, service, name, error, region...: a few hundred per
account, interned as ``_Call`` and judged once each) and the call's resources and request
parameters (as many as the objects touched). Records whose containers are ill-shaped (a
``sessionContext`` that is a string...) take the exact path, one at a time. Both give the same
evidence as analysing every record alone (a property test holds them to it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from policy_tf.sources.cloudtrail.aggregate import DENIED_CODES, Evidence, PrincipalEvidence, Seen, counter
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


# Distinct keys remembered with what they do (about 350 bytes each): past this many, counts are
# applied and the memo starts afresh, so a call seen again later is analysed again (memory
# bounded, time traded). A million-event bench part holds about 90,000.
MEMO_KEYS = 150_000
EMPTY = "empty record (none of the fields generate-template reads)"
NO_TIME = "no eventTime to compare with --since/--until"
_NO_IDENTITY = ("skip", "no userIdentity")
_FIELDS = ("eventSource", "eventName", "eventType", "errorCode", "readOnly", "awsRegion", "recipientAccountId")


def _digest(resources, params) -> bytes:
    """128 bits standing for a record's raw ``resources`` and ``requestParameters`` (fast reader).

    A key keeps this rather than the raw JSON (hundreds of bytes per distinct S3 object), so a
    month of distinct calls fits in memory. BLAKE2b is collision-resistant: two different pairs
    share a digest with negligible probability, and none can be crafted to. The first value's
    length is hashed too (as BLAKE2's personalisation), so the pair's boundary is part of it.
    """
    if resources:
        found = _blake2b(resources, digest_size=16, person=len(resources).to_bytes(8, "little"))
    else:
        found = _blake2b(digest_size=16)
    if params:
        found.update(params)
    return found.digest()


def part_of(verdict: tuple, parts: int) -> int:
    """Which of ``parts`` processes analyses the calls of an identity verdict: by principal, so
    that each principal's evidence is whole in one of them (the rest go to the first)."""
    if parts == 1 or verdict[0] != "ok":
        return 0
    import zlib

    return zlib.crc32(verdict[1].encode("utf-8", "surrogatepass")) % parts


def _blake2b(*args, **kwargs):
    import hashlib

    globals()["_blake2b"] = hashlib.blake2b
    return hashlib.blake2b(*args, **kwargs)


class _Call:
    """The part of a key that recurs: (identity verdict, the scalar fields, time window).

    Interned per analyzer (equal fields, one object), so that a key hashes and compares it by
    identity, and what the fields alone decide is worked out once (``judge``).
    """

    __slots__ = ("fields", "judged")

    def __init__(self, fields: tuple):
        self.fields = fields
        self.judged: _Judged | None = None


class _Judged:
    """What a call's own fields decide, before its resources and parameters are looked at."""

    __slots__ = ("empty", "problem", "skip", "principal", "event", "count_skip")

    def __init__(self, empty: bool, problem: str | None, skip: str | None, count_skip: bool, principal: str,
                 event: dict):
        self.empty = empty            # empty unless resources or parameters are present
        self.problem = problem        # ill-shaped, whatever the rest holds
        self.skip = skip              # not analysed: why (counted in ``skipped`` when count_skip)
        self.count_skip = count_skip
        self.principal = principal    # who made the call, when analysed
        self.event = event            # the scalar fields (and the caller's account), as a record holds them


# What a distinct call does to the evidence (``_Plan.kind``).
_NOTHING, _SKIPPED, _BAD, _CALL = range(4)


class _Plan:
    """What one distinct call does to the evidence, decided once (``Analyzer._plan``) and then
    applied with the counts of every record like it (``Analyzer._apply``)."""

    __slots__ = ("kind", "reason", "seen", "read_only", "denied", "failed", "targets", "over")

    def __init__(self, kind: int, reason: str = "", seen: PrincipalEvidence | None = None):
        self.kind, self.reason = kind, reason
        self.seen: PrincipalEvidence = seen or _NOBODY  # the caller's evidence (a call's plan only)
        self.read_only = self.denied = self.failed = False
        self.targets: list[Seen] = []  # the evidence counters each such call adds to
        self.over = 0                  # counters refused by the key budget: calls counted in over_budget


_NOBODY = PrincipalEvidence("")
_NOTHING_PLAN = _Plan(_NOTHING)


class Analyzer:
    """Records in, ``Evidence`` out. Each distinct call is analysed once, when first seen, into a
    ``_Plan``; its records only count (how many, first and last time), and ``flush`` applies the
    counts. The plans hold the evidence's own counters: replacing ``evidence`` flushes first and
    forgets them."""

    def __init__(self, mapper, finder, filters: Filters, evidence: Evidence | None = None, *, deferred: bool = False):
        self.mapper, self.finder, self.filters = mapper, finder, filters
        self._evidence = evidence or Evidence()
        # deferred: count only, and keep each distinct call's containers and first place for
        # ``export`` (a worker's part of a parallel run: another process analyses them).
        self.deferred = deferred
        self._order = 0  # the file's position in the run (which of two places comes first)
        self._verdicts: dict = {}    # identity token -> ("ok", principal) / ("skip", why) / ("bad", problem) / ("no",)
        self._calls: dict = {}       # call fields -> _Call
        self._memo: dict = {}        # (call, resources, params) -> [count, first, last, plan]

    @property
    def evidence(self) -> Evidence:
        return self._evidence

    @evidence.setter
    def evidence(self, evidence: Evidence) -> None:
        self.flush()
        self._memo = {}
        self._evidence = evidence

    def result(self) -> Evidence:
        self.flush()
        return self.evidence

    def add(self, records, where: str = "", order: int = 0) -> None:
        """The records of one file (``where``: its name, for the report of ill-shaped records;
        ``order``: its position among the run's files)."""
        self._evidence.files += 1
        self._order = order
        if isinstance(records, list) and records and hasattr(records[0], "__struct_fields__"):
            self._add_structs(records, where)
        else:
            self._add_dicts(records, where)
        if len(self._memo) > MEMO_KEYS:
            if self.deferred:  # too many distinct calls to hold for another process: analyse them here
                self.undefer()
            self.flush()
            self._memo = {}

    def _window(self, when: str) -> int:
        """0: inside --since/--until; 1: outside; 2: no time to compare."""
        since, until = self.filters.since, self.filters.until
        if (since and when < since) or (until and when > until):
            return 1 if when else 2
        return 0

    def _count(self, key: tuple, when: str, where: str, index: int) -> None:
        """One record of ``key``: planned when first seen, then counted."""
        entry = self._memo.get(key)
        if entry is None:
            self._memo[key] = [1, when, when, *self._first(key, where, index)]
            return
        entry[0] += 1
        if when:
            if not entry[1] or when < entry[1]:
                entry[1] = when
            if when > entry[2]:
                entry[2] = when

    def _add_dicts(self, records, where: str, start: int = 0) -> None:
        verdicts, calls, count = self._verdicts, self._calls, 0
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
                fields = (verdict, get("eventSource"), get("eventName"), get("eventType"), get("errorCode"), read_only,
                          get("awsRegion"), get("recipientAccountId"), self._window(when) if windowed else 0)
                key = (calls.get(fields) or self._call(fields), resources, params)
                hash(key)  # an unhashable value (a list where a string belongs) takes the exact path
            except (AttributeError, TypeError):  # a container of the wrong type, an unhashable value
                self._exact(event, index, where)
                continue
            self._count(key, when, where, index)
        self._evidence.records += count

    def _add_structs(self, records: list, where: str) -> None:
        """Records from the fast reader: typed scalars, and raw JSON for the three containers."""
        memo, verdicts, calls = self._memo, self._verdicts, self._calls
        windowed = bool(self.filters.since or self.filters.until)
        # Deferred, the raw containers are kept anyway (for the process that analyses them):
        # they are the key. Planning here, a digest stands for them (see ``_digest``).
        deferred = self.deferred
        # _count() inlined (this loop runs once per event); the plain reader's records go through
        # _count itself, and test_the_fast_reader_gives_the_evidence_of_the_plain_reader holds both equal.
        for index, r in enumerate(records):
            when = r.eventTime or ""
            identity, resources, params = r.userIdentity, r.resources, r.requestParameters
            identity = bytes(identity) if identity else None
            verdict = verdicts.get(identity) or self._verdict(identity)
            fields = (verdict, r.eventSource, r.eventName, r.eventType, r.errorCode, r.readOnly, r.awsRegion,
                      r.recipientAccountId, self._window(when) if windowed else 0)
            call = calls.get(fields) or self._call(fields)
            key: tuple
            if deferred:
                key = (call, bytes(resources) if resources else None, bytes(params) if params else None)
            else:
                key = (call, _digest(resources, params))
            entry = memo.get(key)
            if entry is None:
                if deferred:
                    memo[key] = [1, when, when, where, self._order, index]
                else:
                    memo[key] = [1, when, when, self._plan((call, bytes(resources) if resources else None,
                                                            bytes(params) if params else None), where, index)]
            else:
                entry[0] += 1
                if when:
                    if not entry[1] or when < entry[1]:
                        entry[1] = when
                    if when > entry[2]:
                        entry[2] = when
        self._evidence.records += len(records)

    def _call(self, fields: tuple) -> _Call:
        """The interned call of ``fields`` (bounded: fields come from the logs; past the bound a
        call may be interned twice, which costs one more analysis, never a wrong one)."""
        if len(self._calls) >= MEMO_LIMIT:
            self._calls.clear()
        call = self._calls[fields] = _Call(fields)
        return call

    def discard(self) -> None:
        """Forget what was counted since the last flush (a file that turned out bad); the
        caller replaces ``evidence`` next, so the plans go too."""
        self._memo = {}

    def _first(self, key: tuple, where: str, index: int) -> list:
        """What a key's entry keeps besides its counts: its plan, or (deferred) its first place.
        (A deferred key is (call, resources, params), as planning takes it.)"""
        if self.deferred:
            return [where, self._order, index]
        return [self._plan(key, where, index)]

    def undefer(self) -> None:
        """Stop deferring: plan every distinct call counted so far, here (``export`` then has nothing)."""
        for key, entry in self._memo.items():
            where, self._order, index = entry[3:]
            entry[3:] = [self._plan(key, where, index)]
        self.deferred = False

    def export(self, parts: int) -> Iterator[tuple[int, tuple]]:
        """A deferred analyzer's distinct calls, in the order first seen, each with its principal
        part of ``parts`` (see ``part_of``): ``(part, (call fields, resources, params, count,
        first, last, where, order, index))``, the plain row that part's process replays."""
        part_of_call: dict = {}  # a few hundred calls, many keys each
        for (call, resources, params), (count, first, last, where, order, index) in self._memo.items():
            part = part_of_call.get(call)
            if part is None:
                part = part_of_call[call] = part_of(call.fields[0], parts)
            yield part, (call.fields, resources, params, count, first, last, where, order, index)

    def replay(self, parts) -> None:
        """Distinct calls exported by deferred analyzers (``parts``: their row lists, in file
        order, each read as it comes): equal calls are counted together, then each is analysed
        once, in the order first seen."""
        merged: dict = {}
        calls = self._calls
        for rows in parts:
            for fields, resources, params, count, first, last, where, order, index in rows:
                key = (calls.get(fields) or self._call(fields), resources, params)
                entry = merged.get(key)
                if entry is None:
                    merged[key] = [count, first, last, where, order, index]
                    continue
                entry[0] += count
                if first and (not entry[1] or first < entry[1]):
                    entry[1] = first
                if last > entry[2]:
                    entry[2] = last
        for key in list(merged):
            count, first, last, where, self._order, index = merged.pop(key)  # freed as the evidence grows
            self._apply(self._plan(key, where, index), count, first, last)

    def flush(self) -> None:
        """Apply the counts of every distinct call since the last flush (first seen, first applied)."""
        if self.deferred:
            return
        apply = self._apply
        for entry in self._memo.values():
            if entry[0]:
                apply(entry[3], entry[0], entry[1], entry[2])
                entry[0], entry[1], entry[2] = 0, "", ""

    def _apply(self, plan: _Plan, count: int, first: str, last: str) -> None:
        """``count`` calls from ``first`` to ``last`` of what ``plan`` says."""
        kind, evidence = plan.kind, self._evidence
        if kind == _CALL:
            seen = plan.seen
            seen.events.add_many(count, first, last)
            if plan.read_only:
                seen.read_only += count
            if plan.denied:
                seen.denied_calls += count
            elif plan.failed:
                seen.failed_calls += count
            for target in plan.targets:
                target.add_many(count, first, last)
            if plan.over:
                evidence.over_budget += count * plan.over
        elif kind == _SKIPPED:
            evidence.skipped[plan.reason] += count
        elif kind == _BAD:
            evidence.bad_records[plan.reason] += count

    def _plan(self, key: tuple, where: str, index: int) -> _Plan:
        """What a distinct call does: ``key`` is (call, resources, parameters), the containers as a
        key holds them (raw JSON from the fast reader, tuples from the plain one)."""
        call, resources, params = key
        judged = call.judged or self._judge(call)
        if judged.empty and resources is None and params is None:
            return _Plan(_SKIPPED, EMPTY)
        if judged.problem is not None:
            return self._bad(judged.problem, where, index)
        resources, params = _container(resources, _ARNS), _container(params, dict)
        problem = rest_problem(resources, params)
        if problem is not None:
            return self._bad(problem, where, index)
        if judged.skip is not None:
            return _Plan(_SKIPPED, judged.skip) if judged.count_skip else _NOTHING_PLAN
        event = dict(judged.event)
        if resources is not None:
            event["resources"] = resources
        if params is not None:
            event["requestParameters"] = params
        return self._plan_call(judged.principal, event.get("eventSource"), event.get("eventName"),
                               read_only=event.get("readOnly") is True, error=event.get("errorCode") or "",
                               event=event)

    @staticmethod
    def _judge(call: _Call) -> _Judged:
        """What ``call``'s fields decide, in the order the exact path checks them: the top-level
        fields, the identity, (then, per key, the resources and parameters), the time window,
        the event type, who called."""
        verdict, *scalars, window = call.fields
        event = {name: value for name, value in zip(_FIELDS, scalars) if value is not None}
        empty = not event and verdict == _NO_IDENTITY
        problem = top_problem(event) or (verdict[1] if verdict[0] == "bad" else None)
        skip, count_skip, principal = None, True, ""
        kind = event.get("eventType")
        if window:
            skip, count_skip = NO_TIME, window == 2
        elif kind not in API_EVENT_TYPES:
            skip = f"{str(kind)[:40]} event (not an API call)"
        elif verdict[0] == "skip":
            skip = verdict[1]
        elif verdict[0] != "ok":
            skip, count_skip = "not a wanted principal", False
        else:
            principal = verdict[1]
            if not event.get("recipientAccountId") and verdict[2]:
                event["userIdentity"] = {"accountId": verdict[2]}
        call.judged = _Judged(empty, problem, skip, count_skip, principal, event)
        return call.judged

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

    def _bad(self, problem: str, where: str, index: int) -> _Plan:
        self._evidence.bad(problem, 0, where, (self._order, index))
        return _Plan(_BAD, problem)

    def _exact(self, event, index: int, where: str) -> None:
        """A record that cannot be keyed (ill-shaped containers, unhashable values): analysed alone."""
        if type(event) is dict:
            identity = event.get("userIdentity")
            problem = (top_problem(event) or (identity_problem(identity) if identity is not None else None)
                       or rest_problem(event.get("resources"), event.get("requestParameters")))
        else:
            problem = shape_problem(event)
        if problem is None:  # keyable after all: count it the usual way
            self._add_dicts([event], where, index)
            self._evidence.records -= 1
            return
        self._apply(self._bad(problem, where, index), 1, "", "")

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
        plan = self._plan_call(principal, source, name, read_only=read_only, error=error, event=event)
        self._apply(plan, count, when, last or when)

    def _plan_call(self, principal: str, source: str | None, name: str | None, *, read_only: bool, error: str,
                   event: dict | None) -> _Plan:
        """The plan of a call by ``principal``: the counters it adds to (see ``add_call``)."""
        evidence = self._evidence
        seen = evidence.of(principal)
        plan = _Plan(_CALL, seen=seen)
        plan.read_only = read_only
        denied = error in DENIED_CODES
        plan.denied, plan.failed = denied, bool(error) and not denied
        if not isinstance(source, str) or not isinstance(name, str):
            self._target(plan, seen.unmapped, (str(source), str(name), "no eventSource or eventName"))
            return plan
        resolution = self.mapper.resolve(source, name)
        if resolution.reason:
            self._target(plan, seen.unmapped, (source, name, resolution.reason))
        if not resolution.actions:
            return plan
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
                    self._target(plan, seen.denied, (planned.action, arn))
            elif not arns:
                self._target(plan, seen.unresolved, (planned.action, planned.level, why))
            else:
                for arn in arns:
                    self._target(plan, seen.granted, (planned.action, planned.level, arn))
        return plan

    def _target(self, plan: _Plan, table: dict, key) -> None:
        """``table[key]`` becomes one of the plan's counters (see ``aggregate.counter``)."""
        found = counter(table, key, self._evidence)
        if found is None:
            plan.over += 1
        else:
            plan.targets.append(found)


_ARNS = "resources"


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
