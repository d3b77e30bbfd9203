"""Account changes you can trust: sealed plans and journals, write-ahead journaling, guarded rollback.

Against the moto server, through the CLI, as a user or an attacker would try them.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("moto.server")

from policy_tf.aws.records import seal  # noqa: E402
from policy_tf.cli import main  # noqa: E402
from tests.aws.test_aws_boundary import ACCOUNT, ANY, BOUNDARY, ROLE, _boundary, _entry, account  # noqa: E402,F401
from tests.aws_harness import aws, environment, iam_client, moto_server  # noqa: E402,F401

USER_BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/policy_tf/policy_tf-boundary-user-alice"
EVERYTHING = {"Sid": "PolicyTfUsedWithinPeriod", "Effect": "Allow", "Action": ["*:*"], "Resource": "*"}


@pytest.fixture
def planned(account, tmp_path, capsys):
    """A fresh plan at tmp_path/plan.json, as boundary plan wrote it."""
    assert main(["boundary", "plan", "--output", str(tmp_path / "plan.json"), "--min-age-days", "0"]) == 0
    capsys.readouterr()
    return tmp_path / "plan.json"


def _run(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "Exception ignored" not in captured.err
    return code, captured.err


def _local_policies() -> list[str]:
    return sorted(p["PolicyName"] for p in iam_client().list_policies(Scope="Local")["Policies"])


def _refused(capsys, planned, change, message: str, *options: str) -> None:
    """``change`` the plan (a function of the plan's data), seal it again, and expect apply to refuse it."""
    plan = json.loads(planned.read_text())
    change(plan)
    planned.write_bytes(seal(plan))
    code, err = _run(capsys, "boundary", "apply", str(planned), *options)
    assert code == 2 and message in err, err


def _untouched(account, folder) -> None:
    """No AWS change was made and no journal written."""
    assert account.calls["CreatePolicy"] == 0 and account.calls["PutRolePermissionsBoundary"] == 0
    assert _boundary("role", "app") is None and _boundary("user", "alice") is None
    assert not [p for p in os.listdir(folder) if ".journal" in p]


# --- plans -----------------------------------------------------------------------------------------

def test_a_plan_carries_its_account_time_and_digest(planned):
    from policy_tf.aws.records import digest

    plan = json.loads(planned.read_text())
    assert plan["account"] == ACCOUNT and plan["created"].endswith("+00:00")
    assert plan["sha256"] == digest(plan) and plan["format"] == "policy_tf-boundary-plan/2"


def test_a_plan_edited_to_allow_everything_without_protection_is_refused(planned, account, capsys, tmp_path):
    plan = json.loads(planned.read_text())
    _entry(plan, ROLE)["document"]["Statement"] = [EVERYTHING]
    planned.write_text(json.dumps(plan, indent=2))
    code, err = _run(capsys, "boundary", "apply", str(planned))
    assert code == 2 and "SHA-256 does not match" in err
    _untouched(account, tmp_path)


def _statements(plan: dict) -> list:
    return _entry(plan, ROLE)["document"]["Statement"]


def test_a_plan_edited_with_its_digest_recomputed_is_still_refused(planned, account, capsys, tmp_path):
    _refused(capsys, planned, lambda plan: _statements(plan).__init__([EVERYTHING]), "lacks its self-protection")
    _untouched(account, tmp_path)


def test_a_plan_allowing_every_action_with_its_protection_is_refused(planned, account, capsys, tmp_path):
    _refused(capsys, planned, lambda plan: _statements(plan).__setitem__(0, EVERYTHING), "would allow every action")
    _untouched(account, tmp_path)


def test_an_old_plan_is_refused_and_max_plan_age_says_how_old_is_too_old(planned, account, capsys, tmp_path):
    _refused(capsys, planned, lambda plan: plan.update(created="2019-03-01T12:00:00+00:00"),
             "older than --max-plan-age")
    _untouched(account, tmp_path)
    code, err = _run(capsys, "boundary", "apply", str(planned), "--max-plan-age", "36500d")
    assert code == 0, err
    assert _boundary("role", "app") == BOUNDARY


def test_a_plan_dated_in_the_future_is_refused(planned, account, capsys, tmp_path):
    _refused(capsys, planned, lambda plan: plan.update(created="2999-01-01T00:00:00+00:00"), "in the future")
    _untouched(account, tmp_path)


def test_a_plan_of_another_account_is_refused(planned, account, capsys, tmp_path):
    _refused(capsys, planned, lambda plan: plan.update(account="999999999999"), "belongs to account 999999999999")
    _untouched(account, tmp_path)


def test_a_plan_of_an_older_format_is_refused_with_what_to_do(planned, account, capsys, tmp_path):
    plan = json.loads(planned.read_text())
    plan["format"] = "policy_tf-boundary-plan/1"
    del plan["sha256"]
    planned.write_text(json.dumps(plan))
    code, err = _run(capsys, "boundary", "apply", str(planned))
    assert code == 2 and "run boundary plan again" in err
    _untouched(account, tmp_path)


@pytest.mark.parametrize("content", [b"", b"[]", b"\xff\xfe", b'{"format": 1}', b"null"])
def test_a_malformed_plan_is_one_clear_error(planned, account, capsys, tmp_path, content):
    planned.write_bytes(content)
    code, err = _run(capsys, "boundary", "apply", str(planned))
    assert code == 2 and str(planned) in err
    _untouched(account, tmp_path)


def test_a_fifo_as_the_plan_is_refused_without_hanging(account, capsys, tmp_path):
    os.mkfifo(tmp_path / "plan.json")
    code, err = _run(capsys, "boundary", "apply", str(tmp_path / "plan.json"))
    assert code == 2 and "not a regular file" in err


# --- the journal: written ahead, never overwritten ---------------------------------------------------

def _journal(path) -> dict:
    return json.loads(path.read_text())


def test_every_change_is_journaled_done_after_apply(planned, capsys, tmp_path):
    assert _run(capsys, "boundary", "apply", str(planned))[0] == 0
    journal = _journal(tmp_path / "plan.journal.json")
    assert journal["account"] == ACCOUNT and journal["plan_sha256"] == json.loads(planned.read_text())["sha256"]
    steps = [(r["name"], s["action"], s["state"]) for a in journal["accounts"] for r in a["entries"]
             for s in r["steps"]]
    assert steps == [("app", "create_policy", "done"), ("app", "attach", "done"),
                     ("alice", "create_policy", "done"), ("alice", "attach", "done")]


def test_a_second_run_gets_a_new_journal_and_rollback_takes_the_latest(planned, capsys, tmp_path):
    assert _run(capsys, "boundary", "apply", str(planned))[0] == 0
    first = (tmp_path / "plan.journal.json").read_bytes()
    iam_client().delete_role_permissions_boundary(RoleName="app")
    # Planned again (the role changed), applied again: a second journal, the first untouched.
    assert main(["boundary", "plan", "--output", str(planned), "--min-age-days", "0"]) == 0
    code, err = _run(capsys, "boundary", "apply", str(planned))
    assert code == 0, err
    assert (tmp_path / "plan.journal.json").read_bytes() == first
    assert "plan.journal.2.json" in err and (tmp_path / "plan.journal.2.json").is_file()
    code, err = _run(capsys, "boundary", "rollback", "--latest", str(tmp_path / "plan.journal.json"))
    assert code == 0, err
    assert "plan.journal.2.json" in err and _boundary("role", "app") is None
    assert _boundary("user", "alice") == USER_BOUNDARY  # the first run's, left as it was


def test_a_refused_rerun_changes_no_file(planned, capsys, tmp_path):
    assert _run(capsys, "boundary", "apply", str(planned))[0] == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    plan = json.loads(planned.read_text())
    plan["created"] = "2019-03-01T12:00:00+00:00"
    planned.write_bytes(seal(plan))
    before["plan.json"] = planned.read_bytes()
    assert _run(capsys, "boundary", "apply", str(planned))[0] == 2
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_rerun_with_nothing_left_to_do_writes_no_journal(planned, capsys, tmp_path):
    assert _run(capsys, "boundary", "apply", str(planned))[0] == 0
    code, err = _run(capsys, "boundary", "apply", str(planned))
    assert code == 1 and "changed since the plan" in err  # their boundaries are policy_tf's now
    assert "no journal written" in err and not (tmp_path / "plan.journal.2.json").exists()


def test_an_unreachable_endpoint_changes_no_file(planned, capsys, tmp_path, monkeypatch):
    assert _run(capsys, "boundary", "apply", str(planned))[0] == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IAM"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    code, err = _run(capsys, "boundary", "apply", str(planned))
    assert code == 1 and "AWS:" in err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_folder_in_the_journals_place_stops_apply_before_any_change(planned, account, capsys, tmp_path):
    (tmp_path / "plan.journal.json").mkdir()
    code, err = _run(capsys, "boundary", "apply", str(planned))
    assert code == 2 and "where a journal belongs" in err
    assert account.calls["CreatePolicy"] == 0 and _boundary("role", "app") is None


def test_a_journal_that_cannot_be_written_stops_apply_before_any_change(planned, account, capsys, tmp_path,
                                                                         monkeypatch):
    import errno

    from policy_tf.aws.records import FileStore

    def full(self, name, data):
        raise OSError(errno.ENOSPC, "No space left on device", self.path(name))

    monkeypatch.setattr(FileStore, "create", full)
    code, err = _run(capsys, "boundary", "apply", str(planned))
    assert code == 1 and "No space left on device" in err and "nothing was changed" in err
    _untouched(account, tmp_path)


def test_a_disk_that_fills_up_midway_stops_apply_and_what_was_done_rolls_back(planned, account, capsys, tmp_path,
                                                                               monkeypatch):
    import errno

    from policy_tf.aws.records import FileStore

    real = FileStore.replace
    saves = []

    def filling(self, name, data):
        saves.append(name)
        if len(saves) == 4:  # app's policy created and attached; alice's first intent cannot be recorded
            raise OSError(errno.ENOSPC, "No space left on device", self.path(name))
        return real(self, name, data)

    monkeypatch.setattr(FileStore, "replace", filling)
    code, err = _run(capsys, "boundary", "apply", str(planned))
    assert code == 1 and "stopped before the next AWS change" in err
    assert _boundary("role", "app") == BOUNDARY and _boundary("user", "alice") is None
    assert _local_policies() == ["policy_tf-boundary-role-app"]  # alice's policy was never created
    monkeypatch.setattr(FileStore, "replace", real)
    code, err = _run(capsys, "boundary", "rollback", str(tmp_path / "plan.journal.json"))
    assert code == 0, err
    assert _boundary("role", "app") is None and _local_policies() == []


def test_throttling_is_absorbed_and_journaled(planned, account, capsys, tmp_path):
    account.throttle.update({"CreatePolicy": 2, "PutRolePermissionsBoundary": 2, "GetRole": 2})
    code, err = _run(capsys, "boundary", "apply", str(planned))
    assert code == 0, err
    assert _boundary("role", "app") == BOUNDARY
    journal = _journal(tmp_path / "plan.journal.json")
    assert all(s["state"] == "done" for a in journal["accounts"] for r in a["entries"] for s in r["steps"])
    account.throttle.update({"DeletePolicy": 2, "DeleteRolePermissionsBoundary": 2})
    assert _run(capsys, "boundary", "rollback", str(tmp_path / "plan.journal.json"))[0] == 0
    assert _boundary("role", "app") is None and _local_policies() == []


KILL_AFTER_ATTACH = """
import os, signal, sys
import policy_tf.aws.state as state
real = state.put_boundary
def killed(iam, kind, name, arn):
    real(iam, kind, name, arn)
    if name == "app":
        os.kill(os.getpid(), signal.SIGKILL)  # the AWS call made, its completion never journaled
state.put_boundary = killed
from policy_tf.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_run_killed_between_the_aws_call_and_the_journal_rolls_back(planned, account, capsys, tmp_path):
    env = {**os.environ, **environment(account.endpoint), "PYTHONPATH": os.getcwd()}
    done = subprocess.run([sys.executable, "-c", KILL_AFTER_ATTACH, "boundary", "apply", str(planned)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == -9
    assert _boundary("role", "app") == BOUNDARY  # the change happened...
    journal = _journal(tmp_path / "plan.journal.json")
    app = next(r for a in journal["accounts"] for r in a["entries"] if r["name"] == "app")
    assert app["steps"][-1] == {"action": "attach", "state": "intended", "version_id": None}  # ...only as intended
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".policy_tf-")]  # no temp file left
    code, err = _run(capsys, "boundary", "rollback", str(tmp_path / "plan.journal.json"))
    assert code == 0, err
    assert _boundary("role", "app") is None and _boundary("user", "alice") is None and _local_policies() == []


# --- rollback: only what policy_tf did, only as apply left it ----------------------------------------

@pytest.fixture
def applied(planned, capsys, tmp_path):
    assert _run(capsys, "boundary", "apply", str(planned))[0] == 0
    return tmp_path / "plan.journal.json"


def test_a_hand_edited_journal_is_refused_whole(applied, capsys):
    iam = iam_client()
    theirs = iam.create_policy(PolicyName="CustomerPolicy", PolicyDocument=ANY)["Policy"]["Arn"]
    journal = _journal(applied)
    journal["accounts"][0]["entries"][0]["policy_arn"] = theirs
    applied.write_text(json.dumps(journal, indent=2))
    code, err = _run(capsys, "boundary", "rollback", str(applied))
    assert code == 2 and "SHA-256 does not match" in err
    assert "CustomerPolicy" in _local_policies() and _boundary("role", "app") == BOUNDARY


def test_a_resealed_journal_naming_a_customer_policy_does_not_delete_it(applied, capsys):
    iam = iam_client()
    theirs = iam.create_policy(PolicyName="CustomerPolicy", PolicyDocument=ANY)["Policy"]["Arn"]
    journal = _journal(applied)
    record = next(r for r in journal["accounts"][0]["entries"] if r["name"] == "alice")
    record.update(policy_arn=theirs, policy_name="CustomerPolicy", policy_path="/")
    applied.write_bytes(seal(journal))
    code, err = _run(capsys, "boundary", "rollback", str(applied))
    assert code == 1 and "is not a boundary policy policy_tf creates" in err
    assert "CustomerPolicy" in _local_policies()
    assert _boundary("user", "alice") == USER_BOUNDARY and _boundary("role", "app") is None  # the rest rolled back


def test_a_journal_of_another_account_is_refused(applied, capsys):
    journal = _journal(applied)
    journal["account"] = "999999999999"
    applied.write_bytes(seal(journal))
    code, err = _run(capsys, "boundary", "rollback", str(applied))
    assert code == 2 and "belongs to account 999999999999" in err
    assert _boundary("role", "app") == BOUNDARY


def test_a_journal_part_of_another_account_is_reported_not_rolled_back(applied, capsys):
    journal = _journal(applied)
    journal["accounts"][0]["account"] = "999999999999"
    applied.write_bytes(seal(journal))
    code, err = _run(capsys, "boundary", "rollback", str(applied))
    assert code == 1 and "the journal is for account 999999999999" in err
    assert _boundary("role", "app") == BOUNDARY and _boundary("user", "alice") == USER_BOUNDARY


def test_a_policy_changed_since_apply_is_left_alone(applied, capsys):
    iam = iam_client()
    iam.create_policy_version(PolicyArn=BOUNDARY, PolicyDocument=ANY, SetAsDefault=True)
    code, err = _run(capsys, "boundary", "rollback", str(applied))
    assert code == 1 and "changed since apply" in err
    assert _boundary("role", "app") == BOUNDARY and "policy_tf-boundary-role-app" in _local_policies()
    assert _boundary("user", "alice") is None  # alice was as apply left her


def test_a_resealed_journal_restoring_an_older_wider_version_is_refused(account, capsys, tmp_path):
    iam = iam_client()
    arn = iam.create_policy(PolicyName="policy_tf-boundary-user-alice", Path="/policy_tf/",
                            PolicyDocument=ANY)["Policy"]["Arn"]
    iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=arn)
    assert main(["boundary", "plan", "--output", str(tmp_path / "plan.json"), "--min-age-days", "0"]) == 0
    assert _run(capsys, "boundary", "apply", str(tmp_path / "plan.json"))[0] == 0
    journal = _journal(tmp_path / "plan.journal.json")
    record = next(r for r in journal["accounts"][0]["entries"] if r["name"] == "alice")
    assert record["previous_default_version"] == "v1"
    # Someone narrowed it again after apply: rollback must not bring v1 (Allow *) back over that.
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}),
        SetAsDefault=True)
    code, err = _run(capsys, "boundary", "rollback", str(tmp_path / "plan.journal.json"))
    assert code == 1 and "changed since apply" in err
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"


def test_rolling_back_twice_changes_nothing_the_second_time(applied, capsys):
    assert _run(capsys, "boundary", "rollback", str(applied))[0] == 0
    code, err = _run(capsys, "boundary", "rollback", str(applied))
    assert code == 0 and "unchanged" in err and _local_policies() == []


# --- plan outputs ----------------------------------------------------------------------------------

def test_plan_output_dir_with_a_planted_link_writes_nothing(account, capsys, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "policies").symlink_to(outside)
    code, err = _run(capsys, "boundary", "plan", "--output", str(tmp_path / "plan.json"), "--min-age-days", "0",
                     "--output-dir", str(tmp_path / "tf"))
    assert code == 2 and "symbolic link" in err
    assert os.listdir(outside) == [] and sorted(os.listdir(tmp_path / "tf")) == ["policies"]


def test_plan_output_onto_a_link_is_refused_and_its_target_kept(account, capsys, tmp_path):
    (tmp_path / "elsewhere.json").write_text("keep")
    (tmp_path / "plan.json").symlink_to(tmp_path / "elsewhere.json")
    code, err = _run(capsys, "boundary", "plan", "--output", str(tmp_path / "plan.json"), "--min-age-days", "0")
    assert code == 2 and "it is a symbolic link" in err
    assert (tmp_path / "elsewhere.json").read_text() == "keep"
    assert account.calls["GenerateServiceLastAccessedDetails"] == 0  # refused before the account work


def test_a_resealed_journal_restoring_another_accounts_policy_is_refused(applied, capsys):
    journal = _journal(applied)
    record = next(r for r in journal["accounts"][0]["entries"] if r["name"] == "app")
    record["previous_boundary"] = "arn:aws:iam::999999999999:policy/Admin"
    applied.write_bytes(seal(journal))
    code, err = _run(capsys, "boundary", "rollback", str(applied))
    assert code == 1 and "is not a managed policy of account 123456789012" in err
    assert _boundary("role", "app") == BOUNDARY and _boundary("user", "alice") is None
