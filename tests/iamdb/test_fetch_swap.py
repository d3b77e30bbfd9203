"""`initialize --fetch` cannot rot: a fresh folder each time, swapped in only after the guard."""
from __future__ import annotations

import os
from pathlib import Path

from policy_tf.cli import main
from policy_tf.iamdb import database
from policy_tf.iamdb.fetch import HTML_INDEX_PAGE
from tests.conftest import FIXTURES
from tests.localhttp import serve  # noqa: F401  (serve is a fixture)

WIDGETS = (FIXTURES / "html" / "list_examplewidgets.html").read_bytes()
GIZMOS = (FIXTURES / "html_july2026" / "list_examplegizmos.html").read_bytes()


def _site(serve, pages: dict[str, bytes], listed: list[str]):
    index = "".join(f'<li><a href="./{n}">{n}</a></li>' for n in listed).encode()
    routes = {f"/reference/{name}": body for name, body in pages.items()}
    routes[f"/reference/{HTML_INDEX_PAGE}"] = index
    return serve(routes)


def _fetch(server, *extra) -> int:
    return main(["initialize", "--fetch", "--base-url", server.url("/reference/"), "--retries", "0", *extra])


def _cache() -> Path:
    return Path(database.home()) / "cache"


def test_a_page_the_index_no_longer_lists_is_never_read_again(serve, capsys):
    old = _site(serve, {"list_amazonexamplewidgets.html": WIDGETS, "list_examplegizmos.html": GIZMOS},
                ["list_amazonexamplewidgets.html", "list_examplegizmos.html"])
    assert _fetch(old, "--allow-loss") == 0
    # AWS renames the page; the old name is still served, but no longer listed.
    renamed = WIDGETS.replace(b"<td rowspan=\"2\">Tagging</td>", b"<td rowspan=\"2\">Tagging, Write</td>")
    new = _site(serve, {"list_amazonexamplewidgets.html": WIDGETS, "list_examplewidgets.html": renamed,
                        "list_examplegizmos.html": GIZMOS},
                ["list_examplewidgets.html", "list_examplegizmos.html"])
    assert _fetch(new) == 0, capsys.readouterr().err
    assert sorted(os.listdir(_cache() / "html")) == sorted([HTML_INDEX_PAGE, "list_examplegizmos.html",
                                                            "list_examplewidgets.html"])
    assert new.count("/reference/list_amazonexamplewidgets.html") == 0
    os.environ["POLICY_TF_DATABASE"] = database.local_path()
    try:
        capsys.readouterr()
        main(["query", "action-table", "--service", "widgets", "--name", "TagResource", "--fmt", "json"])
        assert '"documented_access_level": "Tagging, Write"' in capsys.readouterr().out
    finally:
        del os.environ["POLICY_TF_DATABASE"]


def test_a_refused_refresh_keeps_the_cached_folder_and_leaves_nothing_behind(serve, capsys):
    first = _site(serve, {"list_examplewidgets.html": WIDGETS, "list_examplegizmos.html": GIZMOS},
                  ["list_examplewidgets.html", "list_examplegizmos.html"])
    assert _fetch(first, "--allow-loss") == 0
    before = sorted(os.listdir(_cache() / "html"))
    built = os.stat(database.local_path()).st_mtime_ns
    shrunk = _site(serve, {"list_examplegizmos.html": GIZMOS}, ["list_examplegizmos.html"])
    assert _fetch(shrunk) == 1
    assert "build guard" in capsys.readouterr().err
    assert sorted(os.listdir(_cache() / "html")) == before
    assert sorted(os.listdir(_cache())) == ["html"]
    assert os.stat(database.local_path()).st_mtime_ns == built
