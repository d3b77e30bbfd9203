"""Which database is in use: bundled, local (~/.policy_tf) or explicit, and never silently stale."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from policy_tf.iamdb import database
from tests.helpers import tiny_database


def _set_built_at(path, value):
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value = ? WHERE key = 'built_at'", (value,))
    con.commit()
    con.close()


def test_bundled_database_is_used_when_there_is_no_local_one():
    assert database.select().kind == "bundled"


def test_newer_local_database_is_used(tmp_path):
    local = tiny_database(Path(database.local_path()))
    _set_built_at(local, "2999-01-01T00:00:00Z")
    assert database.select() == database.Selection(str(local), "local")


def test_older_local_database_never_shadows_the_bundled_one(tmp_path):
    local = tiny_database(Path(database.local_path()))
    _set_built_at(local, "2000-01-01T00:00:00Z")
    chosen = database.select()
    assert chosen.kind == "bundled"
    assert "older than the bundled one" in chosen.note and str(local) in chosen.note


def test_explicit_database_wins(tmp_path, monkeypatch):
    path = tiny_database(tmp_path / "mine.sqlite3")
    monkeypatch.setenv("POLICY_TF_DATABASE", str(path))
    assert database.get().path == str(path)


def test_home_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICY_TF_HOME", str(tmp_path / "h"))
    assert database.local_path() == str(tmp_path / "h" / "iam.sqlite3")
