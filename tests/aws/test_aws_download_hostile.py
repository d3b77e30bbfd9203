"""download-policies against hostile folders and odd AWS answers: links planted under the output
folder, a file where a folder belongs, a full disk, answers missing fields or of the wrong type."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("moto.server")

import tests.aws_harness as harness  # noqa: E402
from policy_tf.aws.download import policy_files  # noqa: E402
from policy_tf.cli import main  # noqa: E402
from tests.aws_harness import aws, environment, iam_client, moto_server  # noqa: E402,F401
from tests.core.test_atomic import tree  # noqa: E402

ACCOUNT = "123456789012"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


@pytest.fixture
def account(aws):
    iam = iam_client()
    reader = iam.create_policy(PolicyName="Reader", PolicyDocument=json.dumps(DOC))["Policy"]["Arn"]
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
    iam.attach_role_policy(RoleName="app", PolicyArn=reader)
    iam.put_role_policy(RoleName="app", PolicyName="logs", PolicyDocument=json.dumps(DOC))
    return aws


def _run(capsys, *args: str) -> tuple[int, str]:
    code = main(["download-policies", *args])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def test_a_link_planted_inside_the_output_folder_is_never_written_through(account, capsys, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "out" / ACCOUNT).mkdir(parents=True)
    (tmp_path / "out" / ACCOUNT / "customer-managed").symlink_to(outside)
    code, err = _run(capsys, "--output-dir", str(tmp_path / "out"))
    assert code == 2 and "symbolic link" in err and "customer-managed" in err
    assert tree(outside) == [] and tree(tmp_path / "out") == [ACCOUNT, f"{ACCOUNT}/customer-managed"]


def test_a_link_as_the_account_folder_is_refused(account, capsys, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / ACCOUNT).symlink_to(outside)
    code, err = _run(capsys, "--output-dir", str(tmp_path / "out"))
    assert code == 2 and "symbolic link" in err and tree(outside) == []


def test_a_link_in_a_policy_files_place_is_refused_and_its_target_kept(account, capsys, tmp_path):
    assert _run(capsys, "--output-dir", str(tmp_path / "out"))[0] == 0
    secret = tmp_path / "secret"
    secret.write_text("keep")
    target = tmp_path / "out" / ACCOUNT / "customer-managed" / "Reader.json"
    target.unlink()
    target.symlink_to(secret)
    code, err = _run(capsys, "--output-dir", str(tmp_path / "out"))
    assert code == 2 and "it is a symbolic link" in err and secret.read_text() == "keep"


def test_a_file_where_the_output_folder_belongs_is_one_clean_error(account, capsys, tmp_path):
    (tmp_path / "out").write_text("a file")
    code, err = _run(capsys, "--output-dir", str(tmp_path / "out"))
    assert code == 2 and str(tmp_path / "out") in err and (tmp_path / "out").read_text() == "a file"


def test_a_full_disk_leaves_the_earlier_download_whole_and_no_temp_file(account, capsys, tmp_path):
    assert _run(capsys, "--output-dir", str(tmp_path / "out"))[0] == 0
    before = {p: (tmp_path / "out" / p).read_bytes() for p in tree(tmp_path / "out")
              if (tmp_path / "out" / p).is_file()}
    iam_client().put_role_policy(RoleName="app", PolicyName="big", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [f"s3:Get{n}" for n in range(200)],
                                                 "Resource": "*"}]}))
    code = ("import resource, signal, sys\n"
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            "resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))\n"
            "from policy_tf.cli import main\nsys.exit(main(sys.argv[1:]))\n")
    done = subprocess.run([sys.executable, "-c", code, "download-policies", "--output-dir", str(tmp_path / "out")],
                          env={**os.environ, **environment(account.endpoint), "PYTHONPATH": os.getcwd()},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "File too large" in done.stderr and "Traceback" not in done.stderr
    assert "big.json" in done.stderr  # the error names the file
    after = {p: (tmp_path / "out" / p).read_bytes() for p in tree(tmp_path / "out") if (tmp_path / "out" / p).is_file()}
    assert after == before


def test_a_policy_name_left_out_of_the_answer_comes_from_the_arn(account, capsys, tmp_path, monkeypatch):
    # moto 5.2.6 as it is: no PolicyName (nor PolicyId) in GetAccountAuthorizationDetails' Policies.
    monkeypatch.setattr(harness, "_PolicyDetail", lambda policy: policy)
    code, err = _run(capsys, "--output-dir", str(tmp_path))
    assert code == 0, err
    manifest = json.loads((tmp_path / ACCOUNT / "manifest.json").read_text())
    assert {"name": "Reader", "file": "customer-managed/Reader.json"}.items() <= next(
        p for p in manifest["policies"] if p["kind"] == "customer-managed").items()


@pytest.mark.parametrize("details, problem", [
    ({"Policies": "nope"}, "Policies: a list expected, got str"),
    ({"Policies": [7]}, "Policies[0]: an object expected, got int"),
    ({"Policies": [{"AttachmentCount": 1}]}, "Policies[0]: 'Arn' missing"),
    ({"Policies": [{"Arn": 5}]}, "Policies[0]: 'Arn' must be a non-empty string, got int"),
    ({"Policies": [{"Arn": "arn:aws:iam::1:policy/P", "AttachmentCount": 1, "PolicyVersionList": [
        {"VersionId": "v1", "IsDefaultVersion": True, "Document": ["x"]}]}]}, "the policy document must be an object"),
    ({"Policies": [{"Arn": "arn:aws:iam::1:policy/P", "AttachmentCount": 1, "PolicyVersionList": [
        {"VersionId": "v1", "IsDefaultVersion": True, "Document": "%7Bnot json"}]}]},
     "the policy document is not JSON"),
    ({"RoleDetailList": [{"Arn": "arn:aws:iam::1:role/r", "RoleName": "r", "RolePolicyList": [{"PolicyName": None}]}]},
     "'PolicyName' missing"),
    ({"RoleDetailList": [{"Arn": "arn:aws:iam::1:role/r", "RoleName": ["r"]}]},
     "'RoleName' must be a non-empty string"),
    ({"UserDetailList": [{"Arn": "arn:aws:iam::1:user/u", "UserName": "u", "AttachedManagedPolicies": {}}]},
     "AttachedManagedPolicies: a list expected, got dict"),
])
def test_ill_typed_answers_are_reported_and_skipped(details, problem):
    problems: list[str] = []
    good = {"Arn": "arn:aws:iam::1:policy/Good", "AttachmentCount": 1, "PolicyName": "Good",
            "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": DOC}]}
    merged = {**details,
              "Policies": (details["Policies"] if isinstance(details.get("Policies"), list) else []) + [good]}
    if isinstance(details.get("Policies"), str):
        merged = details
    files = policy_files(merged, False, False, problems)
    assert any(problem in p for p in problems), problems
    if merged is not details:
        assert "customer-managed/Good.json" in [f[0] for f in files]  # the rest of the answer still saved


def test_ill_typed_answers_through_the_cli_exit_1_with_each_problem(account, capsys, tmp_path, monkeypatch):
    monkeypatch.setattr("policy_tf.aws.download.authorization_details", lambda iam, aws_managed: {
        "Policies": [7], "RoleDetailList": [{"Arn": "arn:aws:iam::1:role/r", "RoleName": "r",
                                            "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": DOC}]}]})
    code, err = _run(capsys, "--output-dir", str(tmp_path))
    assert code == 1 and "AWS's answer: Policies[0]: an object expected, got int: skipped" in err
    assert (tmp_path / ACCOUNT / "inline" / "roles" / "r" / "p.json").is_file()


def test_names_too_long_for_a_file_are_shortened_deterministically():
    long = "r" * 400
    details = {"RoleDetailList": [{"Arn": f"arn:aws:iam::1:role/{long}", "RoleName": long,
                                   "RolePolicyList": [{"PolicyName": long + "p", "PolicyDocument": DOC}]}]}
    (relative, _, entry), = policy_files(details, False, False, [])
    assert all(len(part.encode()) <= 255 for part in relative.split("/")) and relative.endswith(".json")
    assert entry["name"] == long + "p" and policy_files(details, False, False, [])[0][0] == relative
