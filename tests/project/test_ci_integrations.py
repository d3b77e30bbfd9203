"""The CI integrations, run for real: pre-commit hooks (pre-commit try-repo / run on a throwaway git
repository), the composite GitHub Action's scripts, and the GitLab CI example's commands."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
RISKY_TF = (REPO / "tests" / "fixtures" / "audit" / "risky-deployer.tf").read_text(encoding="utf-8")
CLEAN_JSON = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-reports/*"}]}
TEMPLATE = "mode: crud\nname: Reader\nread:\n- arn:aws:s3:::acme-reports\n"


def _git(folder: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    return subprocess.run(["git", *args], cwd=folder, env=env, check=True, capture_output=True, text=True).stdout


def _project(folder: Path) -> Path:
    """A user's repository: a risky .tf, a clean policy file, templates and their policies."""
    folder.mkdir()
    _git(folder, "init", "-q")
    (folder / "infra").mkdir()
    (folder / "policies").mkdir()
    (folder / "templates").mkdir()
    (folder / "policies" / "reader-by-hand.json").write_text(json.dumps(CLEAN_JSON, indent=2), encoding="utf-8")
    (folder / "templates" / "reader.yml").write_text(TEMPLATE, encoding="utf-8")
    return folder


def _commit_all(folder: Path) -> None:
    _git(folder, "add", "-A")
    _git(folder, "commit", "-q", "-m", "state")


# --- the hook and action definitions --------------------------------------------------------------

def test_hooks_file_names_an_audit_hook_and_a_sync_hook_that_run_policy_tf():
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["policy-tf-audit"]["entry"] == "policy_tf audit"
    assert hooks["policy-tf-audit"]["files"] == r"\.(tf|json)$"
    assert hooks["policy-tf-policies-in-sync"]["entry"] == "policy_tf write-policy-dir --check"
    assert hooks["policy-tf-policies-in-sync"]["pass_filenames"] is False
    assert all(h["language"] == "python" for h in hooks.values())


def test_action_is_composite_and_passes_inputs_to_scripts_only_as_variables():
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), f"{step.get('name')}: an input pasted into a script is code injection"
    uses = [s.get("uses", "") for s in action["runs"]["steps"]]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)


def test_example_workflow_is_complete_with_security_events_write():
    workflow = yaml.safe_load((REPO / "docs" / "examples" / "github-workflow.yml").read_text())
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["audit"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@")
    assert any(s.get("uses", "").startswith("policy-tf/policy_tf@") for s in steps)
    assert any("terraform show -json" in s.get("run", "") for s in steps)


def _action_script(name: str) -> str:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    return next(s["run"] for s in action["runs"]["steps"] if s.get("name") == name)


@pytest.mark.parametrize("tf, status", [(RISKY_TF, "1"), (None, "0")])
def test_action_audit_and_result_steps_run_as_github_runs_them(tmp_path, tf, status):
    project = _project(tmp_path / "project")
    if tf:
        (project / "infra" / "main.tf").write_text(tf, encoding="utf-8")
    outputs = tmp_path / "github_output"
    outputs.write_text("")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PATHS": "infra policies" if tf else "policies", "FAIL_ON": "security_warning", "SARIF": "true",
           "SARIF_FILE": "policy_tf.sarif", "ARGS": "", "GITHUB_OUTPUT": str(outputs)}
    bash = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]  # GitHub's `shell: bash`
    subprocess.run([*bash, _action_script("Audit")], cwd=project, env=env, check=True, capture_output=True, timeout=120)
    assert outputs.read_text().strip() == f"status={status}"
    sarif = json.loads((project / "policy_tf.sarif").read_text())
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris == ({"infra/main.tf"} if tf else set())
    done = subprocess.run([*bash, _action_script("Result")], cwd=project, env={**env, "STATUS": status},
                          capture_output=True, text=True)
    assert done.returncode == int(status)


def test_gitlab_example_writes_the_reports_its_artifacts_name(tmp_path):
    example = yaml.safe_load((REPO / "docs" / "examples" / "gitlab-ci.yml").read_text())
    job = example["iam-audit"]
    project = _project(tmp_path / "project")
    (project / "infra" / "main.tf").write_text(RISKY_TF, encoding="utf-8")
    env = {**os.environ, "TF_DIR": example["variables"]["TF_DIR"],
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    statuses = [subprocess.run(["sh", "-c", line], cwd=project, env=env, capture_output=True).returncode
                for line in job["script"]]
    assert statuses == [0, 1]  # the report never fails the job; the JUnit step fails on risky findings
    reports = job["artifacts"]["reports"]
    issues = json.loads((project / reports["codequality"]).read_text())
    assert issues and all(i["location"]["path"] == "infra/main.tf" for i in issues)
    assert ET.parse(project / reports["junit"]).getroot().tag == "testsuites"
    assert job["artifacts"]["when"] == "always"


# --- pre-commit, for real --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    pytest.importorskip("pre_commit")
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory) -> Path:
    """This repository as pre-commit would clone it: committed, uncommitted work included."""
    shadow = tmp_path_factory.mktemp("hooks-repo") / "policy_tf"
    shadow.mkdir()
    _git(shadow, "init", "-q")
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, check=True,
                            capture_output=True, text=True).stdout.split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (shadow / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, shadow / name)
    _commit_all(shadow)
    return shadow


def _pre_commit(project: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=project, env=env, capture_output=True,
                          text=True, timeout=900)


@pytest.mark.slow
def test_pre_commit_audit_hook_fails_on_a_risky_tf_and_passes_clean_files(tmp_path, pre_commit_home, hooks_repo):
    project = _project(tmp_path / "project")
    _commit_all(project)
    done = _pre_commit(project, pre_commit_home, "try-repo", str(hooks_repo), "policy-tf-audit", "--all-files")
    assert done.returncode == 0, done.stdout + done.stderr
    (project / "infra" / "main.tf").write_text(RISKY_TF, encoding="utf-8")
    _commit_all(project)
    done = _pre_commit(project, pre_commit_home, "try-repo", str(hooks_repo), "policy-tf-audit", "--all-files")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "PRIVESC_PASSROLE_LAMBDA_INVOKE" in done.stdout and "infra/main.tf" in done.stdout


@pytest.mark.slow
def test_pre_commit_sync_hook_fails_on_drift_with_exit_1(tmp_path, pre_commit_home, hooks_repo):
    project = _project(tmp_path / "project")
    rev = _git(hooks_repo, "rev-parse", "HEAD").strip()
    config = {"repos": [{"repo": str(hooks_repo), "rev": rev, "hooks": [
        {"id": "policy-tf-policies-in-sync", "args": ["--input-dir", "templates", "--output-dir", "generated"]}]}]}
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "policy_tf", "write-policy-dir", "--input-dir", "templates",
                           "--output-dir", "generated"], cwd=project, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    _commit_all(project)
    done = _pre_commit(project, pre_commit_home, "run", "--all-files")
    assert done.returncode == 0, done.stdout + done.stderr
    (project / "templates" / "reader.yml").write_text(TEMPLATE + "list:\n- arn:aws:s3:::acme-reports\n",
                                                      encoding="utf-8")
    _commit_all(project)
    done = _pre_commit(project, pre_commit_home, "run", "--all-files")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "out of date: generated/reader.json" in done.stdout
    assert "- exit code: 1" in done.stdout


@pytest.mark.slow
def test_action_install_step_installs_this_checkout_in_a_virtualenv_of_its_own(tmp_path):
    """The Install step as GitHub runs it, with this repository as the action's path."""
    runner_temp, github_path = tmp_path / "runner-temp", tmp_path / "github_path"
    runner_temp.mkdir()
    github_path.write_text("")
    env = {**os.environ, "RUNNER_TEMP": str(runner_temp), "GITHUB_PATH": str(github_path),
           "GITHUB_ACTION_PATH": str(REPO)}
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                           _action_script("Install policy_tf")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0 and "Could not find a version" in done.stderr:
        pytest.skip(f"no package index reachable: {done.stderr[-300:]}")
    assert done.returncode == 0, done.stderr
    bin_dir = Path(github_path.read_text().strip())
    version = subprocess.run([str(bin_dir / "policy_tf"), "--version"], capture_output=True, text=True, cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("policy_tf ")
    assert subprocess.run([str(bin_dir / "python"), "-c", "import hcl2"]).returncode == 0  # the [tf] extra
