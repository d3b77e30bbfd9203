"""Logic that moved from cli/ into the library (issue 19): each job one function, tested here."""
from __future__ import annotations

import io
import sys

import pytest

from policy_tf.core.errors import InputError

# --- analysis.checks.select_checks: --checks and --skip-check ------------------------------------

def test_no_selection_means_every_check():
    from policy_tf.analysis.checks import select_checks

    assert select_checks(None, None) == set()


def test_checks_are_comma_separated_and_any_case():
    from policy_tf.analysis.checks import select_checks

    assert select_checks(["resource_exposure, validity"], None) == {"RESOURCE_EXPOSURE", "validity"}


def test_skipping_a_category_leaves_every_other_check():
    from policy_tf.analysis.checks import list_checks, select_checks

    kept = select_checks(None, ["validity"])
    assert kept == {code for code, _, category, _ in list_checks() if category != "validity"}


def test_skipping_everything_chosen_is_an_input_error():
    from policy_tf.analysis.checks import select_checks

    with pytest.raises(InputError, match="leaves no check"):
        select_checks(["RESOURCE_EXPOSURE"], ["resource-exposure"])


def test_an_unknown_check_name_is_refused():
    from policy_tf.analysis.checks import select_checks
    from policy_tf.core.errors import PolicyTfError

    with pytest.raises(PolicyTfError):
        select_checks(["NO_SUCH_CHECK"], None)


# --- analysis.expand.level_rows: analyze-iam-policy --fmt table ---------------------------------

def test_level_rows_give_each_allowed_action_its_access_level():
    from policy_tf.analysis.expand import action_index, level_rows

    rows = level_rows({"a.json": ["s3:GetObject", "s3:PutObject"]}, action_index())
    assert rows == [{"file": "a.json", "action": "s3:GetObject", "access_level": "Read"},
                    {"file": "a.json", "action": "s3:PutObject", "access_level": "Write"}]


# --- safeload: '-' is standard input, with the file's cap -----------------------------------------

def test_dash_reads_standard_input_through_the_input_gate(monkeypatch):
    from policy_tf.core import safeload

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"hello")))
    assert safeload.read_file("-", "policy file") == "hello"


def test_standard_input_over_the_cap_is_refused(monkeypatch):
    from policy_tf.core import safeload

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x" * 100)))
    with pytest.raises(InputError, match="<stdin>"):
        safeload.read_file("-", "policy file", max_bytes=10)


def test_closed_standard_input_is_an_input_error(monkeypatch):
    from policy_tf.core import safeload

    monkeypatch.setattr(sys, "stdin", None)
    with pytest.raises(InputError, match="<stdin>"):
        safeload.read_file("-")


# --- quiet: summaries and details go, errors stay ----------------------------------------------

def test_a_quiet_event_log_writes_errors_only():
    from policy_tf.aws.eventlog import EventLog

    stream = io.StringIO()
    log = EventLog("text", stream, quiet=True)
    log.detail("d")
    log.summary("s")
    log.error("e")
    assert stream.getvalue() == "e\n"


def test_a_quiet_policy_dir_report_keeps_errors_and_out_of_date_files():
    from policy_tf.terraform.policy_dir import DirSummary, report

    stream = io.StringIO()
    report(DirSummary(written=["out/a.json"], checked=True, notes=["n"], warnings=["w"]), stream, quiet=True)
    assert stream.getvalue().splitlines() == ["policy_tf: warning: w", "policy_tf: out of date: out/a.json"]


def test_a_quiet_policy_dir_report_with_nothing_to_say_writes_nothing():
    from policy_tf.terraform.policy_dir import DirSummary, report

    stream = io.StringIO()
    report(DirSummary(written=["out/a.json"], notes=["n"]), stream, quiet=True)
    assert stream.getvalue() == ""


# --- aws.plan.plan_lines: what boundary plan reports -----------------------------------------------

PLAN = {"accounts": [{"account": "111122223333", "entities": [
    {"arn": "arn:aws:iam::111122223333:role/app", "type": "role", "action": "attach", "policy_name": "b-app",
     "size": 120, "diff": {"added": ["s3:GetObject"], "removed": []}},
    {"arn": "arn:aws:iam::111122223333:role/young", "type": "role", "action": "skip", "reason": "younger than 90 days"},
    {"arn": "arn:aws:iam::111122223333:user/u", "type": "user", "action": "skip", "reason": "job failed",
     "error": "AccessDenied"},
]}]}


def test_plan_lines_report_each_entity_in_order():
    from policy_tf.aws.plan import plan_lines

    lines = plan_lines(PLAN)
    assert [(line.status, line.failed) for line in lines] == [("attach", False), ("skip", False), ("skip", True)]
    assert lines[0].message == ("attach arn:aws:iam::111122223333:role/app: b-app (120 characters, "
                                "+1 -0 actions)")
    assert lines[1].message == "skip   arn:aws:iam::111122223333:role/young: younger than 90 days"


# --- aws.eventlog.advisor_events: what access-advisor reports ---------------------------------------

ADVISOR = {"account": "111122223333", "days": 90, "entities": [
    {"arn": "arn:aws:iam::111122223333:role/a", "type": "role", "name": "a", "services": []},
    {"arn": "arn:aws:iam::111122223333:role/b", "type": "role", "name": "b", "error": "job timed out"},
], "tagging": [
    {"arn": "arn:aws:iam::111122223333:role/a", "error": "throttled", "skipped": None, "dropped": []},
    {"arn": "arn:aws:iam::111122223333:role/c", "error": None, "skipped": "on the do-not-tag list", "dropped": []},
]}


def test_advisor_events_count_failed_jobs_and_tagging():
    from policy_tf.aws.eventlog import EventLog, advisor_events

    stream = io.StringIO()
    assert advisor_events(EventLog("text", stream), ADVISOR) == 2
    assert stream.getvalue().splitlines() == [
        "arn:aws:iam::111122223333:role/b: job timed out",
        "arn:aws:iam::111122223333:role/a: tagging failed: throttled",
        "arn:aws:iam::111122223333:role/c: not tagged: on the do-not-tag list"]


def test_quiet_advisor_events_keep_the_failures():
    from policy_tf.aws.eventlog import EventLog, advisor_events

    stream = io.StringIO()
    assert advisor_events(EventLog("text", stream, quiet=True), ADVISOR) == 2
    assert "not tagged" not in stream.getvalue() and "tagging failed" in stream.getvalue()


# --- iamdb.query.action_rows and arn_types: query's table shapes -----------------------------------

def test_action_rows_show_level_and_resource_types():
    from policy_tf.iamdb.query import action_rows

    (row,) = action_rows(["s3:GetObject"])
    assert row["action"] == "s3:GetObject" and row["access_level"] == "Read"
    assert "object" in row["resource_types"]


def test_action_rows_without_resource_types_show_a_star():
    from policy_tf.iamdb.query import action_rows

    (row,) = action_rows(["s3:ListAllMyBuckets"])
    assert row["resource_types"] == "*"


def test_arn_types_are_keyed_by_service_only_for_all():
    from policy_tf.iamdb.query import arn_types

    rows = [{"service": "s3", "resource_type": "bucket", "arn_format": "arn:${Partition}:s3:::${BucketName}"}]
    assert arn_types(rows, "s3") == {"bucket": "arn:${Partition}:s3:::${BucketName}"}
    assert arn_types(rows, "ALL") == {"s3:bucket": "arn:${Partition}:s3:::${BucketName}"}
