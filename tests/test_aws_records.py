"""Sealed plans and journals as bytes: the SHA-256 over the content, the checks on reading, the journal series."""
from __future__ import annotations

import datetime
import json

import pytest

from policy_tf.aws.records import (
    FileStore,
    Tampered,
    check_age,
    digest,
    journal_number,
    latest_journal,
    next_journal,
    seal,
    unseal,
)
from policy_tf.errors import InputError

FORMAT = "policy_tf-boundary-journal/2"
NOW = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.timezone.utc)
RECORD = {"format": FORMAT, "account": "123456789012", "created": "2026-12-07T11:00:00+00:00",
          "accounts": [{"account": "123456789012", "entries": [{"arn": "arn:aws:iam::123456789012:role/é"}]}]}


def test_a_sealed_record_reads_back_as_written():
    data = seal(RECORD)
    record = unseal(data, "j.json", FORMAT, "journal")
    assert record == {**RECORD, "sha256": digest(RECORD)}
    assert seal(record) == data  # sealing again changes nothing


def test_the_digest_ignores_layout_but_not_content():
    text = json.dumps(json.loads(seal(RECORD)), separators=(",", ":"), sort_keys=True).encode()
    assert unseal(text, "j.json", FORMAT, "journal")["account"] == "123456789012"


@pytest.mark.parametrize("edit", [
    lambda r: r.update(account="999999999999"),
    lambda r: r.update(created="2019-01-01T00:00:00+00:00"),
    lambda r: r["accounts"][0]["entries"].append({"arn": "x"}),
    lambda r: r["accounts"][0]["entries"][0].update(arn="arn:aws:iam::123456789012:role/e"),
    lambda r: r.pop("sha256"),
    lambda r: r.update(sha256="0" * 64),
])
def test_any_edit_is_refused(edit):
    record = json.loads(seal(RECORD))
    edit(record)
    with pytest.raises(InputError, match="SHA-256 does not match"):
        unseal(json.dumps(record).encode(), "j.json", FORMAT, "journal")


@pytest.mark.parametrize("change, message", [
    ({"account": "12345"}, "12-digit AWS account id"),
    ({"created": "yesterday"}, "ISO 8601 time with its zone"),
    ({"created": "2026-12-07T11:00:00"}, "ISO 8601 time with its zone"),
    ({"accounts": {}}, "'accounts' must be a list"),
])
def test_a_resealed_record_still_needs_its_account_time_and_accounts(change, message):
    with pytest.raises(InputError, match=message):
        unseal(seal({**RECORD, **change}), "j.json", FORMAT, "journal")


def test_a_wrong_format_is_refused_and_an_older_one_says_what_to_do():
    with pytest.raises(InputError, match="not a journal written by policy_tf"):
        unseal(seal({**RECORD, "format": "something-else"}), "j.json", FORMAT, "journal")
    with pytest.raises(InputError, match="roll back with the policy_tf version that wrote it"):
        unseal(json.dumps({**RECORD, "format": "policy_tf-boundary-journal/1"}).encode(), "j.json", FORMAT, "journal")


def test_tampering_is_its_own_error_type():
    with pytest.raises(Tampered):
        unseal(seal(RECORD).replace(b"123456789012", b"999999999999", 1), "j.json", FORMAT, "journal")


def test_age_is_checked_both_ways():
    check_age(RECORD, "p.json", "plan", NOW, datetime.timedelta(days=7))
    with pytest.raises(InputError, match="older than --max-plan-age"):
        check_age(RECORD, "p.json", "plan", NOW, datetime.timedelta(minutes=30))
    with pytest.raises(InputError, match="in the future"):
        check_age(RECORD, "p.json", "plan", NOW - datetime.timedelta(hours=2), datetime.timedelta(days=7))


def test_journals_form_a_series_that_is_never_reused():
    base = "plan.journal.json"
    assert next_journal(base, []) == base
    assert next_journal(base, [base, "other.json"]) == "plan.journal.2.json"
    names = [base, "plan.journal.2.json", "plan.journal.10.json", "plan.journal.x.json", "plan.journal.0.json"]
    assert next_journal(base, names) == "plan.journal.11.json"
    assert latest_journal(base, names) == "plan.journal.10.json" and latest_journal(base, ["x"]) is None
    assert journal_number(base, "plan.journal.1.json") is None  # the first is the base name itself
    assert next_journal("undo", ["undo"]) == "undo.2"


def test_the_file_store_creates_exclusively_and_lists_what_is_there(tmp_path):
    store = FileStore(str(tmp_path))
    store.create("j.json", b"1")
    with pytest.raises(OSError, match="already exists"):
        store.create("j.json", b"2")
    store.replace("j.json", b"3")
    assert store.read("j.json") == b"3" and store.names() == ["j.json"]
    (tmp_path / "d.json").mkdir()
    with pytest.raises(OSError, match="where a journal belongs"):
        store.check(["d.json"])
