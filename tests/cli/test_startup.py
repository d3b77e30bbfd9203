"""Each start-up trick of policy_tf.cli.startup gives what plain Python gives: the same bytes
on stdout and stderr and the same exit status, with the trick on and off."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

WIDE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
                                               {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}

# Code run before the CLI to switch one trick off, so that Python's plain path runs instead.
PLAIN = {
    # gettext already loaded: argparse gets the real module, not the stand-in
    "real gettext": "import gettext",
    # an atexit callback left: sys.exit and the interpreter's teardown instead of os._exit
    "interpreter teardown": "import atexit\natexit.register(lambda: None)",
    # Python's default collection thresholds
    "default gc": "import policy_tf.cli.startup as s, gc\ns.GC_THRESHOLD = gc.get_threshold()",
}


def _run(pre: str, *argv: str) -> subprocess.CompletedProcess:
    code = f"{pre}\nimport sys\nsys.argv = ['policy_tf', *sys.argv[1:]]\nfrom policy_tf.cli import run\nrun()\n"
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, timeout=120)


def _commands(tmp_path) -> list[list[str]]:
    (tmp_path / "p.json").write_text(json.dumps(WIDE), encoding="utf-8")
    return [
        ["audit", str(tmp_path / "p.json"), "--fmt", "json"],  # findings: exit 1
        ["audit", str(tmp_path / "missing.json")],  # bad input: exit 2
        ["audit", "--help"],
        ["write-policy", "--fmt"],  # argparse usage error: expected one argument
        ["write-policy", "--fit", "nowhere"],  # argparse: invalid choice
        ["no-such-command"],
        ["--version"],
    ]


@pytest.mark.parametrize("plain", PLAIN.values(), ids=PLAIN.keys())
def test_every_trick_gives_plain_pythons_output_and_status(plain, tmp_path):
    for argv in _commands(tmp_path):
        fast, slow = _run("", *argv), _run(plain, *argv)
        assert (fast.returncode, fast.stdout, fast.stderr) == (slow.returncode, slow.stdout, slow.stderr), argv


def test_the_gettext_stand_in_is_gone_after_start_up():
    code = ("from policy_tf.cli.startup import import_argparse\nimport_argparse()\nimport sys\n"
            "assert 'gettext' not in sys.modules\nimport gettext\nassert hasattr(gettext, 'translation')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
