"""Exceptions that the CLI turns into one clear message and an exit code."""
from __future__ import annotations


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
