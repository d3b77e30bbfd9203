"""Builders for CloudTrail test logs: events by one role, written as gz files like AWS delivers them."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
FIXTURE_LOGS = Path(__file__).resolve().parent / "fixtures" / "cloudtrail"
ORDERS_APP = f"arn:aws:iam::{ACCOUNT}:role/service/orders-app"
CI_DEPLOY = f"arn:aws:iam::{ACCOUNT}:role/ci-deploy"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"


def event(source: str, name: str, when: str = "2026-11-02T10:00:00Z", role: str = "app", **fields) -> dict:
    return {
        "eventVersion": "1.09", "eventTime": when, "eventSource": source, "eventName": name,
        "awsRegion": "eu-west-1", "eventType": "AwsApiCall", "recipientAccountId": ACCOUNT,
        "userIdentity": {"type": "AssumedRole", "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/session-1",
                         "accountId": ACCOUNT,
                         "sessionContext": {"sessionIssuer": {"type": "Role",
                                                              "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}"}}},
        **fields,
    }


def write_log(path: Path, records: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as out:
        json.dump({"Records": records}, out)
    return path


def analyzer_parts():
    """A mapper and a resource finder over this test's database (the mapping table read once)."""
    from policy_tf.iamdb.catalog import catalog
    from policy_tf.sources.cloudtrail import mapping
    from policy_tf.sources.cloudtrail.resources import ResourceFinder

    cat, table = catalog(), _mapping_table()
    return mapping.EventMapper(cat, table), ResourceFinder(cat, table.parameters)


_TABLE = []


def _mapping_table():
    if not _TABLE:
        from policy_tf.sources.cloudtrail import mapping

        _TABLE.append(mapping.load())
    return _TABLE[0]
