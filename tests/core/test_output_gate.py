"""Every command's outputs through the one writer, tried as an attacker or an unlucky user would:
devices, FIFOs and links in an output's place, links planted under an output folder, a file where
a folder belongs, a full disk, a closed or full standard output. One clean message, exit non-zero,
nothing half-written, no temp file, no traceback and no "Exception ignored"."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from tests.core.test_atomic import char_device, tree

WIDE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
FULL_DISK = ("import resource, runpy, signal, sys\n"
             "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
             "resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), int(sys.argv[1])))\n"
             "sys.argv = ['policy_tf'] + sys.argv[2:]\n"
             "runpy.run_module('policy_tf', run_name='__main__')\n")


def cli(*args: str, stdout=subprocess.PIPE, env=None, fsize: int | None = None) -> subprocess.CompletedProcess:
    """policy_tf in a process of its own (``fsize``: a file size limit the kernel enforces, as a full disk)."""
    command = ([sys.executable, "-c", FULL_DISK, str(fsize), *args] if fsize
               else [sys.executable, "-m", "policy_tf", *args])
    done = subprocess.run(command, stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=300,
                          env={**os.environ, **(env or {}), "PYTHONPATH": os.getcwd()})
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    return done


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "in" / "p.json"
    path.parent.mkdir()
    path.write_text(json.dumps(WIDE))
    return path


# --- audit --output ----------------------------------------------------------------------------------

def test_audit_output_onto_a_device_is_refused_and_the_device_kept(policy, tmp_path):
    device = tmp_path / "full"
    char_device(device)
    done = cli("audit", str(policy), "--output", str(device))
    assert done.returncode == 2 and "it is a device" in done.stderr and str(device) in done.stderr
    assert stat.S_ISCHR(os.lstat(device).st_mode)


@pytest.mark.parametrize("kind", ["fifo", "symlink", "folder"])
def test_audit_output_onto_anything_but_a_regular_file_is_refused(policy, tmp_path, kind):
    target = tmp_path / "report.json"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "symlink":
        (tmp_path / "elsewhere.json").write_text("keep")
        target.symlink_to(tmp_path / "elsewhere.json")
    else:
        target.mkdir()
    done = cli("audit", str(policy), "--output", str(target), "--fmt", "json")
    assert done.returncode == 2 and str(target) in done.stderr
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".policy_tf-")]
    if kind == "symlink":
        assert (tmp_path / "elsewhere.json").read_text() == "keep" and target.is_symlink()


def test_audit_output_under_a_file_is_one_clean_error(policy, tmp_path):
    (tmp_path / "afile").write_text("")
    done = cli("audit", str(policy), "--output", str(tmp_path / "afile" / "r.json"))
    assert done.returncode == 2 and "Not a directory" in done.stderr and "afile" in done.stderr


def test_audit_output_on_a_full_disk_names_the_file_and_leaves_nothing(policy, tmp_path):
    (tmp_path / "r.json").write_text("old report")
    done = cli("audit", str(policy), "--output", str(tmp_path / "r.json"), "--fmt", "html", fsize=200)
    assert done.returncode == 2 and f"{tmp_path / 'r.json'}: cannot write the report: File too large" in done.stderr
    assert (tmp_path / "r.json").read_text() == "old report"
    assert sorted(os.listdir(tmp_path)) == ["in", "r.json"]


def test_audit_output_of_an_empty_name_is_a_usage_error(policy):
    done = cli("audit", str(policy), "--output", "")
    assert done.returncode == 2 and "expected a path" in done.stderr and done.stdout == ""


# --- standard output -------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["query", "action-table", "--service", "s3"], ["audit", "{policy}", "--fmt", "json"],
                                  ["create-template", "--output-file", "-"]])
def test_standard_output_on_a_full_disk_is_one_message(policy, args, tmp_path):
    # A device of our own: /dev/full itself is shared, and an older policy_tf elsewhere may replace it.
    char_device(tmp_path / "full")
    with open(tmp_path / "full", "w") as full:
        done = cli(*[a.format(policy=policy) for a in args], stdout=full)
    assert done.returncode != 0
    assert done.stderr.count("cannot write to standard output: No space left on device") == 1, done.stderr


@pytest.mark.parametrize("args", [["query", "action-table", "--service", "s3"], ["audit", "{policy}", "--fmt", "json"]])
def test_a_closed_pipe_is_one_message(policy, args):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte
    try:
        done = subprocess.run([sys.executable, "-m", "policy_tf", *[a.format(policy=policy) for a in args]],
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120,
                              env={**os.environ, "PYTHONPATH": os.getcwd()})
    finally:
        os.close(write_end)
    assert done.returncode == 1
    assert done.stderr.count("cannot write to standard output: the reader went away") == 1, done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


# --- write-policy-dir --------------------------------------------------------------------------------

def _templates(folder, count: int):
    folder.mkdir()
    for n in range(count):
        (folder / f"t{n}.yml").write_text(json.dumps({"mode": "crud", "read": [f"arn:aws:s3:::b-{n}/*"]}))


def test_write_policy_dir_on_a_full_disk_writes_none_and_keeps_what_was_there(tmp_path):
    _templates(tmp_path / "src", 5)
    out = tmp_path / "out"
    out.mkdir()
    (out / "t0.json").write_text("{}")
    # Every policy is about 300 bytes: the limit lets the small ones through and stops a later one.
    (tmp_path / "src" / "t3.yml").write_text(json.dumps({"mode": "crud", "read": [f"arn:aws:s3:::b-{n}/*"
                                                                                    for n in range(40)]}))
    done = cli("write-policy-dir", "--input-dir", str(tmp_path / "src"), "--output-dir", str(out), fsize=1200)
    assert done.returncode != 0 and "File too large" in done.stderr
    assert tree(out) == ["t0.json"] and (out / "t0.json").read_text() == "{}"
    for n in range(5):  # every template is reported, none silently dropped
        assert f"t{n}.yml" in done.stderr


# --- create-template ------------------------------------------------------------------------------

def test_create_template_force_onto_a_fifo_is_refused_without_hanging(tmp_path):
    os.mkfifo(tmp_path / "t.yml")
    done = cli("create-template", "--output-file", str(tmp_path / "t.yml"), "--force")
    assert done.returncode == 2 and "it is a FIFO" in done.stderr
    assert stat.S_ISFIFO(os.lstat(tmp_path / "t.yml").st_mode)
