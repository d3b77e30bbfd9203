"""The console script ends fast (no interpreter teardown) only when nothing is left to run
at exit, and never loses output or the exit status."""
from __future__ import annotations

import json
import subprocess
import sys

WIDE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}


def _run(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)


def test_a_large_report_reaches_a_pipe_whole_with_the_audit_status(tmp_path):
    for n in range(20):
        (tmp_path / f"p{n}.json").write_text(json.dumps(WIDE), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "policy_tf", "audit", str(tmp_path), "--fmt", "json"],
                          capture_output=True, text=True, timeout=120)
    report = json.loads(done.stdout)
    assert done.returncode == 1 and len(report["policies"]) == 20 and len(done.stdout) > 1_000_000


def test_atexit_callbacks_registered_during_the_run_still_run(tmp_path):
    (tmp_path / "p.json").write_text(json.dumps(WIDE), encoding="utf-8")
    code = ("import atexit, sys\n"
            "atexit.register(lambda: sys.stderr.write('callback ran\\n'))\n"
            "sys.argv = ['policy_tf', 'audit', sys.argv[1], '--fail-on', 'none']\n"
            "from policy_tf.cli import run\nrun()\n")
    done = _run(code, str(tmp_path / "p.json"))
    assert done.returncode == 0 and "callback ran" in done.stderr and "ALLOW_WITH_NOT_ACTION" in done.stdout


def test_bad_input_keeps_exit_status_2_and_its_message(tmp_path):
    code = "import sys\nsys.argv = ['policy_tf', 'audit', sys.argv[1]]\nfrom policy_tf.cli import run\nrun()\n"
    done = _run(code, str(tmp_path / "missing.json"))
    assert done.returncode == 2 and "no such file or folder" in done.stderr and "Traceback" not in done.stderr
