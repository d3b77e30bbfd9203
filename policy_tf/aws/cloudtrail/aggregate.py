"""Evidence per principal: what was called, on what, how often, first and last seen.

Only counters keyed by distinct (action, ARN) pairs are kept, so memory grows with what the
principals touched, never with the number of events.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

# errorCodes that mean the call was refused by authorization (the principal lacks a permission).
DENIED_CODES = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Client.UnauthorizedOperation",
    "UnauthorizedAccess", "AuthorizationError", "AuthorizationErrorException", "Forbidden",
})


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

    def __str__(self) -> str:
        span = f", {self.first} .. {self.last}" if self.first else ""
        return f"{self.count} call{'s' if self.count != 1 else ''}{span}"


def bump(table: dict, key, when: str) -> None:
    seen = table.get(key)
    if seen is None:
        seen = table[key] = Seen()
    seen.add(when)


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


@dataclass
class Evidence:
    """Everything one run learned; ``skipped`` counts events attributed to no principal."""

    principals: dict = field(default_factory=dict)  # principal ARN -> PrincipalEvidence
    skipped: Counter = field(default_factory=Counter)
    files: int = 0
    records: int = 0

    def of(self, principal: str) -> PrincipalEvidence:
        found = self.principals.get(principal)
        if found is None:
            found = self.principals[principal] = PrincipalEvidence(principal)
        return found
