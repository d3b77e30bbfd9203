"""Shared fixtures: paths to the hand-written fixtures and to the real documentation snapshot, an
isolated home for every test, and the CLI run in process (``cli``) or as a child process (``cli_process``).

Markers (setup.cfg): ``terraform`` (runs real Terraform), ``aws`` (a local moto server), ``slow``
(seconds or more each); ``pytest -m "not slow"`` is the quick run.
"""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, NamedTuple

import pytest
from cli_runner import run_policy_tf

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DOCS = Path(os.environ.get("POLICY_TF_DOCS_DIR") or REPO.parent / "shared" / "aws-docs")


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def shared_docs() -> Path:
    if not SHARED_DOCS.is_dir():
        pytest.skip(f"real documentation snapshot not found at {SHARED_DOCS} (set POLICY_TF_DOCS_DIR)")
    return SHARED_DOCS


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """No test reads or writes the user's real ~/.policy_tf."""
    monkeypatch.setenv("POLICY_TF_HOME", str(tmp_path_factory.mktemp("policy_tf_home")))
    monkeypatch.delenv("POLICY_TF_DATABASE", raising=False)
    from policy_tf.iamdb import database

    database.reset()
    yield
    database.reset()


# --- running the CLI -------------------------------------------------------------------------


class CliResult(NamedTuple):
    """What one in-process CLI run returned and printed."""

    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys, monkeypatch) -> Callable[..., CliResult]:
    """Run ``policy_tf`` in this process: ``cli("query", "action-table", stdin=...)`` -> (code, out, err).

    An argparse error (exit 2) is returned as its code, as a user would see it.
    """
    from policy_tf.cli import main

    def run(*argv: str, stdin: str | bytes | None = None) -> CliResult:
        if stdin is not None:
            data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
        capsys.readouterr()  # only this run's output
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def cli_process(tmp_path_factory) -> Callable[..., subprocess.CompletedProcess]:
    """Run ``python -m policy_tf`` in a child process with a minimal environment: PATH, this checkout
    on PYTHONPATH, and the isolated HOME and POLICY_TF_HOME of this test; ``env`` adds or overrides.
    ``text=False`` for bytes in and out; every run has a timeout."""
    home = tmp_path_factory.mktemp("home")

    def run(*argv: str, **options) -> subprocess.CompletedProcess:
        return run_policy_tf(*argv, home=home, policy_tf_home=os.environ["POLICY_TF_HOME"], **options)

    return run
