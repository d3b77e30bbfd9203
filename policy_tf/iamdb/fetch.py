"""Download AWS's IAM documentation: the HTML pages or the Service Reference JSON.

Only ``policy_tf initialize --fetch`` calls this; nothing else touches the network.

A fetch is all or nothing: files are downloaded into a private staging folder inside
``dest`` and moved into place (``atomic.Batch``: all or none) only once every download succeeded,
so a failed fetch leaves ``dest`` as it was, with no partial files.

Retries are a loop written here rather than urllib3's ``Retry`` on an adapter: it also
covers failures while reading the body (a read timeout or a cut connection after the
headers arrived, which ``Retry`` never sees), behaves the same with a caller's session,
and ends with one clear ``FetchError`` naming the URL and the last reason.
"""
from __future__ import annotations

import json
import posixpath
import re
import shutil
import tempfile
import threading
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from policy_tf import __version__
from policy_tf.core.errors import FetchError
from policy_tf.iamdb.sources.service_reference import (
    INDEX_FILE,
    PREFIX_RE,
    SERVICES_DIR,
)

DEFAULT_HTML_BASE = "https://docs.aws.amazon.com/service-authorization/latest/reference/"
HTML_INDEX_PAGE = "reference_policies_actions-resources-contextkeys.html"
DEFAULT_JSON_INDEX = "https://servicereference.us-east-1.amazonaws.com/"

PAGE_NAME_RE = re.compile(r"list_[A-Za-z0-9._-]+\.html")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0  # seconds; never let a server park us longer than this
USER_AGENT = f"policy_tf/{__version__}"


class _Stopped(Exception):
    """Another download failed: give up quietly, the first failure is reported."""


def fetch_html_pages(
    dest: Path,
    base_url: str = DEFAULT_HTML_BASE,
    *,
    timeout: float = 30,
    retries: int = 4,
    backoff: float = 0.5,
    concurrency: int = 8,
    session: Any = None,
    progress: bool = True,
) -> list[Path]:
    """Download every ``list_*.html`` page linked from the index page at ``base_url``.

    Returns the pages written to ``dest``, sorted by name; the index page is saved too.
    """
    if not base_url.endswith("/"):
        base_url += "/"  # urljoin would otherwise drop the last path segment
    index_url = urljoin(base_url, HTML_INDEX_PAGE)
    with _Downloader(session, timeout, retries, backoff, concurrency) as dl:
        index = dl.get(index_url)
        names = page_names(index.decode("utf-8", errors="replace"), index_url)
        if not names:
            raise FetchError(f"{index_url}: no list_*.html links found")
        jobs = [(urljoin(index_url, name), name) for name in names]
        # The index goes along: a reader of the folder then reads only the pages it lists.
        written = _fetch_all(dl, Path(dest), jobs, {HTML_INDEX_PAGE: index}, "pages", progress)
        return [p for p in written if p.name != HTML_INDEX_PAGE]


def fetch_service_reference(
    dest: Path,
    index_url: str = DEFAULT_JSON_INDEX,
    *,
    timeout: float = 30,
    retries: int = 4,
    backoff: float = 0.5,
    concurrency: int = 8,
    session: Any = None,
    progress: bool = True,
) -> list[Path]:
    """Download the Service Reference index and every service JSON it lists.

    Writes ``dest/service_ref.json`` and ``dest/services/<prefix>.json``; returns the
    index path followed by the service files, sorted by prefix.
    """
    with _Downloader(session, timeout, retries, backoff, concurrency) as dl:
        raw_index = dl.get(index_url)
        jobs = [
            (url, f"{SERVICES_DIR}/{prefix}.json")
            for prefix, url in service_urls(_parse_json(raw_index, index_url), index_url)
        ]
        if not jobs:
            raise FetchError(f"{index_url}: the index lists no services")
        written = _fetch_all(
            dl, Path(dest), jobs, {INDEX_FILE: raw_index}, "services", progress, check_json=True
        )
        index_path = Path(dest) / INDEX_FILE
        return [index_path] + [p for p in written if p != index_path]


def page_names(html: str, index_url: str) -> list[str]:
    """Sorted, unique file names of the service pages linked from the index page.

    Only links into the index page's own folder count: other hosts and folders are
    ignored, and a name must look like ``list_<name>.html``, so nothing downloaded can
    be written outside the destination folder.
    """
    parser = _LinkParser()
    parser.feed(html)
    base = urlsplit(index_url)
    folder = posixpath.dirname(base.path)
    names = set()
    for href in parser.hrefs:
        url = urlsplit(urljoin(index_url, href.strip()))
        if (url.scheme, url.netloc) != (base.scheme, base.netloc):
            continue
        path = unquote(url.path)
        if posixpath.dirname(path) != folder:
            continue
        name = posixpath.basename(path)
        if safe_page_name(name):
            names.add(name)
    return sorted(names)


def linked_page_names(html: str) -> set[str]:
    """File names of every ``list_*.html`` page an index page links, wherever it points.

    For an index saved beside its pages: which of the folder's pages AWS still lists.
    """
    parser = _LinkParser()
    parser.feed(html)
    names = {posixpath.basename(unquote(urlsplit(href.strip()).path)) for href in parser.hrefs}
    return {name for name in names if safe_page_name(name)}


def safe_page_name(name: str) -> bool:
    """Whether ``name`` is a plain ``list_*.html`` file name, safe to write in dest."""
    return "/" not in name and ".." not in name and PAGE_NAME_RE.fullmatch(name) is not None


def service_urls(index: Any, index_url: str) -> list[tuple[str, str]]:
    """``(prefix, absolute url)`` for each index entry, sorted by prefix.

    Relative urls are resolved against the index URL. A prefix that is not a plain
    service prefix (it becomes a file name) makes the whole index invalid.
    """
    if not isinstance(index, list):
        raise FetchError(f"{index_url}: the index is not a JSON list")
    found: dict[str, str] = {}
    for i, entry in enumerate(index):
        prefix = entry.get("service") if isinstance(entry, dict) else None
        url = entry.get("url") if isinstance(entry, dict) else None
        if not isinstance(prefix, str) or not isinstance(url, str):
            raise FetchError(f"{index_url}: entry {i} needs string 'service' and 'url'")
        if not PREFIX_RE.fullmatch(prefix):
            raise FetchError(f"{index_url}: entry {i} has an invalid service prefix {prefix!r}")
        absolute = urljoin(index_url, url)
        if urlsplit(absolute).scheme not in ("http", "https"):
            raise FetchError(f"{index_url}: entry {i} has a non-HTTP url {url!r}")
        found.setdefault(prefix, absolute)  # a repeated prefix would overwrite its file
    return sorted(found.items())


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(value for key, value in attrs if key == "href" and value)


def _parse_json(raw: bytes, url: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise FetchError(f"{url}: not valid JSON: {exc}") from None


def _fetch_all(
    dl: _Downloader,
    dest: Path,
    jobs: list[tuple[str, str]],
    ready: dict[str, bytes],
    label: str,
    progress: bool,
    check_json: bool = False,
) -> list[Path]:
    """Download ``(url, relative name)`` jobs, then move them and ``ready`` into dest."""
    try:
        dest.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".policy_tf-fetch-", dir=dest))
    except OSError as exc:
        raise FetchError(f"cannot write to {dest}: {exc}") from None

    def download(url: str, name: str) -> str:
        body = dl.get(url)
        if check_json:
            _parse_json(body, url)
        _write(staging / name, body)
        return name

    try:
        for name, body in ready.items():
            _write(staging / name, body)
        from policy_tf.core import progress as bars

        with bars.bar(len(jobs), label, "files", enabled=progress) as bar:
            _run_pool(dl, download, jobs, bar)
        # Every file or none, through the one writer (no link under dest followed); index files
        # (ready) last, so a reader never sees an index ahead of its files.
        from policy_tf.core.atomic import Batch

        order = [name for _, name in jobs] + list(ready)
        with Batch(dest, only_if_changed=False) as batch:
            for name in order:
                batch.write_bytes(name, (staging / name).read_bytes())
        return sorted(dest / name for name in order)
    except (OSError, ValueError) as exc:  # ValueError: a name that would leave dest
        raise FetchError(f"cannot write to {dest}: {exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _run_pool(dl: _Downloader, download: Any, jobs: list[tuple[str, str]], bar: Any) -> None:
    """Run the downloads on ``dl.concurrency`` threads; raise the first real failure."""
    counting = threading.Lock()  # done-callbacks run on the worker threads; tqdm's count is not atomic

    def finished(future: Future) -> None:
        if not future.cancelled() and future.exception() is None:
            with counting:
                bar.update()

    pool = ThreadPoolExecutor(max_workers=dl.concurrency, thread_name_prefix="policy_tf-fetch")
    try:
        futures = [pool.submit(download, url, name) for url, name in jobs]
        for future in futures:
            future.add_done_callback(finished)
        wait(futures, return_when=FIRST_EXCEPTION)
        if any(f.done() and not f.cancelled() and f.exception() for f in futures):
            raise _first_failure(dl, pool, futures)
    except BaseException:
        # Also on Ctrl-C: cancel what has not started, make the rest give up early.
        dl.stop.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _first_failure(dl: _Downloader, pool: ThreadPoolExecutor, futures: list[Future]) -> BaseException:
    dl.stop.set()
    pool.shutdown(wait=True, cancel_futures=True)
    errors = [e for e in (f.exception() for f in futures if not f.cancelled()) if e is not None]
    # Downloads that stopped because of another failure are not the reason.
    real = [e for e in errors if not isinstance(e, _Stopped)]
    return (real or errors)[0]


def _write(path: Path, body: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)


class _Downloader:
    """GET with retries and exponential backoff over one shared session."""

    def __init__(
        self, session: Any, timeout: float, retries: int, backoff: float, concurrency: int
    ) -> None:
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.concurrency = max(1, concurrency)
        self.stop = threading.Event()
        self._own = session is None
        self.session = session if session is not None else self._new_session()

    def _new_session(self) -> Any:
        import requests  # lazily: the CLI must start fast when nothing is fetched
        from requests.adapters import HTTPAdapter

        session = requests.Session()
        session.headers["User-Agent"] = USER_AGENT
        # One pooled connection per worker, so concurrent downloads reuse connections.
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=self.concurrency)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    def __enter__(self) -> _Downloader:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._own:
            self.session.close()

    def get(self, url: str) -> bytes:
        """The body of ``url``; ``FetchError`` once all retries failed."""
        import requests

        for attempt in range(self.retries + 1):
            if self.stop.is_set():
                raise _Stopped()
            delay = self.backoff * 2**attempt
            try:
                response = self.session.get(url, timeout=self.timeout)
                status = response.status_code
                if 200 <= status < 300:
                    return response.content
                reason = f"HTTP {status} {response.reason or ''}".strip()
                if status not in RETRY_STATUSES:
                    raise FetchError(f"cannot download {url}: {reason}")
                delay = max(delay, _retry_after(response.headers.get("Retry-After")))
            except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
                    requests.exceptions.MissingSchema) as exc:
                raise FetchError(f"cannot download {url}: {exc}") from None  # no retry helps
            except requests.Timeout:
                reason = f"no answer within {self.timeout:g} s"
            except requests.RequestException as exc:
                # ConnectionError, ChunkedEncodingError (body cut short or timed out), ...
                reason = _describe(exc)
            if attempt < self.retries and self.stop.wait(delay):
                raise _Stopped()
        tries = "once" if self.retries == 0 else f"{self.retries + 1} times"
        raise FetchError(f"cannot download {url}: {reason} (tried {tries})")


def _describe(exc: Exception) -> str:
    """A short reason from requests' nested urllib3 messages, for the user."""
    text = str(exc)
    errno = re.search(r"\[Errno -?\d+\] [^'\")]+", text)  # e.g. [Errno 111] Connection refused
    if errno:
        return errno.group(0).strip()
    if "timed out" in text.lower():
        return "timed out while reading the answer"
    return text[:200] or type(exc).__name__


def _retry_after(value: str | None) -> float:
    """Seconds from a numeric ``Retry-After`` header, capped; 0 when absent or a date."""
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER) if value else 0.0
    except ValueError:
        return 0.0
