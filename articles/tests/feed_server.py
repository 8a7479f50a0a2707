"""A small HTTP server on 127.0.0.x for tests and benchmarks of feed fetching and polling.

Each path is a Route a test sets up (and may change between polls). The server notes the headers
of every request per path and how many requests it was answering at once at most.
"""

import functools
import gzip
import hashlib
import itertools
import ssl
import threading
import time
import zlib
from collections import defaultdict
from contextlib import contextmanager
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

FEEDS = Path(settings.BASE_DIR).parent / "shared" / "testdata" / "feeds"


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/rss+xml"
    etag: str = ""  # answer 304 to a matching If-None-Match
    last_modified: str = ""  # answer 304 to the same If-Modified-Since
    encoding: str = ""  # "gzip", "deflate" (zlib-wrapped) or "raw-deflate" (sent as "deflate")
    chunks: Callable[[], Iterable[bytes]] | None = None  # a streamed body instead, without Content-Length
    pause: float = 0.0  # seconds before answering
    trickle: float = 0.0  # seconds between streamed chunks

    def change(self, body: bytes) -> None:
        """New content, with a new ETag and Last-Modified, as a feed changes between polls."""
        self.body = body
        self.etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
        self.last_modified = formatdate(time.time(), usegmt=True)


def _raw_deflate(body: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(body) + packer.flush()


COMPRESS = {"gzip": gzip.compress, "deflate": zlib.compress, "raw-deflate": _raw_deflate}


@functools.cache
def gzip_bomb_bytes() -> bytes:
    """About 1 MB of gzip that expands to 1 GB of zeros: 64 members of 16 MB each (a gzip stream
    may hold several), made once per session in a fraction of a second."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    member = packer.compress(bytes(1 << 24)) + packer.flush()
    return member * 64


def gzip_bomb(piece: int = 1 << 16) -> Iterator[bytes]:
    bomb = gzip_bomb_bytes()
    return (bomb[start : start + piece] for start in range(0, len(bomb), piece))


def endless(piece: bytes = b"<item>more</item>" * 4000) -> Iterator[bytes]:
    return itertools.repeat(piece)


class ThreadSlots:
    """fetch()'s per-host slots for the threads of one process (no database), recording when each
    host's slot is taken and given back."""

    def __init__(self, per_host: int):
        self.semaphores = defaultdict(lambda: threading.BoundedSemaphore(per_host))
        self.lock = threading.Lock()  # two threads must not each make the host's first semaphore
        self.events = []

    @contextmanager
    def __call__(self, host):
        with self.lock:
            semaphore = self.semaphores[host]
        with semaphore:
            self.events.append(("take", host))
            try:
                yield
            finally:
                self.events.append(("give back", host))


class FeedServer:
    def __init__(self, host: str = "127.0.0.1", certificate: tuple[str, str] | None = None):
        self.routes: dict[str, Route] = {}
        self.seen: dict[str, list[dict[str, str]]] = defaultdict(list)
        self.at_once = self.max_at_once = 0
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer((host, 0), _Handler)
        self.httpd.daemon_threads = True  # an endless body's thread ends when the client goes
        self.httpd.feed_server = self
        self.scheme = "http"
        if certificate:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*certificate)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.host, self.port = self.httpd.server_address[:2]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path: str, host: str = "") -> str:
        """The URL of a path here; `host` writes another name in it (for a resolver that maps it)."""
        return f"{self.scheme}://{host or self.host}:{self.port}{path}"

    def route(self, path: str, **answer) -> Route:
        self.routes[path] = Route(**answer)
        return self.routes[path]

    def feed(self, path: str, name: str, **answer) -> Route:
        """A file of the test feeds (shared/testdata/feeds/<name>) with an ETag and Last-Modified."""
        route = self.route(path, **answer)
        route.change((FEEDS / name).read_bytes())
        return route

    def redirect(self, path: str, to: str, status: int = 302) -> Route:
        return self.route(path, status=status, headers={"Location": to})

    def count(self, path: str) -> int:
        return len(self.seen[path])

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        server: FeedServer = self.server.feed_server
        path = urlsplit(self.path).path
        with server.lock:
            server.seen[path].append({k.lower(): v for k, v in self.headers.items()})
            server.at_once += 1
            server.max_at_once = max(server.max_at_once, server.at_once)
        try:
            self.answer(server.routes.get(path))
        except (ConnectionError, ssl.SSLError):
            pass  # the client stopped reading, as it should past a limit
        finally:
            with server.lock:
                server.at_once -= 1

    def answer(self, route: Route | None) -> None:
        if route is None:
            self.send_plain(404, b"no such feed")
            return
        time.sleep(route.pause)
        if self.unchanged(route):
            self.send_response(304)
            self.send_validators(route)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(route.status)
        self.send_header("Content-Type", route.content_type)
        self.send_validators(route)
        for name, value in route.headers.items():
            self.send_header(name, value)
        if route.chunks is not None:
            if route.encoding:
                self.send_header("Content-Encoding", route.encoding.removeprefix("raw-"))
            self.send_header("Connection", "close")
            self.end_headers()
            for chunk in route.chunks():
                self.wfile.write(chunk)
                self.wfile.flush()
                time.sleep(route.trickle)
            return
        body = COMPRESS.get(route.encoding, bytes)(route.body)  # an unknown name: sent as it is
        if route.encoding:
            self.send_header("Content-Encoding", route.encoding.removeprefix("raw-"))
        if "Content-Length" not in route.headers:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def unchanged(self, route: Route) -> bool:
        if route.etag and self.headers.get("If-None-Match"):
            return route.etag in [tag.strip() for tag in self.headers["If-None-Match"].split(",")]
        return bool(route.last_modified) and self.headers.get("If-Modified-Since") == route.last_modified

    def send_validators(self, route: Route) -> None:
        if route.etag:
            self.send_header("ETag", route.etag)
        if route.last_modified:
            self.send_header("Last-Modified", route.last_modified)

    def send_plain(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        pass  # tests read server.seen instead
