"""Exceptions that the CLI turns into one clear message and an exit code."""
from __future__ import annotations

PROG = "policy_tf"  # the program's name, which starts every message it prints


class PolicyTfError(Exception):
    """Base error: the message is shown to the user as is, without a traceback."""

    exit_code = 1


class InputError(PolicyTfError):
    """Bad usage or bad input (template, ARN, name, file): exit code 2."""

    exit_code = 2


class NotFoundError(InputError):
    """An unknown service, action, resource type or condition key."""


class BuildGuardError(PolicyTfError):
    """A database rebuild would lose too much compared with the current database."""


class FetchError(PolicyTfError):
    """Downloading the documentation failed."""


def not_found(kind: str, name: str, candidates: list[str]) -> NotFoundError:
    """An unknown-name error that suggests the closest known names (case-insensitive)."""
    import difflib

    lowered = {c.lower(): c for c in candidates}
    close = [lowered[c] for c in difflib.get_close_matches(name.lower(), list(lowered), n=5, cutoff=0.5)]
    hint = f"; did you mean: {', '.join(close)}?" if close else ""
    return NotFoundError(f"unknown {kind} {name!r}{hint}")
