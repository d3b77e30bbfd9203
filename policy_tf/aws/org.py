"""Org mode: run one command in many accounts, through a role assumed in each.

Accounts run ``workers`` at a time; an account that fails (no role to assume, access denied,
a throttled API that stays throttled after botocore's adaptive retries) is reported in the
per-account summary and does not stop the others.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from policy_tf.core.errors import InputError

_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass
class AccountResult:
    account: str | None  # None: the account of the caller's own credentials
    result: Any = None
    error: str | None = None


def read_accounts(path: str) -> list[str]:
    """Account IDs from a file: one a line (``#`` comments), or a YAML/JSON list."""
    from policy_tf.aws.entities import read_name_list

    accounts = read_name_list(path, "accounts file")
    bad = [a for a in accounts if not _ACCOUNT.match(a)]
    if bad:
        raise InputError(f"accounts file {path}: not 12-digit account IDs: {', '.join(bad[:5])}")
    if not accounts:
        raise InputError(f"accounts file {path}: no account IDs")
    return sorted(set(accounts))


def organization_accounts(base_session) -> list[str]:
    """The ACTIVE accounts of the caller's organization (needs organizations:ListAccounts)."""
    from policy_tf.aws.session import client

    accounts = []
    for page in client("organizations", boto_session=base_session).get_paginator("list_accounts").paginate():
        accounts += [a["Id"] for a in page["Accounts"] if a.get("Status", "ACTIVE") == "ACTIVE"]
    return sorted(accounts)


def run_accounts(base_session, accounts: list[str] | None, role_name: str | None,
                 work: Callable[[Any, str | None], Any], workers: int = 4) -> list[AccountResult]:
    """``work(session, account)`` in each account (or once, with ``base_session``, when ``accounts`` is None)."""
    if accounts is None:
        return [AccountResult(None, work(base_session, None))]
    if not role_name:
        raise InputError("--accounts and --org need --assume-role-name: the role to assume in each account")
    from concurrent.futures import ThreadPoolExecutor

    from policy_tf.aws.session import assumed_session, client, error_message

    sts = client("sts", boto_session=base_session)  # made here: sessions are not thread-safe, clients are

    def one(account: str) -> AccountResult:
        try:
            return AccountResult(account, work(assumed_session(base_session, account, role_name, sts=sts), account))
        except Exception as exc:  # noqa: BLE001 - this account only: the others go on
            return AccountResult(account, error=error_message(exc))

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(one, accounts))


def selected_accounts(base_session, accounts_file: str | None, org: bool, role_name: str | None) -> list[str] | None:
    """The accounts to run in: from ``accounts_file``, the organization, or None for the caller's own."""
    if org:
        return organization_accounts(base_session)
    if accounts_file:
        return read_accounts(accounts_file)
    if role_name:
        raise InputError("--assume-role-name is for --accounts FILE or --org")
    return None
