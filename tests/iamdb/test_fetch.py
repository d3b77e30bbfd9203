"""End-to-end tests of the documentation fetcher against a local HTTP server."""
from __future__ import annotations

import io
import json
import os
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from policy_tf.core.errors import FetchError
from policy_tf.iamdb.fetch import (
    HTML_INDEX_PAGE,
    fetch_html_pages,
    fetch_service_reference,
    page_names,
    safe_page_name,
)
from policy_tf.iamdb.sources.service_reference import read_folder
from tests.localhttp import Server, send, serve  # noqa: F401  (serve is a fixture)

FIXTURES = Path(__file__).parents[1] / "fixtures"
PAGES = FIXTURES / "fetch"
SERVICES = FIXTURES / "service_reference" / "services"
SHARED = Path(__file__).resolve().parents[3] / "shared"
REAL_DOCS = Path(os.environ.get("POLICY_TF_DOCS_DIR", SHARED / "aws-docs"))
REAL_SERVICE_REFERENCE = Path(
    os.environ.get("POLICY_TF_SERVICE_REFERENCE", SHARED / "aws-service-reference")
)
FIXTURE_PAGES = ["list_alpha.html", "list_beta.html", "list_delta.html", "list_gamma.html"]

# Fast settings: the tests exercise retries, not patience.
FAST = dict(timeout=2, retries=2, backoff=0.01, progress=False)

def html_routes(server_host: str = "HOST") -> dict:
    """The fixture site: the index and pages under /reference/, and decoys around it."""
    index = (PAGES / HTML_INDEX_PAGE).read_bytes().replace(b"HOST", server_host.encode())
    routes = {f"/reference/{name}": (PAGES / name).read_bytes() for name in FIXTURE_PAGES}
    routes[f"/reference/{HTML_INDEX_PAGE}"] = index
    # Decoys: each would be downloadable if the fetcher followed the hostile links.
    for path in ("/evil.html", "/list_escape.html", "/other/list_other.html", "/reference/evil.html"):
        routes[path] = b"<p>must not be fetched</p>"
    return routes


@pytest.fixture
def site(serve) -> Server:
    server = serve({})
    server.routes.update(html_routes(server.host))
    return server


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def failing(times: int, status: int = 503, then: bytes = b"") -> Callable:
    """A route that answers ``status`` to its first ``times`` requests, then ``then``."""
    lock = threading.Lock()
    calls = [0]

    def route(handler: BaseHTTPRequestHandler) -> None:
        with lock:
            calls[0] += 1
            fail = calls[0] <= times
        send(handler, status, b"busy") if fail else send(handler, 200, then)

    return route


def sleeping(seconds: float) -> Callable:
    def route(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        send(handler, 200, b"too late")

    return route


# --- HTML pages -----------------------------------------------------------------------


def test_every_linked_page_is_downloaded_once_with_its_content(site, tmp_path):
    dest = tmp_path / "pages"
    written = fetch_html_pages(dest, site.url("/reference/"), **FAST)
    assert [p.name for p in written] == FIXTURE_PAGES
    for name in FIXTURE_PAGES:
        assert (dest / name).read_bytes() == (PAGES / name).read_bytes()
        assert site.count(f"/reference/{name}") == 1


def test_hostile_links_are_neither_fetched_nor_written(site, tmp_path):
    dest = tmp_path / "pages"
    fetch_html_pages(dest, site.url("/reference/"), **FAST)
    # The index page is saved beside the pages it lists (a reader then reads only those).
    assert files_under(tmp_path) == ["pages"] + [f"pages/{n}" for n in sorted(FIXTURE_PAGES + [HTML_INDEX_PAGE])]
    fetched = set(site.hits) - {f"/reference/{n}" for n in FIXTURE_PAGES + [HTML_INDEX_PAGE]}
    assert fetched == set()


def test_base_url_without_trailing_slash_still_finds_the_index(site, tmp_path):
    written = fetch_html_pages(tmp_path, site.url("/reference"), **FAST)
    assert [p.name for p in written] == FIXTURE_PAGES


def test_page_names_keep_only_list_pages_in_the_index_folder():
    html = """
        <a href="./list_a.html">a</a> <a href='list_b.html#x'>b</a>
        <a href="https://docs.example/ref/list_c.html">c</a> <a href="list_a.html">again</a>
        <a href="../list_up.html">up</a> <a href="https://other.example/ref/list_d.html">d</a>
        <a href="/elsewhere/list_e.html">e</a> <a href="../evil.html">evil</a>
    """
    assert page_names(html, "https://docs.example/ref/index.html") == [
        "list_a.html",
        "list_b.html",
        "list_c.html",
    ]


@pytest.mark.parametrize(
    "name, ok",
    [
        ("list_amazons3.html", True),
        ("list_a-b_c.1.html", True),
        ("list_../evil.html", False),
        ("list_..html", False),
        ("evil.html", False),
        ("list_a.html.exe", False),
        ("list_a b.html", False),
        ("list_a\\b.html", False),
        ("", False),
    ],
)
def test_safe_page_name_accepts_only_plain_list_pages(name, ok):
    assert safe_page_name(name) is ok


def test_index_without_list_links_is_a_fetch_error(serve, tmp_path):
    server = serve({f"/ref/{HTML_INDEX_PAGE}": b"<a href='../evil.html'>x</a>"})
    with pytest.raises(FetchError, match="no list_\\*.html links"):
        fetch_html_pages(tmp_path, server.url("/ref/"), **FAST)


@pytest.mark.parametrize("status", [503, 429, 500])
def test_temporary_errors_are_retried_until_success(site, tmp_path, status):
    index_path = f"/reference/{HTML_INDEX_PAGE}"
    site.routes[index_path] = failing(2, status, then=site.routes[index_path])
    written = fetch_html_pages(tmp_path, site.url("/reference/"), **FAST)
    assert site.count(index_path) == 3
    assert [p.name for p in written] == FIXTURE_PAGES


def test_failed_page_is_retried_without_failing_the_others(site, tmp_path):
    page = "/reference/list_gamma.html"
    site.routes[page] = failing(2, then=site.routes[page])
    written = fetch_html_pages(tmp_path, site.url("/reference/"), **FAST)
    assert [p.name for p in written] == FIXTURE_PAGES
    assert site.count(page) == 3


def test_answer_cut_short_is_retried(site, tmp_path):
    page = "/reference/list_beta.html"
    body = site.routes[page]
    calls = []

    def cut_once(handler: BaseHTTPRequestHandler) -> None:
        calls.append(1)
        if len(calls) > 1:
            return send(handler, 200, body)
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body[:10])  # then the connection closes

    site.routes[page] = cut_once
    fetch_html_pages(tmp_path, site.url("/reference/"), **FAST)
    assert (tmp_path / "list_beta.html").read_bytes() == body
    assert len(calls) == 2


def test_server_that_always_fails_raises_fetch_error_naming_the_url(serve, tmp_path):
    server = serve({f"/ref/{HTML_INDEX_PAGE}": failing(99)})
    url = server.url(f"/ref/{HTML_INDEX_PAGE}")
    with pytest.raises(FetchError, match=rf"{url}: HTTP 503 .*\(tried 3 times\)"):
        fetch_html_pages(tmp_path / "pages", server.url("/ref/"), **FAST)
    assert server.count(f"/ref/{HTML_INDEX_PAGE}") == 3
    assert files_under(tmp_path) == []


def test_page_that_always_fails_leaves_dest_as_it_was(site, tmp_path):
    (tmp_path / "list_alpha.html").write_text("old page")
    site.routes["/reference/list_gamma.html"] = failing(99)
    with pytest.raises(FetchError, match="list_gamma.html: HTTP 503"):
        fetch_html_pages(tmp_path, site.url("/reference/"), **FAST)
    assert files_under(tmp_path) == ["list_alpha.html"]
    assert (tmp_path / "list_alpha.html").read_text() == "old page"


def test_missing_page_fails_at_once_without_retries(site, tmp_path):
    del site.routes["/reference/list_beta.html"]
    with pytest.raises(FetchError, match=r"list_beta\.html: HTTP 404"):
        fetch_html_pages(tmp_path, site.url("/reference/"), **FAST)
    assert site.count("/reference/list_beta.html") == 1
    assert files_under(tmp_path) == []


def test_slow_server_is_retried_then_raises_fetch_error(serve, tmp_path):
    server = serve({f"/ref/{HTML_INDEX_PAGE}": sleeping(1.5)})
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"no answer within 0\.2 s \(tried 2 times\)"):
        fetch_html_pages(tmp_path, server.url("/ref/"), timeout=0.2, retries=1, backoff=0.01,
                         progress=False)
    assert server.count(f"/ref/{HTML_INDEX_PAGE}") == 2
    assert time.monotonic() - started < 1.5
    assert files_under(tmp_path) == []


def test_unreachable_server_raises_fetch_error_with_a_short_reason(tmp_path):
    with socket.socket() as sock:  # a port that was free a moment ago: nobody listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match=rf"127\.0\.0\.1:{port}/.*: \[Errno \d+\] Connection refused"):
        fetch_html_pages(tmp_path, f"http://127.0.0.1:{port}/", **FAST)


def test_real_documentation_pages_all_arrive(serve, tmp_path):
    if not REAL_DOCS.is_dir():
        pytest.skip(f"no AWS documentation snapshot at {REAL_DOCS} (set POLICY_TF_DOCS_DIR)")
    names = sorted(p.name for p in REAL_DOCS.glob("list_*.html"))
    index = tmp_path / HTML_INDEX_PAGE
    index.write_text("".join(f'<li><a href="./{n}">{n}</a></li>\n' for n in names))

    def from_folder(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, (REAL_DOCS / handler.path.rsplit("/", 1)[1]).read_bytes())

    routes = {f"/reference/{n}": from_folder for n in names}
    routes[f"/reference/{HTML_INDEX_PAGE}"] = index.read_bytes()
    server = serve(routes)
    dest = tmp_path / "pages"
    written = fetch_html_pages(dest, server.url("/reference/"), concurrency=8, **FAST)
    assert len(written) == len(names) == 470
    assert all((dest / n).stat().st_size == (REAL_DOCS / n).stat().st_size for n in names)


# --- Service Reference JSON -----------------------------------------------------------


@pytest.fixture
def json_site(serve) -> Server:
    server = serve({})
    index = (PAGES / "service_ref.json").read_bytes().replace(b"HOST", server.host.encode())
    server.routes.update(
        {
            "/": index,
            "/v1/demo/demo.json": (SERVICES / "demo.json").read_bytes(),
            "/v1/extra/extra.json": (SERVICES / "extra.json").read_bytes(),
        }
    )
    return server


def test_service_reference_writes_index_and_one_file_per_service(json_site, tmp_path):
    written = fetch_service_reference(tmp_path, json_site.url("/"), **FAST)
    assert written == [
        tmp_path / "service_ref.json",
        tmp_path / "services" / "demo.json",
        tmp_path / "services" / "extra.json",
    ]
    assert (tmp_path / "services" / "demo.json").read_bytes() == (SERVICES / "demo.json").read_bytes()


def test_fetched_service_reference_reads_back(json_site, tmp_path):
    fetch_service_reference(tmp_path, json_site.url("/"), **FAST)
    assert [s.prefix for s in read_folder(tmp_path)] == ["demo", "extra"]


@pytest.mark.parametrize(
    "index, message",
    [
        (b'[{"service": "../etc", "url": "x.json"}]', "invalid service prefix '../etc'"),
        (b'[{"service": "demo/x", "url": "x.json"}]', "invalid service prefix"),
        (b'[{"service": "demo"}]', "entry 0 needs string 'service' and 'url'"),
        (b'{"service": "demo"}', "the index is not a JSON list"),
        (b"[]", "the index lists no services"),
        (b"<html>maintenance</html>", "not valid JSON"),
        (b'[{"service": "demo", "url": "file:///etc/passwd"}]', "non-HTTP url"),
    ],
)
def test_bad_index_is_a_fetch_error_and_writes_nothing(json_site, tmp_path, index, message):
    json_site.routes["/"] = index
    with pytest.raises(FetchError, match=message):
        fetch_service_reference(tmp_path, json_site.url("/"), **FAST)
    assert files_under(tmp_path) == []


def test_service_file_that_is_not_json_is_a_fetch_error(json_site, tmp_path):
    json_site.routes["/v1/extra/extra.json"] = b'{"Name": "extra",'
    with pytest.raises(FetchError, match=r"/v1/extra/extra\.json: not valid JSON"):
        fetch_service_reference(tmp_path, json_site.url("/"), **FAST)
    assert files_under(tmp_path) == []


def test_real_service_reference_all_arrives(serve, tmp_path):
    if not (REAL_SERVICE_REFERENCE / "service_ref.json").is_file():
        pytest.skip(
            f"no Service Reference snapshot at {REAL_SERVICE_REFERENCE} "
            "(set POLICY_TF_SERVICE_REFERENCE)"
        )
    server = serve({})
    entries = json.loads((REAL_SERVICE_REFERENCE / "service_ref.json").read_text())
    # Point the index at the local server, keeping AWS's /v1/<prefix>/<prefix>.json paths.
    local = [{"service": e["service"], "url": server.url(f"/v1/{e['service']}/{e['service']}.json")}
             for e in entries]

    def from_folder(handler: BaseHTTPRequestHandler) -> None:
        name = handler.path.rsplit("/", 1)[1]
        send(handler, 200, (REAL_SERVICE_REFERENCE / "services" / name).read_bytes())

    server.routes.update({f"/v1/{e['service']}/{e['service']}.json": from_folder for e in entries})
    server.routes["/"] = json.dumps(local).encode()
    written = fetch_service_reference(tmp_path, server.url("/"), concurrency=8, **FAST)
    assert len(written) == 1 + 430
    assert len(read_folder(tmp_path)) == 430


# --- progress -------------------------------------------------------------------------


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_fetch_draws_a_progress_bar_on_a_terminal(site, tmp_path, monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    written = fetch_html_pages(tmp_path, site.url("/reference/"), **{**FAST, "progress": True})
    drawn = terminal.getvalue()
    assert drawn.startswith("\rpages:") and "100%" in drawn and f"{len(written)}/{len(written)}" in drawn
    assert drawn.endswith("\n")  # later output starts on a line of its own


def test_fetch_without_progress_stays_silent_on_a_terminal(site, tmp_path, monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    fetch_html_pages(tmp_path, site.url("/reference/"), **FAST)
    assert terminal.getvalue() == ""


def test_fetch_prints_nothing_when_stderr_is_not_a_terminal(site, tmp_path, capsys):
    fetch_html_pages(tmp_path, site.url("/reference/"), **{**FAST, "progress": True})
    assert capsys.readouterr().err == ""
