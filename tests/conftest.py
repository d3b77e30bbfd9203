"""Shared fixtures: paths to the hand-written fixtures and to the real documentation snapshot."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

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
