"""Evidence per principal: what was called, on what, how often, first and last seen.

Only counters keyed by distinct (action, ARN) pairs are kept, so memory grows with what the
principals touched, never with the number of events; and that growth has a budget
(``MAX_KEYS`` distinct keys per run part): calls beyond it are counted and reported, never
silently dropped.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

# errorCodes that mean the call was refused by authorization (the principal lacks a permission).
DENIED_CODES = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Client.UnauthorizedOperation",
    "UnauthorizedAccess", "AuthorizationError", "AuthorizationErrorException", "Forbidden",
})


# Distinct (action, ARN)-like keys one part of a run keeps (~300 bytes each): a template with
# more ARNs than this is no longer something a person reviews, nor a policy IAM accepts.
MAX_KEYS = 500_000


class Seen:
    """A count with the first and last event time (ISO 8601 UTC strings compare in time order)."""

    __slots__ = ("count", "first", "last")

    def __init__(self) -> None:
        self.count, self.first, self.last = 0, "", ""

    def add(self, when: str) -> None:
        self.count += 1
        if when:
            if not self.first or when < self.first:
                self.first = when
            if when > self.last:
                self.last = when

    def add_many(self, count: int, first: str, last: str) -> None:
        """``count`` calls seen between ``first`` and ``last`` (an aggregated row, e.g. from Athena)."""
        self.count += count
        if first and (not self.first or first < self.first):
            self.first = first
        if last > self.last:
            self.last = last

    def merge(self, other: Seen) -> None:
        self.count += other.count
        if other.first and (not self.first or other.first < self.first):
            self.first = other.first
        if other.last > self.last:
            self.last = other.last

    def __getstate__(self):  # __slots__ classes need their own for pickling on older Pythons
        return self.count, self.first, self.last

    def __setstate__(self, state) -> None:
        self.count, self.first, self.last = state

    def __str__(self) -> str:
        span = f", {self.first} .. {self.last}" if self.first else ""
        return f"{self.count} call{'s' if self.count != 1 else ''}{span}"


def counter(table: dict, key, evidence: Evidence | None = None) -> Seen | None:
    """``table[key]``, made when new: a new key takes one unit of ``evidence``'s budget (if given),
    and is refused (None) once the budget is spent."""
    seen = table.get(key)
    if seen is None:
        if evidence is not None:
            if evidence.keys >= MAX_KEYS:
                return None
            evidence.keys += 1
        seen = table[key] = Seen()
    return seen


def bump(table: dict, key, when: str, evidence: Evidence | None = None, count: int = 1, last: str = "") -> None:
    """Count a call under ``key`` (see ``counter``); calls refused by the budget count in ``over_budget``.

    ``count`` > 1 or ``last``: an aggregated row of ``count`` calls from ``when`` to ``last``.
    """
    seen = counter(table, key, evidence)
    if seen is None:
        if evidence is not None:
            evidence.over_budget += count
        return
    seen.add_many(count, when, last or when)


@dataclass
class PrincipalEvidence:
    principal: str
    events: Seen = field(default_factory=Seen)
    read_only: int = 0
    denied_calls: int = 0
    failed_calls: int = 0   # other error codes: authorized, but the call failed
    accounts: set = field(default_factory=set)
    regions: set = field(default_factory=set)
    partitions: set = field(default_factory=set)
    granted: dict = field(default_factory=dict)     # (action, level, ARN or "*") -> Seen
    denied: dict = field(default_factory=dict)      # (action, ARN or "") -> Seen
    unresolved: dict = field(default_factory=dict)  # (action, level, why) -> Seen
    unmapped: dict = field(default_factory=dict)    # (eventSource, eventName, why) -> Seen

    TABLES = ("granted", "denied", "unresolved", "unmapped")

    def plain(self) -> tuple:
        """This evidence as tuples, lists, str and int only (what ``marshal`` writes: no memo of
        every object, as pickle keeps, so a worker's evidence travels without doubling its memory)."""
        tables = tuple([(k, s.count, s.first, s.last) for k, s in getattr(self, name).items()]
                       for name in self.TABLES)
        return (self.principal, (self.events.count, self.events.first, self.events.last), self.read_only,
                self.denied_calls, self.failed_calls, tuple(self.accounts), tuple(self.regions),
                tuple(self.partitions), tables)

    @classmethod
    def from_plain(cls, data: tuple) -> PrincipalEvidence:
        principal, events, read_only, denied_calls, failed_calls, accounts, regions, partitions, tables = data
        found = cls(principal, _seen(*events), read_only, denied_calls, failed_calls, set(accounts), set(regions),
                    set(partitions))
        for name, rows in zip(cls.TABLES, tables):
            setattr(found, name, {key: _seen(count, first, last) for key, count, first, last in rows})
        return found

    def merge(self, other: PrincipalEvidence, owner: Evidence) -> None:
        """Add ``other``'s calls; new keys take ``owner``'s budget."""
        self.events.merge(other.events)
        self.read_only += other.read_only
        self.denied_calls += other.denied_calls
        self.failed_calls += other.failed_calls
        self.accounts |= other.accounts
        self.regions |= other.regions
        self.partitions |= other.partitions
        for name in self.TABLES:
            mine = getattr(self, name)
            for key, seen in getattr(other, name).items():
                if key in mine:
                    mine[key].merge(seen)
                elif owner.keys >= MAX_KEYS:
                    owner.over_budget += seen.count
                else:
                    owner.keys += 1
                    mine[key] = seen


@dataclass
class Evidence:
    """Everything one run learned.

    ``skipped``: events not attributed to any principal, by why (normal: AWS services...);
    ``bad_records``: records of the wrong shape, by problem (bad input: reported as errors),
    with ``first_bad`` naming where each problem was first seen;
    ``keys`` / ``over_budget``: distinct keys kept, calls not kept because the budget was spent.
    """

    principals: dict = field(default_factory=dict)  # principal ARN -> PrincipalEvidence
    skipped: Counter = field(default_factory=Counter)
    bad_records: Counter = field(default_factory=Counter)
    first_bad: dict = field(default_factory=dict)  # problem -> "file, record N"
    files: int = 0
    records: int = 0
    keys: int = 0
    over_budget: int = 0
    # problem -> (file's position in the run, record index): which of two parts saw it first
    first_bad_at: dict = field(default_factory=dict)

    def bad(self, problem: str, count: int, where: str, at: tuple[int, int]) -> None:
        """``count`` records with ``problem``; the first seen at ``at`` (in file ``where``)."""
        self.bad_records[problem] += count
        if problem not in self.first_bad or at < self.first_bad_at.get(problem, at):
            index = at[1]
            self.first_bad[problem] = f"{where}, record {index + 1}" if where else f"record {index + 1}"
            self.first_bad_at[problem] = at

    def merge(self, other: Evidence) -> None:
        """Add another part's evidence (files read by another worker, or other principals)."""
        for principal, seen in other.principals.items():
            mine = self.principals.get(principal)
            if mine is None and self.keys + other.keys <= MAX_KEYS:  # all of it fits: taken whole
                self.principals[principal] = seen
                self.keys += sum(len(getattr(seen, name)) for name in PrincipalEvidence.TABLES)
            else:
                self.of(principal).merge(seen, self)
        self.skipped.update(other.skipped)
        self.bad_records.update(other.bad_records)
        for problem, where in other.first_bad.items():
            at = other.first_bad_at.get(problem)
            if problem not in self.first_bad or (at is not None and at < self.first_bad_at.get(problem, at)):
                self.first_bad[problem] = where
                if at is not None:
                    self.first_bad_at[problem] = at
        self.files += other.files
        self.records += other.records
        self.over_budget += other.over_budget

    def plain(self) -> tuple:
        """See ``PrincipalEvidence.plain``."""
        return ([p.plain() for p in self.principals.values()], dict(self.skipped), dict(self.bad_records),
                self.first_bad, self.first_bad_at, self.files, self.records, self.keys, self.over_budget)

    @classmethod
    def from_plain(cls, data: tuple) -> Evidence:
        principals, skipped, bad_records, first_bad, first_bad_at, files, records, keys, over_budget = data
        return cls({p[0]: PrincipalEvidence.from_plain(p) for p in principals}, Counter(skipped),
                   Counter(bad_records), first_bad, files, records, keys, over_budget, first_bad_at)

    def not_granted(self) -> tuple[dict, dict, dict]:
        """Call counts over every principal of what no template grants: unmapped events by
        (source, name, why), unresolved calls by (action, why), denied calls by action."""
        unmapped: dict = {}
        unresolved: dict = {}
        denied: dict = {}
        for seen in self.principals.values():
            for (src, name, why), s in seen.unmapped.items():
                unmapped[(src, name, why)] = unmapped.get((src, name, why), 0) + s.count
            for (action, _level, why), s in seen.unresolved.items():
                unresolved[(action, why)] = unresolved.get((action, why), 0) + s.count
            for (action, _arn), s in seen.denied.items():
                denied[action] = denied.get(action, 0) + s.count
        return unmapped, unresolved, denied

    def of(self, principal: str) -> PrincipalEvidence:
        found = self.principals.get(principal)
        if found is None:
            found = self.principals[principal] = PrincipalEvidence(principal)
        return found


def _seen(count: int, first: str, last: str) -> Seen:
    seen = Seen()
    seen.count, seen.first, seen.last = count, first, last
    return seen
