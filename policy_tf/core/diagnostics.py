"""Diagnostics: what the library tells its caller about a result, as typed records.

The writing pipeline returns them beside the policy instead of printing them; callers (the CLI,
Terraform's data source, library users) decide on ``kind`` and show ``str(diagnostic)``, never
parse the text. A plain class with ``__slots__`` rather than a dataclass: Terraform runs
policy_tf on every plan, and ``dataclasses`` costs ~6 ms of imports.
"""
from __future__ import annotations

# Something the template asked for, or a dependent action it needs, was left out of the policy.
NOT_GRANTED = "not-granted"
# Something was granted more broadly than an ARN (on '*', or a dependent on other resources), as asked.
GRANTED_BROADLY = "granted-broadly"
# An ARN matched several resource types, or another service's; it was granted for each.
AMBIGUOUS = "ambiguous"
# Condition keys that do not apply to some actions: those get a statement without them.
UNCONDITIONED = "unconditioned"
# An exclude-actions pattern that excluded nothing.
UNUSED_EXCLUSION = "unused-exclusion"
# A valid input that is probably not what was meant (a multivalued key without a set operator).
ADVICE = "advice"

KINDS = (NOT_GRANTED, GRANTED_BROADLY, AMBIGUOUS, UNCONDITIONED, UNUSED_EXCLUSION, ADVICE)


class Diagnostic:
    """One thing to tell the user: its ``kind`` (one of ``KINDS``), ``where`` it is (the template
    file and field, a Sid, or ''), the ``message`` and a ``hint`` on what to do ('' for none).

    ``str()`` is the line shown to users: "where: message; hint".
    """

    __slots__ = ("kind", "where", "message", "hint")
    kind: str
    where: str
    message: str
    hint: str

    def __init__(self, kind: str, where: str, message: str, hint: str = "") -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown diagnostic kind {kind!r}; expected one of: {', '.join(KINDS)}")
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "where", where)
        object.__setattr__(self, "message", message)
        object.__setattr__(self, "hint", hint)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Diagnostic is immutable: cannot set {name!r}")

    def __reduce__(self) -> tuple:  # pickled to and from write-policy-dir's worker processes
        return (Diagnostic, (self.kind, self.where, self.message, self.hint))

    def _fields(self) -> tuple[str, str, str, str]:
        return (self.kind, self.where, self.message, self.hint)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Diagnostic) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return f"Diagnostic(kind={self.kind!r}, where={self.where!r}, message={self.message!r}, hint={self.hint!r})"

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text}; {self.hint}" if self.hint else text

    def as_dict(self) -> dict[str, str]:
        """The record as JSON-ready data."""
        return {"kind": self.kind, "where": self.where, "message": self.message, "hint": self.hint}


def of_kind(diagnostics: list[Diagnostic], kind: str) -> list[Diagnostic]:
    """The diagnostics of one kind, in order."""
    return [d for d in diagnostics if d.kind == kind]
