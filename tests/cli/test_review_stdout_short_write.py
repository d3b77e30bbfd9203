"""Standard output that takes only part of a write (a disk filling up mid-write) ends the run with one
message and exit 1, never a cut-off output and exit 0."""
from __future__ import annotations

import resource
import subprocess
import sys

from tests.cli_runner import REPO


def _limit_file_size() -> None:
    """The child may write 1 KiB to any file (its .pyc files too: the test turns those off)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))


def test_a_short_write_to_standard_output_is_an_error_not_a_truncated_success(tmp_path):
    out = tmp_path / "actions.json"
    with out.open("wb") as stdout:
        done = subprocess.run([sys.executable, "-m", "policy_tf", "query", "action-table", "--service", "ec2"],
                              stdout=stdout, stderr=subprocess.PIPE, text=True, preexec_fn=_limit_file_size,
                              env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(tmp_path),
                                   "PYTHONDONTWRITEBYTECODE": "1",  # no .pyc cut at the limit
                                   "PYTHONUNBUFFERED": "1"},  # as CI images set it
                              timeout=120)
    assert done.returncode == 1
    assert "cannot write to standard output" in done.stderr and "Traceback" not in done.stderr
    assert "Exception ignored" not in done.stderr and out.stat().st_size <= 1024
