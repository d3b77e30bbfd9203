"""boundary apply / rollback: carry out exactly a plan, and undo it from its journal.

``apply`` refuses an entity whose policies or boundary changed since the plan, and the
principal running it. It creates the entity's boundary policy, or adds a version to it
(deleting the oldest non-default version at AWS's limit of 5), attaches it, and records
what was there before in a journal written after every entity, so that a run cut short
can still be rolled back.
"""
from __future__ import annotations

import json
from pathlib import Path

from policy_tf.aws.boundary import is_ours
from policy_tf.errors import InputError

JOURNAL_FORMAT = "policy_tf-boundary-journal/1"
MAX_VERSIONS = 5


def load(path: str | Path, expected_format: str, what: str) -> dict:
    from policy_tf.aws.files import read_json

    data = read_json(path, what)
    if not isinstance(data, dict) or data.get("format") != expected_format:
        raise InputError(f"{what} {path}: not a {what} written by policy_tf ({expected_format})")
    if not isinstance(data.get("accounts"), list):
        raise InputError(f"{what} {path}: 'accounts' must be a list")
    return data


_ENTRY_KEYS = {"arn": str, "type": str, "name": str, "policy_name": str, "policy_path": str, "policy_arn": str,
               "document": dict, "fingerprint": str}


def check_plan(plan: dict, path) -> None:
    """InputError naming the first malformed entry: apply must carry out exactly a well-formed plan."""
    for account in plan["accounts"]:
        if not isinstance(account, dict) or not isinstance(account.get("account"), str) \
                or not isinstance(account.get("entities"), list):
            raise InputError(f"plan {path}: each account needs 'account' and a list of 'entities'")
        for entry in account["entities"]:
            if not isinstance(entry, dict) or entry.get("action") not in ("attach", "skip"):
                raise InputError(f"plan {path}: account {account['account']}: an entity without action attach/skip")
            if entry["action"] == "attach":
                for key, kind in _ENTRY_KEYS.items():
                    if not isinstance(entry.get(key), kind):
                        raise InputError(f"plan {path}: {entry.get('arn', '?')}: '{key}' must be a {kind.__name__}")
                if entry["type"] not in ("role", "user"):
                    raise InputError(f"plan {path}: {entry['arn']}: type must be role or user")
                partition = entry["arn"].split(":")[1] if entry["arn"].count(":") >= 5 else "aws"
                expected = f"arn:{partition}:iam::{account['account']}:policy{entry['policy_path']}{entry['policy_name']}"
                if entry["policy_arn"] != expected or not is_ours(entry["policy_arn"]):
                    raise InputError(f"plan {path}: {entry['arn']}: policy_arn must be {expected}, a boundary "
                                     "policy_tf writes")


_RECORD_KEYS = {"arn": str, "type": str, "name": str, "policy_arn": str}


def check_journal(journal: dict, path) -> None:
    """InputError naming the first malformed record of a journal."""
    for account in journal["accounts"]:
        if not isinstance(account, dict) or not isinstance(account.get("account"), str) \
                or not isinstance(account.get("entries"), list):
            raise InputError(f"journal {path}: each account needs 'account' and a list of 'entries'")
        for record in account["entries"]:
            for key, kind in _RECORD_KEYS.items():
                if not isinstance(record, dict) or not isinstance(record.get(key), kind):
                    raise InputError(f"journal {path}: account {account['account']}: each entry needs '{key}'")
            if record["type"] not in ("role", "user") or not isinstance(record.get("previous_boundary"), (str, type(None))):
                raise InputError(f"journal {path}: {record['arn']}: bad type or previous_boundary")


def default_journal(plan_path: str | Path) -> Path:
    path = Path(plan_path)
    return path.with_name(path.stem + ".journal.json")


class Journal:
    """The rollback journal, rewritten (atomically) after each change."""

    def __init__(self, path: Path, plan_path: str, assume_role_name: str | None):
        from policy_tf.aws.advisor import utcnow

        self.path = path
        self.data = {"format": JOURNAL_FORMAT, "plan": str(plan_path), "created": utcnow().isoformat(),
                     "assume_role_name": assume_role_name, "accounts": []}

    def account(self, account: str) -> list:
        entries: list = []
        self.data["accounts"].append({"account": account, "entries": entries})
        return entries

    def save(self) -> None:
        from policy_tf.aws.files import to_json, write_if_changed

        write_if_changed(self.path, to_json(self.data))


def _ensure_policy(iam, entry: dict) -> dict:
    """Create the boundary policy, or make the planned document its default version; what was done."""
    from policy_tf.aws.state import default_document

    arn, document = entry["policy_arn"], entry["document"]
    found = default_document(iam, arn)
    text = json.dumps(document, separators=(",", ":"))
    if found is None:
        iam.create_policy(PolicyName=entry["policy_name"], Path=entry["policy_path"], PolicyDocument=text,
                          Description=f"Permissions boundary of {entry['arn']}, written by policy_tf from its usage")
        return {"policy_created": True, "previous_default_version": None, "new_version": None}
    if found[1] == document:
        return {"policy_created": False, "previous_default_version": None, "new_version": None}
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    if len(versions) >= MAX_VERSIONS:
        oldest = min((v for v in versions if not v["IsDefaultVersion"]), key=lambda v: v["CreateDate"])
        iam.delete_policy_version(PolicyArn=arn, VersionId=oldest["VersionId"])
    new = iam.create_policy_version(PolicyArn=arn, PolicyDocument=text, SetAsDefault=True)["PolicyVersion"]["VersionId"]
    return {"policy_created": False, "previous_default_version": found[0], "new_version": new}


def apply_account(boto_session, account_plan: dict, journal: Journal) -> list[dict]:
    """Apply one account's part of the plan; one outcome per planned entity."""
    from policy_tf.aws.plan import runner_entity
    from policy_tf.aws.session import caller_identity, client, error_message
    from policy_tf.aws.state import current_boundary, fingerprint, put_boundary

    identity = caller_identity(boto_session)
    if identity["Account"] != account_plan["account"]:
        raise InputError(f"the plan is for account {account_plan['account']}, but these credentials are for "
                         f"{identity['Account']}")
    runner = runner_entity(identity["Arn"])
    iam = client("iam", boto_session=boto_session)
    entries = journal.account(account_plan["account"])
    outcomes = []
    for entry in account_plan["entities"]:
        if entry.get("action") != "attach":
            continue
        outcome = {"arn": entry["arn"], "status": "applied", "message": ""}
        outcomes.append(outcome)
        try:
            if runner and (entry["type"], entry["name"].lower()) == (runner[0], runner[1].lower()):
                outcome.update(status="refused", message="the principal running policy_tf: a boundary could lock it out")
                continue
            if fingerprint(iam, entry["type"], entry["name"]) != entry["fingerprint"]:
                outcome.update(status="refused", message="changed since the plan (its policies or boundary): "
                                                         "run boundary plan again")
                continue
            previous = current_boundary(iam, entry["type"], entry["name"])
            done = _ensure_policy(iam, entry)
            record = {"arn": entry["arn"], "type": entry["type"], "name": entry["name"],
                      "previous_boundary": previous, "policy_arn": entry["policy_arn"], **done}
            entries.append(record)
            journal.save()  # before the attachment: a crash now still leaves the policy to clean up
            put_boundary(iam, entry["type"], entry["name"], entry["policy_arn"])
            record["attached"] = True
            journal.save()
        except Exception as exc:
            outcome.update(status="failed", message=error_message(exc))
    return outcomes


def rollback_account(boto_session, journal_account: dict) -> list[dict]:
    """Give each entity in one account's journal its previous boundary (or none), newest change first."""
    from policy_tf.aws.session import client, error_message
    from policy_tf.aws.state import current_boundary, put_boundary

    iam = client("iam", boto_session=boto_session)
    outcomes = []
    for record in reversed(journal_account.get("entries", [])):
        outcome = {"arn": record["arn"], "status": "rolled back", "message": ""}
        outcomes.append(outcome)
        try:
            now = current_boundary(iam, record["type"], record["name"])
            if now not in (record["policy_arn"], record["previous_boundary"]):
                outcome.update(status="refused", message=f"its boundary changed since apply (now {now}): left alone")
                continue
            put_boundary(iam, record["type"], record["name"], record["previous_boundary"])
            if record.get("previous_default_version"):
                iam.set_default_policy_version(PolicyArn=record["policy_arn"],
                                               VersionId=record["previous_default_version"])
                try:
                    iam.delete_policy_version(PolicyArn=record["policy_arn"], VersionId=record["new_version"])
                except iam.exceptions.NoSuchEntityException:
                    pass  # already gone: a second rollback
            elif record.get("policy_created"):
                _delete_policy(iam, record["policy_arn"])
        except Exception as exc:
            outcome.update(status="failed", message=error_message(exc))
    return outcomes


def _delete_policy(iam, arn: str) -> None:
    try:
        for version in iam.list_policy_versions(PolicyArn=arn)["Versions"]:
            if not version["IsDefaultVersion"]:
                iam.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
        iam.delete_policy(PolicyArn=arn)
    except iam.exceptions.NoSuchEntityException:
        pass  # already gone: a second rollback
