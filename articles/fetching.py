"""Fetching a feed over HTTP: politely (conditional requests, our User-Agent, a few requests per
host at a time across all workers), within bounds (size, time, redirects), and never from inside
our network.

The guard against requests into our own network sits where the connection is made: a network
backend for httpcore resolves the host once, refuses unless every address is public (or allowed by
FEEDS_ALLOW_NETWORKS), and connects to that very address, so a second DNS answer can't swap in
another. TLS is still checked against the host name of the URL.
"""

import email.utils
import http
import ipaddress
import socket
import ssl
import time
import zlib
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FuturesTimeout
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache, partial

import httpcore
import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/x-ndjson, "
    "application/jsonl, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
REDIRECTS = {301, 302, 303, 307, 308}
PERMANENT_REDIRECTS = {301, 308}
MAX_REDIRECTS = 5
THROTTLED = {429, 503}
LONGEST_RETRY_AFTER = 7 * 24 * 3600.0
SLOT_POLL_SECONDS = 0.05
# Ports below 1024 belong to other services (mail, SSH, …); feeds live on 80, 443 or a high port.
LOW_PORTS_ALLOWED = {80, 443}

# Addresses that carry an IPv4 address inside them, judged by that address.
NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
# Python 3.11 counts these as global; they are not reachable from the internet.
NOT_PUBLIC = [ipaddress.ip_network("64:ff9b:1::/48")]  # NAT64 for local use (RFC 8215)
SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
PRIVATE = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


@dataclass
class Fetched:
    not_modified: bool  # a 304: nothing to read
    body: bytes  # decompressed; b"" when not_modified
    url: str  # the URL finally answered, after redirects
    moved_to: str  # the new URL to store, set only when every redirect taken was permanent
    etag: str
    last_modified: str
    content_type: str
    status: int
    size: int  # bytes read off the wire, compressed


class FetchFailed(Exception):
    """Why a feed could not be fetched: `kind` for code to act on, `reason` in words for an editor.

    kind is one of refused, http, throttled, timeout, too_large, network, redirects.
    """

    def __init__(self, kind: str, reason: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


# What a URL may be, before anything is resolved


def refusal(url: str) -> str:
    """"" when the URL may be fetched as far as can be told without resolving its host, else why
    not. A host written as an address is judged here; a name is judged once it resolves."""
    parsed, problem = _parse(url)
    if problem:
        return problem
    if parsed.scheme not in ("http", "https"):
        return gettext("only http and https feeds are fetched, not %(scheme)s") % {"scheme": parsed.scheme or "?"}
    if not parsed.host:
        return gettext("%(url)s names no host") % {"url": url}
    if parsed.userinfo:
        return gettext("the URL carries a user name or password (%(host)s); feeds are fetched without them") % {
            "host": parsed.host
        }
    port = parsed.port
    if port is not None and port < 1024 and port not in LOW_PORTS_ALLOWED:
        return gettext("port %(port)s is not a web port; feeds are fetched from 80, 443 or above 1023") % {
            "port": port
        }
    try:
        address = ipaddress.ip_address(parsed.host)
    except ValueError:
        return ""
    problem = _address_problem(address, parsed.host)
    if problem:
        return gettext("%(address)s is %(problem)s; feeds are never fetched from inside our network") % {
            "address": address,
            "problem": problem,
        }
    return ""


def _parse(url: str) -> tuple[httpx.URL | None, str]:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        return None, gettext("%(url)s is not a valid URL (%(error)s)") % {"url": url, "error": exc}
    if parsed.port is not None and not 0 < parsed.port < 65536:
        reason = gettext("%(url)s is not a valid URL (there is no port %(port)s)")
        return None, reason % {"url": url, "port": parsed.port}
    return parsed, ""


def _allowed() -> tuple[set[str], list[ipaddress.IPv4Network | ipaddress.IPv6Network]]:
    names, networks = set(), []
    for entry in settings.FEEDS_ALLOW_NETWORKS:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            if "/" in entry or ":" in entry or entry.replace(".", "").isdigit():
                raise ImproperlyConfigured(
                    f"FEEDS_ALLOW_NETWORKS: {entry!r} is neither a host name nor an address or range"
                ) from None
            names.add(_host_key(entry))
    return names, networks


def _host_key(host: str) -> str:
    return host.lower().rstrip(".")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for, if any: mapped, compatible, NAT64 or 6to4."""
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address in NAT64 or address in IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def _address_problem(address: Address, host: str) -> str:
    """"" if a feed may be fetched from this address, else what kind of address it is."""
    names, networks = _allowed()
    if _host_key(host) in names or any(address in network for network in networks):
        return ""
    if address.version == 6 and not (address.is_loopback or address.is_unspecified):
        inner = _embedded_ipv4(address)
        if inner is not None:
            problem = _address_problem(inner, host)
            return problem and gettext("an address standing for %(inner)s, %(problem)s") % {
                "inner": inner,
                "problem": problem,
            }
    if address.is_global and not address.is_multicast and not any(address in n for n in NOT_PUBLIC):
        return ""
    if address.is_unspecified:
        return gettext("the unspecified address")
    if address.is_loopback:
        return gettext("a loopback address")
    if address.is_link_local:
        return gettext("a link-local address")
    if address.is_multicast:
        return gettext("a multicast address")
    if address in SHARED:
        return gettext("a shared address (carrier-grade NAT)")
    if any(address in network for network in PRIVATE):
        return gettext("a private address")
    return gettext("a special-purpose address, not a public one")


# The connection: resolved once, judged, connected to that address


# getaddrinfo takes no timeout: it runs in these threads, and a fetch waits for its answer only
# as long as it would for a connection. A lookup that never ends keeps its thread, not the fetch.
LOOKUPS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="dns")


def resolve(host: str, port: int) -> list[str]:
    lookup = LOOKUPS.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        answers = lookup.result(timeout=settings.FEEDS_CONNECT_TIMEOUT)
    except FuturesTimeout:
        raise FetchFailed("timeout", ngettext(
            "%(host)s: no answer from DNS within %(seconds)s second",
            "%(host)s: no answer from DNS within %(seconds)s seconds", settings.FEEDS_CONNECT_TIMEOUT,
        ) % {"host": host, "seconds": settings.FEEDS_CONNECT_TIMEOUT}) from None
    return [info[4][0] for info in answers]


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the fetch's deadline, so a body trickling
    in a byte at a time can't hold a worker past FEEDS_TOTAL_SECONDS."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: float):
        self.stream = stream
        self.deadline = deadline

    def _timeout(self, timeout: float | None, exception: type[Exception]) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise exception("the fetch's deadline has passed")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.stream.read(max_bytes, self._timeout(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.stream.write(buffer, self._timeout(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        timeout = self._timeout(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self.stream.start_tls(ssl_context, server_hostname, timeout), self.deadline)

    def get_extra_info(self, info: str):
        return self.stream.get_extra_info(info)


class PublicOnlyBackend(httpcore.NetworkBackend):
    """httpcore's way to the network, but only to public addresses (or allowed ones)."""

    def __init__(self, resolver: Resolver, inner: httpcore.NetworkBackend, deadline: float):
        self.resolver = resolver
        self.inner = inner
        self.deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self.addresses(host, port)
        for address in addresses:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise httpcore.ConnectTimeout("the fetch's deadline has passed")
            try:
                stream = self.inner.connect_tcp(
                    str(address),
                    port,
                    timeout=left if timeout is None else min(timeout, left),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                failure = exc  # a host may have a working address after a dead one
                continue
            return DeadlineStream(stream, self.deadline)
        raise failure

    def addresses(self, host: str, port: int) -> list[Address]:
        """Every address of the host, or FetchFailed("refused") if any one isn't allowed: a name
        that resolves partly inside our network is not fetched at all."""
        try:
            addresses, literal = [ipaddress.ip_address(host)], True
        except ValueError:
            literal = False
            try:
                addresses = [ipaddress.ip_address(a) for a in self.resolver(host, port)]
            except (OSError, UnicodeError, ValueError) as exc:
                raise FetchFailed("network", gettext("%(host)s could not be found (DNS)") % {"host": host}) from exc
            if not addresses:
                raise FetchFailed("network", gettext("%(host)s could not be found (DNS)") % {"host": host})
        for address in addresses:
            problem = _address_problem(address, host)
            if problem and literal:
                reason = gettext("%(address)s is %(problem)s; feeds are never fetched from inside our network")
            elif problem:
                reason = gettext(
                    "%(host)s resolves to %(address)s, %(problem)s; feeds are never fetched from inside our network"
                )
            if problem:
                raise FetchFailed("refused", reason % {"host": host, "address": address, "problem": problem})
        return addresses

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options=None):
        raise FetchFailed("refused", gettext("feeds are never fetched through a local socket"))

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


# httpcore's exceptions as httpx's, so that whoever uses the transport catches one family.
HTTPX_ERRORS = {
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
}


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except tuple(HTTPX_ERRORS) as exc:
        raise HTTPX_ERRORS[type(exc)](str(exc)) from exc


class _Body(httpx.SyncByteStream):
    def __init__(self, stream):
        self.stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _as_httpx_errors():
            yield from self.stream

    def close(self) -> None:
        self.stream.close()


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport over httpcore's connection pool on a network backend of our choosing
    (httpx.HTTPTransport builds its pool on httpcore's default backend and can't be given one)."""

    def __init__(self, network_backend: httpcore.NetworkBackend, ssl_context: ssl.SSLContext):
        self.pool = httpcore.ConnectionPool(ssl_context=ssl_context, network_backend=network_backend)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            answer = self.pool.handle_request(core_request)
        return httpx.Response(
            status_code=answer.status, headers=answer.headers, stream=_Body(answer.stream), extensions=answer.extensions
        )

    def close(self) -> None:
        self.pool.close()


@cache
def ssl_context() -> ssl.SSLContext:
    # Certificates checked against certifi's authorities and the URL's host name; nothing read
    # from the environment (SSLKEYLOGFILE would write the session keys to a file). Made once per
    # process and shared by its threads, as a context may be: loading the authorities costs about
    # 30 ms of CPU, three quarters of an unchanged feed's poll when it was made for each fetch
    # (bench/feeds.py).
    return httpx.create_ssl_context(trust_env=False)


# How many requests a host gets at once


@contextmanager
def host_slot(host: str, *, until: float) -> Iterator[None]:
    """One of FEEDS_PER_HOST slots for the host, shared by every process on the database: a
    PostgreSQL session advisory lock, polled until one is free or the fetch's deadline passes.

    A session lock, not a transaction's: the caller may be in no transaction, or in one that
    outlives the request. The first key is prefixed so it can't meet another use of hashtext().
    """
    key = f"feed host {_host_key(host)}"
    while True:
        with connection.cursor() as cursor:
            for slot in range(settings.FEEDS_PER_HOST):
                cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s), %s)", [key, slot])
                if cursor.fetchone()[0]:
                    break
            else:
                slot = None
        if slot is not None:
            break
        if time.monotonic() + SLOT_POLL_SECONDS >= until:
            raise FetchFailed(
                "timeout",
                ngettext(
                    "%(host)s was busy: %(count)s fetch from it was under way all the time we could wait",
                    "%(host)s was busy: %(count)s fetches from it were under way all the time we could wait",
                    settings.FEEDS_PER_HOST,
                )
                % {"host": host, "count": settings.FEEDS_PER_HOST},
            )
        time.sleep(SLOT_POLL_SECONDS)
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s), %s)", [key, slot])
        except DatabaseError:
            pass  # the connection is gone, and its lock with it


# The fetch


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    resolver: Resolver | None = None,
    network: httpcore.NetworkBackend | None = None,
    slots: Callable[[str], AbstractContextManager] | None = None,
) -> Fetched:
    """GET the feed at `url`, following up to MAX_REDIRECTS redirects, or raise FetchFailed.

    `resolver` (host, port) -> addresses and `network` (httpcore's inner backend) are for tests;
    `slots(host)` holds a per-host slot around each request (default: host_slot).
    """
    problem = refusal(url)
    if problem:
        raise FetchFailed("refused", problem)
    deadline = time.monotonic() + settings.FEEDS_TOTAL_SECONDS
    slots = slots or partial(host_slot, until=deadline)
    headers = {"User-Agent": settings.FEEDS_USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    timeout = httpx.Timeout(
        connect=settings.FEEDS_CONNECT_TIMEOUT,
        read=settings.FEEDS_READ_TIMEOUT,
        write=settings.FEEDS_READ_TIMEOUT,
        pool=settings.FEEDS_CONNECT_TIMEOUT,
    )
    # Requests go straight to our transport, not through an httpx.Client: nothing of the
    # environment (proxies), no cookies, and no redirect handling of the client's own (which
    # builds the next request, and can raise on a bad Location, even when told not to follow).
    backend = PublicOnlyBackend(resolver or resolve, network or httpcore.SyncBackend(), deadline)
    transport = GuardedTransport(backend, ssl_context())
    url = str(httpx.URL(url))
    try:
        visited, permanent = [url], True
        while True:
            request = httpx.Request("GET", url, headers=headers, extensions={"timeout": timeout.as_dict()})
            host = request.url.host
            with slots(host):
                response = _send(transport, request, deadline)
                try:
                    if response.status_code in REDIRECTS and "location" in response.headers:
                        url = _redirect_target(request, response, visited)
                        permanent = permanent and response.status_code in PERMANENT_REDIRECTS
                        continue
                    return _answer(request, response, deadline, etag, last_modified, permanent and len(visited) > 1)
                finally:
                    response.close()
    finally:
        transport.close()


def _send(transport: GuardedTransport, request: httpx.Request, deadline: float) -> httpx.Response:
    with _failures(request.url.host, deadline):
        response = transport.handle_request(request)
    response.request = request
    return response


@contextmanager
def _failures(host: str, deadline: float) -> Iterator[None]:
    """httpx's exceptions as FetchFailed, in words."""
    try:
        yield
    except httpx.TimeoutException as exc:
        if time.monotonic() >= deadline - 0.05:
            seconds = settings.FEEDS_TOTAL_SECONDS
            reason = ngettext(
                "%(host)s did not finish sending the feed within %(seconds)s second",
                "%(host)s did not finish sending the feed within %(seconds)s seconds",
                seconds,
            )
        elif isinstance(exc, httpx.ConnectTimeout):
            seconds = settings.FEEDS_CONNECT_TIMEOUT
            reason = ngettext(
                "no connection to %(host)s within %(seconds)s second",
                "no connection to %(host)s within %(seconds)s seconds",
                seconds,
            )
        else:
            seconds = settings.FEEDS_READ_TIMEOUT
            reason = ngettext(
                "no answer from %(host)s within %(seconds)s second",
                "no answer from %(host)s within %(seconds)s seconds",
                seconds,
            )
        raise FetchFailed("timeout", reason % {"host": host, "seconds": seconds}) from exc
    except httpx.ConnectError as exc:
        if _caused_by(exc, ssl.SSLError):
            reason = gettext("the secure connection to %(host)s failed: %(error)s")
        else:
            reason = gettext("could not connect to %(host)s: %(error)s")
        raise FetchFailed("network", reason % {"host": host, "error": _plain(exc)}) from exc
    except httpx.TransportError as exc:
        reason = gettext("the connection to %(host)s broke off: %(error)s")
        raise FetchFailed("network", reason % {"host": host, "error": _plain(exc)}) from exc


def _caused_by(exc: BaseException | None, kind: type[BaseException]) -> bool:
    while exc is not None:
        if isinstance(exc, kind):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _plain(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _redirect_target(request: httpx.Request, response: httpx.Response, visited: list[str]) -> str:
    location = response.headers["location"]
    host = request.url.host
    try:
        target = str(request.url.join(location))
    except httpx.InvalidURL:
        target = ""
    if not target or _parse(target)[1]:
        raise FetchFailed(
            "redirects",
            gettext("%(host)s redirects to %(location)s, which is not a valid URL")
            % {"host": host, "location": location},
            status=response.status_code,
        )
    if target in visited:
        raise FetchFailed(
            "redirects",
            gettext("%(host)s redirects in a loop, back to %(url)s") % {"host": host, "url": target},
            status=response.status_code,
        )
    if len(visited) > MAX_REDIRECTS:
        raise FetchFailed(
            "redirects",
            gettext("more than %(count)s redirects, the last from %(host)s") % {"count": MAX_REDIRECTS, "host": host},
            status=response.status_code,
        )
    problem = refusal(target)
    if problem:
        raise FetchFailed(
            "refused",
            gettext("%(host)s redirects to %(url)s: %(problem)s") % {"host": host, "url": target, "problem": problem},
        )
    visited.append(target)
    return target


def _answer(
    request: httpx.Request, response: httpx.Response, deadline: float, etag: str, last_modified: str, moved: bool
) -> Fetched:
    host, status = request.url.host, response.status_code
    answered = {
        "url": str(request.url),
        "moved_to": str(request.url) if moved else "",
        "etag": response.headers.get("etag", ""),
        "last_modified": response.headers.get("last-modified", ""),
        "content_type": response.headers.get("content-type", ""),
        "status": status,
    }
    if status == 304 and (etag or last_modified):
        answered["etag"] = answered["etag"] or etag
        answered["last_modified"] = answered["last_modified"] or last_modified
        return Fetched(not_modified=True, body=b"", size=0, **answered)
    if status in THROTTLED:
        retry_after = retry_after_seconds(response.headers.get("retry-after", ""))
        reason = _answered(host, status)
        if retry_after is not None:
            seconds = round(retry_after)
            reason = ngettext(
                "%(answered)s; it asks us to wait %(seconds)s second",
                "%(answered)s; it asks us to wait %(seconds)s seconds",
                seconds,
            ) % {"answered": reason, "seconds": seconds}
        raise FetchFailed("throttled", reason, status=status, retry_after=retry_after)
    if not 200 <= status < 300:
        raise FetchFailed("http", _answered(host, status), status=status)
    body, size = _read_body(response, host, deadline)
    return Fetched(not_modified=False, body=body, size=size, **answered)


def _answered(host: str, status: int) -> str:
    # The standard phrase, never the server's own words: they are shown to editors.
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    answered = gettext("%(host)s answered %(status)s %(phrase)s") % {"host": host, "status": status, "phrase": phrase}
    return answered.strip()


def retry_after_seconds(value: str) -> float | None:
    """Retry-After, as seconds from now within [0, 7 days]; None if missing or unreadable."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    return min(max(seconds, 0.0), LONGEST_RETRY_AFTER)


# The body: read as a stream, decompressed by us, within the cap


def _read_body(response: httpx.Response, host: str, deadline: float) -> tuple[bytes, int]:
    cap = settings.FEEDS_MAX_BYTES
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > cap:
        raise FetchFailed(
            "too_large",
            gettext("%(host)s says the feed is %(length)s bytes, more than the %(cap)s accepted; nothing was read")
            % {"host": host, "length": _count(int(length)), "cap": _count(cap)},
            status=response.status_code,
        )
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        inflater = None
    elif encoding in ("gzip", "x-gzip", "deflate"):
        inflater = Inflater(encoding, cap)
    else:
        raise FetchFailed(
            "http",
            gettext("%(host)s sent the feed compressed as %(encoding)s, which we did not ask for and can't read")
            % {"host": host, "encoding": encoding[:40]},
            status=response.status_code,
        )
    parts, size, kept = [], 0, 0
    with _failures(host, deadline):
        for chunk in response.iter_raw():
            size += len(chunk)
            if size > cap:  # also bounds compressed data that expands to nothing
                raise _too_large(cap, response.status_code)
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("the fetch's deadline has passed")
            if inflater is not None:
                parts.extend(inflater.feed(chunk, host, response.status_code))
                continue  # the inflater keeps to the cap itself
            kept += len(chunk)
            if kept > cap:
                raise _too_large(cap, response.status_code)
            parts.append(chunk)
    if inflater is not None:
        inflater.finish(host, response.status_code)
    return b"".join(parts), size


def _too_large(cap: int, status: int) -> FetchFailed:
    return FetchFailed(
        "too_large",
        gettext("the feed is larger than %(cap)s bytes; reading stopped there") % {"cap": _count(cap)},
        status=status,
    )


def _count(number: int) -> str:
    return number_format(number, force_grouping=True)


class Inflater:
    """A gzip or deflate body decompressed chunk by chunk, never to more than `cap` bytes in all:
    each step asks zlib for at most what is left of the cap (plus one byte, to know it's over), so
    a small body that would expand to gigabytes is stopped after the cap, in memory too."""

    def __init__(self, encoding: str, cap: int):
        self.gzip = encoding != "deflate"
        self.cap = cap
        self.produced = 0
        self.head = b""  # deflate: the first two bytes say whether a zlib header wraps it
        self.zlib = zlib.decompressobj(16 + zlib.MAX_WBITS) if self.gzip else None
        self.started = False

    def feed(self, data: bytes, host: str, status: int) -> list[bytes]:
        if self.zlib is None:
            self.head += data
            if len(self.head) < 2:
                return []
            data, self.head = self.head, b""
            # "deflate" means zlib-wrapped (RFC 9110), but some servers send bare deflate.
            wrapped = data[0] & 0x0F == 8 and int.from_bytes(data[:2], "big") % 31 == 0
            self.zlib = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        self.started = True
        out = []
        try:
            while data:
                if self.zlib.eof:
                    if not self.gzip:
                        break  # bytes after the end of a deflate stream: nothing of the feed
                    self.zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)  # the next gzip member
                piece = self.zlib.decompress(data, self.cap - self.produced + 1)
                self.produced += len(piece)
                if self.produced > self.cap:
                    raise FetchFailed(
                        "too_large",
                        gettext(
                            "the feed expands to more than %(cap)s bytes when decompressed "
                            "(a decompression bomb?); reading stopped there"
                        )
                        % {"cap": _count(self.cap)},
                        status=status,
                    )
                out.append(piece)
                data = self.zlib.unconsumed_tail or (self.zlib.unused_data if self.zlib.eof else b"")
        except zlib.error as exc:
            raise self._broken(host, status) from exc
        return out

    def finish(self, host: str, status: int) -> None:
        if (self.started or self.head) and not (self.zlib and self.zlib.eof):
            raise self._broken(host, status)

    def _broken(self, host: str, status: int) -> FetchFailed:
        return FetchFailed(
            "http",
            gettext("%(host)s sent a compressed feed that is broken or cut short") % {"host": host},
            status=status,
        )
