"""A real HTTP server on 127.0.0.1 for tests of downloading (fetch, initialize --fetch)."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Server:
    """A ThreadingHTTPServer on 127.0.0.1 serving ``routes`` (path -> body or handler)."""

    def __init__(self, routes: dict) -> None:
        self.routes = routes
        self.hits: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                server.hits.append(path)  # list.append is atomic under the GIL
                route = server.routes.get(path)
                if route is None:
                    send(self, 404, b"not found")
                elif callable(route):
                    route(self)
                else:
                    send(self, 200, route)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        # A client that timed out leaves a broken pipe behind: not worth a traceback.
        self.httpd.handle_error = lambda request, address: None
        self.host = f"127.0.0.1:{self.httpd.server_address[1]}"
        # A short poll interval keeps shutdown() (and so each test's teardown) quick.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}{path}"

    def count(self, path: str) -> int:
        return self.hits.count(path)


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
    handler.send_response(status)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def serve() -> Iterator[Callable[[dict], Server]]:
    servers: list[Server] = []

    def start(routes: dict) -> Server:
        server = Server(routes)
        server.thread.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.httpd.shutdown()
        server.httpd.server_close()


