"""`policy_tf audit` on a real Terraform plan: terraform 1.11 with hashicorp/aws from /opt/tf-plugins, against moto.

The fixture configuration (tests/fixtures/audit/terraform) has one risky role (it may pass any
role to a Lambda function it creates and invokes), one clean role, one policy whose queue ARN is
known only after apply, and a child module with a service wildcard. The risky role is applied to
moto first, so the plan's prior state already holds it: ``--new-only`` must not block on it.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

try:
    from tests.tfdouble import mirror
except ImportError:  # pytest run with tests/ (not the repo root) on sys.path
    from tfdouble import mirror

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "audit" / "terraform"

pytestmark = [
    pytest.mark.terraform,
    pytest.mark.slow,
    pytest.mark.skipif(mirror.terraform_binary() is None, reason="terraform is not on PATH"),
    pytest.mark.skipif(not (mirror.AWS_PLUGIN_MIRROR / "registry.terraform.io" / "hashicorp" / "aws").is_dir(),
                       reason=f"hashicorp/aws is not in the filesystem mirror {mirror.AWS_PLUGIN_MIRROR}"),
]


def _line(path: Path, text: str, before: int = 0) -> int:
    """1-based line of the first line containing ``text``, minus ``before``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line) - before


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory) -> Path:
    pytest.importorskip("moto.server")
    from moto.server import ThreadedMotoServer

    base = tmp_path_factory.mktemp("audit-plan")
    work = base / "config"
    shutil.copytree(FIXTURE, work)
    (base / "empty-mirror").mkdir()
    cli_config = mirror.write_cli_config(base / "cli.tfrc", base / "empty-mirror")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        env = {"AWS_EC2_METADATA_DISABLED": "true"}
        var = f"-var=endpoint=http://{host}:{port}"

        def tf(*args: str, timeout: float = 240):
            done = mirror.run_terraform(list(args), work, cli_config, timeout=timeout, extra_env=env)
            assert done.returncode == 0, f"terraform {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
            return done

        tf("init", "-backend=false")
        # The risky role exists already: the plan's prior state holds it.
        tf("apply", "-auto-approve", "-target=aws_iam_role.risky", var)
        tf("plan", "-out=plan.out", var)
        (work / "plan.json").write_text(tf("show", "-json", "plan.out").stdout, encoding="utf-8")
    finally:
        server.stop()
    return work


def audit(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "policy_tf", "audit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def report(plan_dir) -> dict:
    done = audit(plan_dir, "plan.json", "--fmt", "json")
    assert done.returncode == 1, done.stderr  # the risky role is at or above security_warning
    return json.loads(done.stdout)


def test_plan_policies_are_named_by_address_and_attribute_path(report):
    names = {p["policy"] for p in report["policies"]}
    assert names == {
        "aws_iam_role.risky.assume_role_policy", "aws_iam_role.risky.inline_policy.0.policy",
        "aws_iam_role.clean.assume_role_policy", "aws_iam_role_policy.clean_read.policy",
        "module.reader.aws_iam_policy.wide.policy",
    }
    assert {p["file"] for p in report["policies"]} == {"main.tf", "modules/reader/main.tf"}


def test_risky_role_is_reported_at_its_statement_line(report, plan_dir):
    escalations = [f for f in report["findings"] if f["category"] == "privilege-escalation"]
    assert [f["policy"] for f in escalations] == ["aws_iam_role.risky.inline_policy.0.policy"]
    found = escalations[0]
    assert found["severity"] == "SECURITY_WARNING" and found["method"] == "PassExistingRoleToNewLambdaThenInvoke"
    assert set(found["actions"]) == {"iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"}
    assert found["file"] == "main.tf" and found["statement"] == 1
    assert found["location"] == {"line": _line(plan_dir / "main.tf", 'Sid      = "Deploy"', before=1)}


def test_clean_role_has_nothing_worth_a_warning(report):
    clean = [f for f in report["findings"] if ".clean" in f["policy"]]
    assert all(f["severity"] == "SUGGESTION" for f in clean), clean


def test_policy_known_only_after_apply_is_reported_not_skipped(report, plan_dir):
    assert report["not_analyzed"] == [{
        "file": "main.tf", "policy": "aws_iam_policy.computed.policy", "reason": "known only after apply",
        "location": {"line": _line(plan_dir / "main.tf", 'name = "send-jobs"') + 1},
    }]


def test_sarif_points_at_the_tf_lines(plan_dir):
    done = audit(plan_dir, "plan.json", "--fmt", "sarif")
    assert done.returncode == 1, done.stderr
    sarif = json.loads(done.stdout)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]

    def at(rule: str) -> list:
        return [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                 r["locations"][0]["physicalLocation"]["region"]["startLine"])
                for r in run["results"] if r["ruleId"] == rule]

    assert at("PRIVESC_PASSROLE_LAMBDA_INVOKE") == [("main.tf",
                                                     _line(plan_dir / "main.tf", 'Sid      = "Deploy"', before=1))]
    assert at("SERVICE_WILDCARD") == [("modules/reader/main.tf",
                                       _line(plan_dir / "modules/reader/main.tf", 'Statement = [{'))]
    assert at("NOT_ANALYZED") == [("main.tf", _line(plan_dir / "main.tf", 'name = "send-jobs"') + 1)]
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["partialFingerprints"]
    assert len(rule_ids) == len(set(rule_ids))


def test_new_only_does_not_block_on_what_the_prior_state_has(plan_dir):
    done = audit(plan_dir, "plan.json", "--fmt", "json", "--new-only")
    findings = json.loads(done.stdout)["findings"]
    assert not [f for f in findings if f["policy"].startswith("aws_iam_role.risky.")]
    assert {f["policy"] for f in findings if f["severity"] == "SECURITY_WARNING"} \
        == {"module.reader.aws_iam_policy.wide.policy"}
    assert done.returncode == 1
    # With the module's wildcard accepted, nothing new blocks.
    (plan_dir / "exclusions.yml").write_text(
        "exclusions:\n  - policies: ['module.reader.*']\n    reason: the reader module is reviewed separately\n",
        encoding="utf-8")
    done = audit(plan_dir, "plan.json", "--new-only", "--exclusions", "exclusions.yml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "already in the prior state" in done.stdout


def test_tf_folder_is_read_statically_with_the_same_lines(plan_dir, report):
    done = audit(plan_dir, ".", "--fmt", "json")
    static = json.loads(done.stdout)
    by_policy = {(f["policy"], f["code"]): f["location"] for f in static["findings"]}
    assert by_policy[("aws_iam_role.risky.inline_policy.0.policy", "PRIVESC_PASSROLE_LAMBDA_INVOKE")] == \
        {"line": _line(plan_dir / "main.tf", 'Sid      = "Deploy"', before=1)}
    computed = [n for n in static["not_analyzed"] if n["policy"] == "aws_iam_policy.computed.policy"]
    assert computed and "aws_sqs_queue.jobs.arn" in computed[0]["reason"]


def test_diff_and_no_new_access_on_a_real_plan_leave_the_prior_state_out(plan_dir):
    """policy_tf diff (issue 23) on terraform's own plan: the risky role is in the prior state
    unchanged, so only what the plan creates is new access, at its .tf lines."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "policy_tf", "diff", "plan.json", "--fmt", "json",
                           "--fail-on-new-access"],
                          cwd=plan_dir, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    names = {c["name"] for c in data["added"]}
    assert "module.reader.aws_iam_policy.wide.policy" in names
    assert not [n for n in names if n.startswith("aws_iam_role.risky")] and data["removed"] == []
    assert {n["policy"] for n in data["not_analyzed"]} >= {"aws_iam_policy.computed.policy"}
    clean = [c for c in data["added"] if c["name"] == "aws_iam_role_policy.clean_read.policy"]
    assert clean and clean[0]["file"].endswith("main.tf") and clean[0]["line"] > 1
    done = audit(plan_dir, "plan.json", "--no-new-access", "--fmt", "json", "--fail-on", "none")
    new = {f["policy"] for f in json.loads(done.stdout)["findings"] if f["code"] == "NEW_ACCESS"}
    assert "module.reader.aws_iam_policy.wide.policy" in new \
        and not [n for n in new if n.startswith("aws_iam_role.risky")]


def test_a_plan_kept_away_from_its_configuration_is_placed_at_the_tf_lines(plan_dir, tmp_path):
    elsewhere = tmp_path / "artifacts"
    elsewhere.mkdir()
    shutil.copy(plan_dir / "plan.json", elsewhere / "plan.json")
    expected = [("main.tf", _line(plan_dir / "main.tf", 'Sid      = "Deploy"', before=1))]

    def escalation(done) -> list:
        assert done.returncode == 1, done.stderr
        return [(f["file"], f["location"]["line"]) for f in json.loads(done.stdout)["findings"]
                if f["category"] == "privilege-escalation"]

    # run from the configuration, the plan elsewhere (terraform show -json plan.out > ../artifacts/plan.json)
    found = escalation(audit(plan_dir, str(elsewhere / "plan.json"), "--fmt", "json"))
    assert found == expected
    # run from anywhere, naming the configuration
    found = escalation(audit(tmp_path, "artifacts/plan.json", "--fmt", "json", "--tf-dir", str(plan_dir)))
    assert [(os.path.basename(f), line) for f, line in found] == expected
    # without either, the plan file itself is all there is
    found = escalation(audit(tmp_path, "artifacts/plan.json", "--fmt", "json"))
    assert found == [("artifacts/plan.json", found[0][1])]
