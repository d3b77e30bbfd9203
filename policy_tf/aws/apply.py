"""boundary apply / rollback: carry out exactly a plan, and undo it from its journal.

Before any change, ``apply`` checks the plan: its SHA-256 (an edited plan is refused), its
age (``max_age``), its account (the credentials' account must be the plan's), and what it
would do (only policy_tf's own boundary policies, each with its self-protection). It refuses
an entity whose policies or boundary changed since the plan, and the principal running it.

The journal is written ahead: each change is recorded as intended, and the record synced to
disk, before the AWS call; it is marked done (or failed) after it. If the journal cannot be
written, the run stops before the next AWS call. A journal is never overwritten: each run
gets a new file of the series (``plan.journal.json``, ``plan.journal.2.json``...), created
only when the first change is about to happen, so a refused or failed run leaves no file.

``rollback`` checks the journal (SHA-256, account) and then, for each entity, that the
policy is one policy_tf created in the journal's account and that its current state is what
``apply`` left (boundary, default version, document); anything else is reported, not changed.
"""
from __future__ import annotations

import datetime
import hashlib
import json

from policy_tf.aws.boundary import is_ours
from policy_tf.aws.records import FileStore, Tampered, digest, next_journal, seal, unseal
from policy_tf.core.errors import InputError, PolicyTfError

JOURNAL_FORMAT = "policy_tf-boundary-journal/2"
MAX_VERSIONS = 5
DEFAULT_MAX_PLAN_AGE = datetime.timedelta(days=7)


class JournalError(PolicyTfError):
    """The journal could not be written: the run stopped before its next AWS change."""


def document_digest(document) -> str:
    """SHA-256 of a policy document's canonical JSON (key order and spacing do not matter)."""
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


# --- the plan ------------------------------------------------------------------------------------

_ENTRY_KEYS = {"arn": str, "type": str, "name": str, "policy_name": str, "policy_path": str, "policy_arn": str,
               "document": dict, "fingerprint": str}


def parse_plan(data: bytes, source: str, now: datetime.datetime,
               max_age: datetime.timedelta = DEFAULT_MAX_PLAN_AGE) -> dict:
    """The plan in ``data`` after every check ``apply`` makes before touching the account."""
    from policy_tf.aws.plan import PLAN_FORMAT
    from policy_tf.aws.records import check_age

    plan = unseal(data, source, PLAN_FORMAT, "plan")
    check_plan(plan, source)
    check_age(plan, source, "plan", now, max_age)
    return plan


def check_plan(plan: dict, path) -> None:
    """InputError naming the first malformed entry: apply must carry out exactly a well-formed plan."""
    from policy_tf.aws.boundary import ALLOW_SID, policy_name, protection

    for account in plan["accounts"]:
        if not isinstance(account, dict) or not isinstance(account.get("account"), str) \
                or not isinstance(account.get("entities"), list):
            raise InputError(f"plan {path}: each account needs 'account' and a list of 'entities'")
        for entry in account["entities"]:
            if not isinstance(entry, dict) or entry.get("action") not in ("attach", "skip"):
                raise InputError(f"plan {path}: account {account['account']}: an entity without action attach/skip")
            if entry["action"] != "attach":
                continue
            for key, kind in _ENTRY_KEYS.items():
                if not isinstance(entry.get(key), kind):
                    raise InputError(f"plan {path}: {entry.get('arn', '?')}: '{key}' must be a {kind.__name__}")
            if entry["type"] not in ("role", "user"):
                raise InputError(f"plan {path}: {entry['arn']}: type must be role or user")
            partition = _partition(entry["arn"])
            expected = f"arn:{partition}:iam::{account['account']}:policy{entry['policy_path']}{entry['policy_name']}"
            if entry["policy_arn"] != expected or not is_ours(entry["policy_arn"]) \
                    or entry["policy_name"] != policy_name(entry["type"], entry["name"]):
                raise InputError(f"plan {path}: {entry['arn']}: policy_arn must be {expected}, a boundary "
                                 "policy_tf writes")
            # Defence beyond the digest (which anyone can recompute): the boundary keeps its protection.
            statements = entry["document"].get("Statement")
            guard = protection(partition, account["account"])
            if not isinstance(statements, list) or len(statements) != 1 + len(guard) or statements[1:] != guard:
                raise InputError(f"plan {path}: {entry['arn']}: the boundary lacks its self-protection (the Deny "
                                 "statements boundary plan writes): refused")
            allow = statements[0]
            actions = allow.get("Action") if isinstance(allow, dict) else None
            if not isinstance(allow, dict) or allow.get("Effect") != "Allow" or allow.get("Sid") != ALLOW_SID \
                    or not isinstance(actions, list) or not all(isinstance(a, str) for a in actions) \
                    or any(a.strip() in ("*", "*:*") for a in actions) or "NotAction" in allow:
                raise InputError(f"plan {path}: {entry['arn']}: the boundary's Allow statement is not one boundary "
                                 "plan writes (it would allow every action, or is malformed): refused")


def _partition(arn: str) -> str:
    parts = arn.split(":")
    return parts[1] if len(parts) >= 6 and parts[1] else "aws"


# --- the journal ---------------------------------------------------------------------------------

_RECORD_KEYS = {"arn": str, "type": str, "name": str, "policy_arn": str, "policy_name": str, "policy_path": str,
                "document_sha256": str, "steps": list}
_STEPS = ("create_policy", "delete_version", "create_version", "attach")


def parse_journal(data: bytes, source: str) -> dict:
    journal = unseal(data, source, JOURNAL_FORMAT, "journal")
    check_journal(journal, source)
    return journal


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
            if record["type"] not in ("role", "user") \
                    or not isinstance(record.get("previous_boundary"), (str, type(None))) \
                    or not isinstance(record.get("previous_default_version"), (str, type(None))):
                raise InputError(f"journal {path}: {record['arn']}: bad type, previous_boundary or "
                                 "previous_default_version")
            for step in record["steps"]:
                if not isinstance(step, dict) or step.get("action") not in _STEPS \
                        or step.get("state") not in ("intended", "done", "failed") \
                        or not isinstance(step.get("version_id"), (str, type(None))):
                    raise InputError(f"journal {path}: {record['arn']}: a malformed step")


def default_journal(plan_path: str) -> str:
    """``<plan>.journal.json`` beside the plan: the first name of the series."""
    import os

    folder, name = os.path.split(plan_path)
    stem = name[:-5] if name.endswith(".json") else name
    return os.path.join(folder, stem + ".journal.json")


class Journal:
    """The write-ahead journal of one apply run: created at its first record, never overwritten.

    ``store``: where it is kept (a ``FileStore`` or any object with ``create``/``replace``/``names``);
    ``base``: the first name of its series; the run takes the next free one.
    """

    def __init__(self, store, base: str, plan: dict, plan_source: str, account: str):
        from policy_tf.aws.advisor import utcnow

        self.store = store
        names = store.names()
        if hasattr(store, "check"):
            from policy_tf.aws.records import journal_number

            store.check([n for n in names if journal_number(base, n)] + [base])
        self.name = next_journal(base, names)
        self.created = False
        self.data: dict = {"format": JOURNAL_FORMAT, "account": account, "created": utcnow().isoformat(),
                     "plan": plan_source, "plan_sha256": plan.get("sha256"),
                     "assume_role_name": plan.get("assume_role_name"), "accounts": []}

    @property
    def path(self) -> str:
        return self.store.path(self.name) if hasattr(self.store, "path") else self.name

    def account(self, account: str) -> list:
        entries: list = []
        self.data["accounts"].append({"account": account, "entries": entries})
        return entries

    def save(self) -> None:
        """Write the journal through, synced; JournalError if it cannot be (nothing more may change then)."""
        data = seal(self.data)
        try:
            if self.created:
                self.store.replace(self.name, data)
            else:
                self.store.create(self.name, data)
                self.created = True
        except (OSError, InputError) as exc:
            done = "what was done before is in it" if self.created else "nothing was changed"
            raise JournalError(f"the journal {self.path} cannot be written ({exc}): stopped before the next AWS "
                               f"change; {done}") from None


def _step(journal: Journal, record: dict, action: str, call, **details):
    """Record ``action`` as intended (synced), make the AWS call, record how it ended."""
    from policy_tf.aws.session import error_message

    step = {"action": action, "state": "intended", "version_id": None, **details}
    record["steps"].append(step)
    journal.save()
    try:
        result = call()
    except Exception as exc:
        step.update(state="failed", error=error_message(exc))
        journal.save()
        raise
    step["state"] = "done"
    if action == "create_version":
        step["version_id"] = result["PolicyVersion"]["VersionId"]
    journal.save()
    return result


def _ensure_policy(iam, entry: dict, record: dict, journal: Journal) -> None:
    """Create the boundary policy, or make the planned document its default version, journaled ahead."""
    from policy_tf.aws.state import default_document

    arn, document = entry["policy_arn"], entry["document"]
    found = default_document(iam, arn)
    text = json.dumps(document, separators=(",", ":"))
    if found is None:
        _step(journal, record, "create_policy", lambda: iam.create_policy(
            PolicyName=entry["policy_name"], Path=entry["policy_path"], PolicyDocument=text,
            Description=f"Permissions boundary of {entry['arn']}, written by policy_tf from its usage"))
        return
    if document_digest(found[1]) == record["document_sha256"]:
        return
    record["previous_default_version"] = found[0]
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    if len(versions) >= MAX_VERSIONS:
        oldest = min((v for v in versions if not v["IsDefaultVersion"]), key=lambda v: v["CreateDate"])
        _step(journal, record, "delete_version",
              lambda: iam.delete_policy_version(PolicyArn=arn, VersionId=oldest["VersionId"]),
              version_id=oldest["VersionId"])
    _step(journal, record, "create_version",
          lambda: iam.create_policy_version(PolicyArn=arn, PolicyDocument=text, SetAsDefault=True))


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
                outcome.update(status="refused",
                               message="the principal running policy_tf: a boundary could lock it out")
                continue
            if fingerprint(iam, entry["type"], entry["name"]) != entry["fingerprint"]:
                outcome.update(status="refused", message="changed since the plan (its policies or boundary): "
                                                         "run boundary plan again")
                continue
            previous = current_boundary(iam, entry["type"], entry["name"])
            record = {"arn": entry["arn"], "type": entry["type"], "name": entry["name"],
                      "policy_arn": entry["policy_arn"], "policy_name": entry["policy_name"],
                      "policy_path": entry["policy_path"], "document_sha256": document_digest(entry["document"]),
                      "previous_boundary": previous, "previous_default_version": None, "steps": []}
            entries.append(record)
            _ensure_policy(iam, entry, record, journal)
            if previous != entry["policy_arn"]:
                _step(journal, record, "attach",
                      lambda entry=entry: put_boundary(iam, entry["type"], entry["name"], entry["policy_arn"]))
            if not record["steps"]:
                entries.remove(record)  # already as planned: nothing to undo
                outcome.update(message="already as planned")
        except JournalError:
            raise
        except Exception as exc:  # noqa: BLE001 - one entity fails, reported in its outcome; the others go on
            outcome.update(status="failed", message=error_message(exc))
    return outcomes


# --- rollback ------------------------------------------------------------------------------------

def _steps(record: dict) -> dict[str, dict]:
    return {step["action"]: step for step in record["steps"]}


def _decide(iam, record: dict, account: str) -> tuple[list, str]:
    """(the changes that undo ``record``, why it is refused or ''): nothing is changed here."""
    from policy_tf.aws.boundary import policy_name
    from policy_tf.aws.state import current_boundary, default_document

    expected = f"arn:{_partition(record['arn'])}:iam::{account}:policy{record['policy_path']}{record['policy_name']}"
    if record["policy_arn"] != expected or not is_ours(record["policy_arn"]) \
            or record["policy_name"] != policy_name(record["type"], record["name"]) \
            or record["arn"].split(":")[4:5] != [account]:
        return [], f"{record['policy_arn']} is not a boundary policy policy_tf creates in account {account}: left alone"
    previous = record["previous_boundary"]
    if previous is not None and (previous.split(":")[4:5] not in ([account], ["aws"]) or ":policy/" not in previous):
        return [], (f"its previous boundary {previous} is not a managed policy of account {account} or AWS: "
                    "left alone")
    steps = _steps(record)
    if not steps:
        return [], ""
    arn = record["policy_arn"]
    now = current_boundary(iam, record["type"], record["name"])
    if now not in (arn, record["previous_boundary"]):
        return [], f"its boundary changed since apply (now {now}): left alone"
    changes = []
    if now == arn and now != record["previous_boundary"]:
        changes.append(("boundary", record["previous_boundary"]))
    found = default_document(iam, arn)
    if "create_policy" in steps:
        if found is not None:
            if document_digest(found[1]) != record["document_sha256"]:
                return [], f"{arn} changed since apply (its default version is not the one apply wrote): left alone"
            changes.append(("delete_policy", None))
    elif "create_version" in steps and found is not None:
        previous = record["previous_default_version"]
        new = steps["create_version"].get("version_id")
        if found[0] == previous:
            if new:
                changes.append(("delete_version", new))  # a rollback cut short: the default is back already
        elif document_digest(found[1]) == record["document_sha256"] and (new is None or found[0] == new):
            if not previous:
                return [], f"{arn}: the journal does not say which version was the default before: left alone"
            changes += [("default_version", previous), ("delete_version", found[0])]
        else:
            return [], f"{arn} changed since apply (its default version is not the one apply wrote): left alone"
    return changes, ""


def rollback_account(boto_session, journal_account: dict) -> list[dict]:
    """Undo, newest first, what the journal says apply did in one account, where the account is
    still as apply left it."""
    from policy_tf.aws.session import caller_identity, client, error_message
    from policy_tf.aws.state import put_boundary

    account = journal_account["account"]
    identity = caller_identity(boto_session)
    if identity["Account"] != account:
        return [{"arn": record["arn"], "status": "refused",
                 "message": f"the journal is for account {account}, but these credentials are for "
                            f"{identity['Account']}: left alone"} for record in journal_account["entries"]]
    iam = client("iam", boto_session=boto_session)
    outcomes = []
    for record in reversed(journal_account["entries"]):
        outcome = {"arn": record["arn"], "status": "rolled back", "message": ""}
        outcomes.append(outcome)
        try:
            changes, refusal = _decide(iam, record, account)
            if refusal:
                outcome.update(status="refused", message=refusal)
                continue
            if not changes:
                outcome.update(status="unchanged", message="nothing of apply's is left to undo")
            for kind, value in changes:
                if kind == "boundary":
                    put_boundary(iam, record["type"], record["name"], value)
                elif kind == "default_version":
                    iam.set_default_policy_version(PolicyArn=record["policy_arn"], VersionId=value)
                elif kind == "delete_version":
                    try:
                        iam.delete_policy_version(PolicyArn=record["policy_arn"], VersionId=value)
                    except iam.exceptions.NoSuchEntityException:
                        pass
                else:
                    _delete_policy(iam, record["policy_arn"])
        except Exception as exc:  # noqa: BLE001 - one entity fails, reported in its outcome; the others go on
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


__all__ = ["DEFAULT_MAX_PLAN_AGE", "FileStore", "JOURNAL_FORMAT", "Journal", "JournalError", "Tampered",
           "apply_account", "check_journal", "check_plan", "default_journal", "digest", "parse_journal",
           "parse_plan", "rollback_account"]
