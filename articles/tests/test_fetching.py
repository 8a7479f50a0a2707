"""articles/fetching.py against a local feed server, and against a fake resolver with a network
that fails the test if anything tries to connect (so refusals are shown to send nothing)."""

import ipaddress
import socket
import ssl
import subprocess
import threading
import time
import tracemalloc
from contextlib import nullcontext
from email.utils import formatdate

import httpcore
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from articles import fetching
from articles.fetching import FetchFailed, fetch, host_slot, refusal, retry_after_seconds
from articles.tests.feed_server import ThreadSlots, endless, gzip_bomb, gzip_bomb_bytes

PUBLIC = "93.184.215.14"  # any public address: never connected to, the network is a fake


def no_slots(host):
    return nullcontext()


def no_dns(host, port):
    pytest.fail(f"{host} was looked up in DNS")


def resolving(answers: dict[str, list[str]]):
    """A resolver answering from `answers`; any other name fails the test."""

    def resolve(host, port):
        if host not in answers:
            pytest.fail(f"{host} was looked up, but the test gave no answer for it")
        return answers[host]

    return resolve


class NoNetwork(httpcore.NetworkBackend):
    def connect_tcp(self, host, port, **kwargs):
        pytest.fail(f"a connection was made to {host}:{port}")


class OnlyTo(httpcore.NetworkBackend):
    """The real network, for the listed addresses only."""

    def __init__(self, *addresses):
        self.addresses = addresses
        self.real = httpcore.SyncBackend()

    def connect_tcp(self, host, port, **kwargs):
        if host not in self.addresses:
            pytest.fail(f"a connection was made to {host}:{port}")
        return self.real.connect_tcp(host, port, **kwargs)


def get(url, **options):
    """fetch() with no database slots and no DNS, unless the test says otherwise."""
    options.setdefault("slots", no_slots)
    options.setdefault("resolver", no_dns)
    return fetch(url, **options)


def refused(url, **options) -> FetchFailed:
    options.setdefault("network", NoNetwork())
    with pytest.raises(FetchFailed) as failure:
        get(url, **options)
    assert failure.value.kind == "refused", failure.value.reason
    return failure.value


# What may be fetched, judged without resolving


def test_a_public_http_or_https_url_is_not_refused():
    assert refusal("https://feeds.example.org/rss") == ""
    assert refusal("http://feeds.example.org:8080/rss") == ""
    assert refusal(f"http://{PUBLIC}/rss") == ""


@pytest.mark.parametrize(
    "url, words",
    [
        ("ftp://feeds.example.org/rss", "not ftp"),
        ("file:///etc/passwd", "not file"),
        ("http://user:secret@feeds.example.org/rss", "user name or password"),
        ("http:///rss", "no host"),
        ("http://feeds.example.org:25/rss", "port 25"),
        ("http://feeds.example.org:99999/", "not a valid URL"),
        ("http://127.0.0.1/rss", "127.0.0.1 is a loopback address"),
        ("http://[::1]/rss", "::1 is a loopback address"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::ffff:127.0.0.1]/", "standing for 127.0.0.1, a loopback address"),
    ],
)
def test_refusal_says_what_is_wrong(url, words):
    assert words in refusal(url)


@pytest.mark.parametrize("url", ["ftp://feeds.example.org/rss", "file:///etc/passwd", "http://u:pw@feeds.example.org/"])
def test_fetch_refuses_what_refusal_refuses_without_connecting(url):
    refused(url)


# No door into our network: every kind of inside address, with nothing sent

INSIDE = {
    "127.0.0.1": "loopback",
    "10.0.0.5": "private",
    "172.16.3.4": "private",
    "192.168.1.1": "private",
    "169.254.169.254": "link-local",
    "::1": "loopback",
    "fe80::1": "link-local",
    "fc00::1": "private",
    "::ffff:127.0.0.1": "standing for 127.0.0.1",
    "64:ff9b::7f00:1": "standing for 127.0.0.1",
    "::ffff:a00:5": "standing for 10.0.0.5",
    "100.64.0.1": "shared",
    "0.0.0.0": "unspecified",
    "224.0.0.1": "multicast",
    "ff02::1": "multicast",
    "192.0.2.10": "not a public one",
    "2001:db8::1": "not a public one",
}


@pytest.mark.parametrize("address", INSIDE)
def test_a_host_resolving_inside_our_network_is_refused_without_a_connection(address):
    failure = refused("http://feeds.example.org/rss", resolver=resolving({"feeds.example.org": [address]}))
    assert f"feeds.example.org resolves to {ipaddress.ip_address(address)}," in failure.reason
    assert INSIDE[address] in failure.reason
    assert "never fetched from inside our network" in failure.reason


@pytest.mark.parametrize("address", INSIDE)
def test_an_inside_address_written_in_the_url_is_refused_without_a_connection(address):
    host = f"[{address}]" if ":" in address else address
    failure = refused(f"http://{host}/rss")
    assert INSIDE[address] in failure.reason


def test_a_host_with_one_public_and_one_private_address_is_refused():
    resolver = resolving({"feeds.example.org": [PUBLIC, "10.0.0.5"]})
    failure = refused("https://feeds.example.org/rss", resolver=resolver)
    assert "10.0.0.5" in failure.reason


@pytest.mark.parametrize("host", ["0x7f.1", "2130706433", "127.1", "0x7f000001"])
def test_loopback_written_in_odd_forms_is_refused_once_resolved(host):
    # getaddrinfo reads these as 127.0.0.1; AI_NUMERICHOST makes sure no DNS query leaves.
    def numeric(host, port):
        return [info[4][0] for info in socket.getaddrinfo(host, port, flags=socket.AI_NUMERICHOST)]

    assert refusal(f"http://{host}/") == ""  # not an address as written: judged after resolving
    failure = refused(f"http://{host}/rss", resolver=numeric)
    assert "resolves to 127.0.0.1, a loopback address" in failure.reason


def test_loopback_written_with_leading_zeros_is_no_valid_url():
    assert "not a valid URL" in refusal("http://0177.0.0.1/")
    refused("http://0177.0.0.1/rss")


def test_loopback_is_refused_by_default_even_with_a_server_there(feed_server):
    feed_server.feed("/rss", "docs-examples/rss20.xml")
    refused(feed_server.url("/rss"))
    assert feed_server.count("/rss") == 0


def test_a_host_named_in_the_allowed_list_may_resolve_inside(local, feed_server):
    local.FEEDS_ALLOW_NETWORKS = ["Feeds.Internal"]
    feed_server.feed("/rss", "docs-examples/rss20.xml")
    resolver = resolving({"feeds.internal": ["127.0.0.1"]})
    fetched = get(feed_server.url("/rss", host="feeds.internal"), resolver=resolver)
    assert fetched.status == 200 and b"<rss" in fetched.body
    refused(feed_server.url("/rss", host="other.internal"), resolver=resolving({"other.internal": ["127.0.0.1"]}))


def test_a_range_in_the_allowed_list_allows_its_addresses_only(local, start_feed_server):
    local.FEEDS_ALLOW_NETWORKS = ["127.0.0.0/30"]
    server = start_feed_server("127.0.0.2")
    server.feed("/rss", "docs-examples/rss20.xml")
    assert get(server.url("/rss")).status == 200
    refused("http://127.0.0.9/rss")
    refused("http://feeds.example.org/rss", resolver=resolving({"feeds.example.org": ["10.0.0.5"]}))


def test_an_allowed_list_entry_that_is_no_name_nor_range_is_a_configuration_error(settings):
    settings.FEEDS_ALLOW_NETWORKS = ["10.0.0.0/33"]
    with pytest.raises(ImproperlyConfigured, match="10.0.0.0/33"):
        refusal("http://127.0.0.1/")


def test_a_redirect_to_the_metadata_address_is_refused_without_a_connection(local, feed_server):
    feed_server.redirect("/rss", "http://metadata.example/latest/meta-data/")
    resolver = resolving({"metadata.example": ["169.254.169.254"]})
    failure = refused(feed_server.url("/rss"), resolver=resolver, network=OnlyTo("127.0.0.1"))
    assert "metadata.example resolves to 169.254.169.254, a link-local address" in failure.reason
    assert feed_server.count("/rss") == 1


@pytest.mark.parametrize("to", ["ftp://feeds.example.org/rss", "http://10.0.0.5/rss", "http://u:pw@feeds.example.org/"])
def test_a_redirect_to_a_refused_url_is_refused_and_says_where_from(local, feed_server, to):
    feed_server.redirect("/rss", to, status=301)
    failure = refused(feed_server.url("/rss"), network=OnlyTo("127.0.0.1"))
    assert failure.reason.startswith(f"127.0.0.1 redirects to {to}: ")


class RecordingStream(httpcore.NetworkStream):
    def __init__(self, calls):
        self.calls = calls

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        self.calls.append(("start_tls", server_hostname, ssl_context.check_hostname))
        raise httpcore.ConnectError("stopped by the test")

    def close(self):
        pass


class Recording(httpcore.NetworkBackend):
    def __init__(self):
        self.calls = []

    def connect_tcp(self, host, port, **kwargs):
        self.calls.append(("connect_tcp", host, port))
        return RecordingStream(self.calls)


def test_connects_to_the_address_resolved_once_and_checks_tls_against_the_host_name():
    lookups = []

    def resolver(host, port):
        lookups.append(host)
        return [PUBLIC]

    network = Recording()
    with pytest.raises(FetchFailed) as failure:
        get("https://feeds.example.org/rss", resolver=resolver, network=network)
    assert lookups == ["feeds.example.org"]
    assert network.calls == [("connect_tcp", PUBLIC, 443), ("start_tls", "feeds.example.org", True)]
    assert failure.value.kind == "network"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for feeds.test."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=feeds.test",
         "-addext", "subjectAltName=DNS:feeds.test", "-keyout", key, "-out", cert],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_tls_checks_the_certificate_against_the_host_name_not_the_address(
    local, start_feed_server, certificate, monkeypatch
):
    server = start_feed_server(certificate=certificate)
    server.feed("/rss", "docs-examples/rss20.xml")
    resolver = resolving({"feeds.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})

    with pytest.raises(FetchFailed) as unknown_authority:
        get(server.url("/rss", host="feeds.test"), resolver=resolver)
    assert unknown_authority.value.kind == "network"
    assert "secure connection to feeds.test failed" in unknown_authority.value.reason

    def trusting_our_certificate():
        context = fetching.httpx.create_ssl_context(trust_env=False)
        context.load_verify_locations(certificate[0])
        return context

    monkeypatch.setattr(fetching, "ssl_context", trusting_our_certificate)
    assert b"<rss" in get(server.url("/rss", host="feeds.test"), resolver=resolver).body
    with pytest.raises(FetchFailed) as wrong_name:
        get(server.url("/rss", host="other.test"), resolver=resolver)
    assert "other.test" in wrong_name.value.reason and "hostname" in wrong_name.value.reason.lower()


def test_the_tls_context_is_made_once_per_process_not_for_each_fetch():
    assert fetching.ssl_context() is fetching.ssl_context()
    assert fetching.ssl_context().verify_mode == ssl.CERT_REQUIRED and fetching.ssl_context().check_hostname


def test_proxies_in_the_environment_are_not_used(local, feed_server, monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9/")
    feed_server.feed("/rss", "docs-examples/rss20.xml")
    assert get(feed_server.url("/rss")).status == 200


def test_a_host_that_does_not_resolve_is_a_network_failure():
    def unknown(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(FetchFailed) as failure:
        get("http://nowhere.example/rss", resolver=unknown, network=NoNetwork())
    assert failure.value.kind == "network"
    assert failure.value.reason == "nowhere.example could not be found (DNS)"


def test_a_refused_connection_is_a_network_failure(local):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(FetchFailed) as failure:
        get(f"http://127.0.0.1:{port}/rss")
    assert failure.value.kind == "network"
    assert failure.value.reason.startswith("could not connect to 127.0.0.1")


# Politeness: who we are, what we take, and asking only for what changed


def test_every_request_says_who_we_are_and_what_we_accept(local, feed_server):
    local.FEEDS_USER_AGENT = "Newsdesk test reader"
    feed_server.feed("/rss", "docs-examples/rss20.xml")
    feed_server.redirect("/old", "/rss", status=301)
    get(feed_server.url("/old"))
    for headers in feed_server.seen["/old"] + feed_server.seen["/rss"]:
        assert headers["user-agent"] == "Newsdesk test reader"
        assert headers["accept"].startswith("application/rss+xml, application/atom+xml")
        assert headers["accept-encoding"] == "gzip, deflate"


def test_a_feed_unchanged_since_its_etag_answers_304_with_nothing_to_read(local, feed_server):
    feed = feed_server.feed("/rss", "docs-examples/rss20.xml")
    first = get(feed_server.url("/rss"))
    assert (first.status, first.not_modified, first.etag) == (200, False, feed.etag)
    assert first.body == feed.body and first.size == len(feed.body)
    assert first.content_type == "application/rss+xml"

    again = get(feed_server.url("/rss"), etag=first.etag, last_modified=first.last_modified)
    assert feed_server.seen["/rss"][1]["if-none-match"] == first.etag
    assert feed_server.seen["/rss"][1]["if-modified-since"] == first.last_modified
    assert (again.status, again.not_modified, again.body, again.size) == (304, True, b"", 0)
    assert (again.etag, again.last_modified) == (first.etag, first.last_modified)

    feed.change(b"<rss><channel><title>Changed</title></channel></rss>")
    changed = get(feed_server.url("/rss"), etag=first.etag)
    assert (changed.status, changed.body, changed.etag) == (200, feed.body, feed.etag)


def test_a_feed_unchanged_since_its_last_modified_date_answers_304(local, feed_server):
    feed = feed_server.feed("/rss", "docs-examples/rss20.xml")
    feed.etag = ""
    first = get(feed_server.url("/rss"))
    assert first.etag == "" and first.last_modified == feed.last_modified
    again = get(feed_server.url("/rss"), last_modified=first.last_modified)
    assert "if-none-match" not in feed_server.seen["/rss"][1]
    assert again.not_modified and again.last_modified == feed.last_modified


def test_no_conditional_headers_are_sent_when_none_are_known(local, feed_server):
    feed_server.feed("/rss", "docs-examples/rss20.xml")
    get(feed_server.url("/rss"))
    assert "if-none-match" not in feed_server.seen["/rss"][0]
    assert "if-modified-since" not in feed_server.seen["/rss"][0]


# Compression, decompressed by us and within the cap


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate"])
def test_compressed_feeds_are_decompressed_and_their_wire_size_counted(local, feed_server, encoding):
    feed = feed_server.feed("/rss", "docs-examples/rss20.xml", encoding=encoding)
    fetched = get(feed_server.url("/rss"))
    assert fetched.body == feed.body
    assert 0 < fetched.size < len(feed.body)


def test_a_compression_we_did_not_ask_for_is_refused_in_words(local, feed_server):
    feed_server.route("/rss", body=b"\x1b\x00\x00", encoding="br")
    with pytest.raises(FetchFailed) as failure:
        get(feed_server.url("/rss"))
    assert failure.value.reason == "127.0.0.1 sent the feed compressed as br, which we did not ask for and can't read"


@pytest.mark.parametrize("body", [b"\x1f\x8b\x08\x00garbage" * 10, b""])
def test_a_broken_or_cut_gzip_body_is_reported(local, feed_server, body):
    import gzip

    body = body or gzip.compress(b"<rss>" * 1000)[:-30]
    feed_server.route("/rss", body=body, headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchFailed) as failure:
        get(feed_server.url("/rss"))
    assert failure.value.kind == "http"
    assert failure.value.reason == "127.0.0.1 sent a compressed feed that is broken or cut short"


def test_a_gzip_bomb_stops_at_the_cap_without_expanding_in_memory(local, feed_server):
    feed_server.route("/bomb", chunks=gzip_bomb, encoding="gzip")  # 1 GB of zeros in about 1 MB
    gzip_bomb_bytes()  # made before counting
    tracemalloc.start()
    try:
        with pytest.raises(FetchFailed) as failure:
            get(feed_server.url("/bomb"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert failure.value.kind == "too_large"
    assert "expands to more than 1,000,000 bytes when decompressed" in failure.value.reason
    assert peak < 3 * 1_000_000, f"{peak:,} bytes held at the peak"


# Size, read as a stream


def test_a_content_length_over_the_cap_is_refused_before_reading(local, feed_server):
    # It says 5 GB and sends a few bytes: waiting for the rest would take until the timeout.
    feed_server.route("/big", body=b"<rss>", headers={"Content-Length": "5000000000"})
    started = time.monotonic()
    with pytest.raises(FetchFailed) as failure:
        get(feed_server.url("/big"))
    assert time.monotonic() - started < 0.5
    assert failure.value.kind == "too_large"
    assert failure.value.reason == (
        "127.0.0.1 says the feed is 5,000,000,000 bytes, more than the 1,000,000 accepted; nothing was read"
    )


def test_an_endless_body_stops_at_the_cap(local, feed_server):
    feed_server.route("/endless", chunks=endless)
    with pytest.raises(FetchFailed) as failure:
        get(feed_server.url("/endless"))
    assert failure.value.kind == "too_large"
    assert failure.value.reason == "the feed is larger than 1,000,000 bytes; reading stopped there"


def test_a_body_just_under_the_cap_is_read_whole(local, feed_server):
    feed_server.route("/full", body=b"x" * 1_000_000)
    assert len(get(feed_server.url("/full")).body) == 1_000_000
    feed_server.route("/over", chunks=lambda: [b"x" * 1_000_001])  # no Content-Length to tell ahead
    with pytest.raises(FetchFailed, match="larger than 1,000,000 bytes"):
        get(feed_server.url("/over"))


# Time


def test_a_server_that_does_not_answer_times_out_at_the_read_timeout(local, feed_server):
    feed_server.route("/silent", body=b"<rss/>", pause=1.5)
    started = time.monotonic()
    with pytest.raises(FetchFailed) as failure:
        get(feed_server.url("/silent"))
    assert 0.9 < time.monotonic() - started < 1.7
    assert failure.value.kind == "timeout"
    assert failure.value.reason == "no answer from 127.0.0.1 within 1 second"


def test_a_body_trickling_in_is_stopped_at_the_overall_deadline(local, feed_server):
    # A byte every 0.3 s never trips the 1 s read timeout; the fetch's 2 s in all stop it.
    feed_server.route("/trickle", chunks=lambda: endless(b" "), trickle=0.3)
    started = time.monotonic()
    with pytest.raises(FetchFailed) as failure:
        get(feed_server.url("/trickle"))
    assert 1.9 < time.monotonic() - started < 2.7
    assert failure.value.kind == "timeout"
    assert failure.value.reason == "127.0.0.1 did not finish sending the feed within 2 seconds"


def test_the_overall_deadline_spans_redirects(local, feed_server):
    for hop in range(4):
        feed_server.route(f"/{hop}", status=302, headers={"Location": f"/{hop + 1}"}, pause=0.7)
    with pytest.raises(FetchFailed) as failure:
        get(feed_server.url("/0"))
    assert failure.value.kind == "timeout"
    assert feed_server.count("/3") == 0


def test_a_slow_connection_times_out_in_words():
    class Unanswered(httpcore.NetworkBackend):
        def connect_tcp(self, host, port, timeout=None, **kwargs):
            raise httpcore.ConnectTimeout("timed out")

    with pytest.raises(FetchFailed) as failure:
        get("http://feeds.example.org/rss", resolver=resolving({"feeds.example.org": [PUBLIC]}), network=Unanswered())
    assert failure.value.kind == "timeout"
    assert failure.value.reason == "no connection to feeds.example.org within 10 seconds"


# Errors the server answers


@pytest.mark.parametrize(
    "status, words", [(404, "404 Not Found"), (500, "500 Internal Server Error"), (410, "410 Gone")]
)
def test_an_http_error_says_the_host_and_status(local, feed_server, status, words):
    feed_server.route("/rss", status=status, body=b"oops")
    with pytest.raises(FetchFailed) as failure:
        get(feed_server.url("/rss"))
    assert (failure.value.kind, failure.value.status) == ("http", status)
    assert failure.value.reason == f"127.0.0.1 answered {words}"
    assert failure.value.retry_after is None


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize(
    "retry_after, seconds",
    [
        ("120", 120.0),
        (None, None),
        ("soon", None),
        ("99999999", 7 * 24 * 3600.0),
        ("Mon, 01 Jan 2001 00:00:00 GMT", 0.0),
    ],
)
def test_throttling_answers_say_when_to_come_back(local, feed_server, status, retry_after, seconds):
    feed_server.route("/rss", status=status, headers={"Retry-After": retry_after} if retry_after else {})
    with pytest.raises(FetchFailed) as failure:
        get(feed_server.url("/rss"))
    assert (failure.value.kind, failure.value.status, failure.value.retry_after) == ("throttled", status, seconds)


def test_retry_after_as_a_date_counts_from_now():
    assert 290 < retry_after_seconds(formatdate(time.time() + 300, usegmt=True)) <= 300
    assert retry_after_seconds("") is None
    assert retry_after_seconds("-5") is None


def test_the_servers_own_reason_phrase_is_not_shown_to_editors(local, feed_server):
    feed_server.route("/rss", status=599)
    with pytest.raises(FetchFailed) as failure:
        get(feed_server.url("/rss"))
    assert failure.value.reason == "127.0.0.1 answered 599"


# Redirects


def test_permanent_redirects_all_the_way_give_the_new_url_to_store(local, feed_server):
    feed_server.feed("/new", "docs-examples/rss20.xml")
    feed_server.redirect("/old", "/middle", status=301)
    feed_server.redirect("/middle", feed_server.url("/new"), status=308)
    fetched = get(feed_server.url("/old"))
    assert fetched.url == fetched.moved_to == feed_server.url("/new")
    assert b"<rss" in fetched.body


@pytest.mark.parametrize("temporary", [302, 303, 307])
def test_one_temporary_redirect_on_the_way_leaves_the_stored_url_alone(local, feed_server, temporary):
    feed_server.feed("/new", "docs-examples/rss20.xml")
    feed_server.redirect("/old", "/middle", status=301)
    feed_server.redirect("/middle", "new", status=temporary)  # relative to /middle
    fetched = get(feed_server.url("/old"))
    assert fetched.url == feed_server.url("/new")
    assert fetched.moved_to == ""


def test_no_redirect_leaves_moved_to_empty(local, feed_server):
    feed_server.feed("/rss", "docs-examples/rss20.xml")
    assert get(feed_server.url("/rss")).moved_to == ""


def test_five_redirects_are_followed_and_a_sixth_is_not(local, feed_server):
    feed_server.feed("/5", "docs-examples/rss20.xml")
    for hop in range(5):
        feed_server.redirect(f"/{hop}", f"/{hop + 1}")
    assert get(feed_server.url("/0")).url == feed_server.url("/5")
    feed_server.redirect("/5", "/6")
    with pytest.raises(FetchFailed) as failure:
        get(feed_server.url("/0"))
    assert failure.value.kind == "redirects"
    assert failure.value.reason == "more than 5 redirects, the last from 127.0.0.1"
    assert feed_server.count("/6") == 0


def test_a_redirect_loop_is_reported(local, feed_server):
    feed_server.redirect("/a", "/b")
    feed_server.redirect("/b", feed_server.url("/a"))
    with pytest.raises(FetchFailed) as failure:
        get(feed_server.url("/a"))
    assert failure.value.kind == "redirects"
    assert failure.value.reason == f"127.0.0.1 redirects in a loop, back to {feed_server.url('/a')}"


def test_a_redirect_to_a_broken_url_is_reported(local, feed_server):
    feed_server.redirect("/rss", "http://feeds.example.org:99999/")
    with pytest.raises(FetchFailed) as failure:
        get(feed_server.url("/rss"))
    assert failure.value.kind == "redirects"
    assert "not a valid URL" in failure.value.reason


# At most FEEDS_PER_HOST requests to one host at a time


def fetch_at_once(count: int, url: str, **options) -> list:
    results = [None] * count

    def one(index):
        try:
            results[index] = get(url, **options)
        except FetchFailed as failure:
            results[index] = failure
        finally:
            connection.close()  # each thread's own database connection

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_slots_keep_requests_to_one_host_to_the_limit(local, feed_server):
    feed_server.route("/rss", body=b"<rss/>", pause=0.2)
    results = fetch_at_once(6, feed_server.url("/rss"), slots=ThreadSlots(2))
    assert all(result.status == 200 for result in results)
    assert feed_server.max_at_once == 2


def test_without_slots_the_server_would_see_more_at_once(local, feed_server):
    # The counterpart of the test above: the server does count requests at once.
    feed_server.route("/rss", body=b"<rss/>", pause=0.5)
    fetch_at_once(4, feed_server.url("/rss"))
    assert feed_server.max_at_once == 4


def test_a_redirect_to_another_host_takes_that_hosts_slot(local, feed_server, start_feed_server):
    local.FEEDS_ALLOW_NETWORKS = ["127.0.0.0/8"]
    other = start_feed_server("127.0.0.2")
    other.feed("/rss", "docs-examples/rss20.xml")
    feed_server.redirect("/rss", other.url("/rss"))
    slots = ThreadSlots(1)
    get(feed_server.url("/rss"), slots=slots)
    assert slots.events == [
        ("take", "127.0.0.1"),
        ("give back", "127.0.0.1"),
        ("take", "127.0.0.2"),
        ("give back", "127.0.0.2"),
    ]


def hold_slots(host: str, count: int, until: float):
    """Threads that each take a database slot for `host` and hold it until released."""
    taken, release = threading.Semaphore(0), threading.Event()

    def hold():
        try:
            with host_slot(host, until=until):
                taken.release()
                release.wait(10)
        finally:
            connection.close()

    threads = [threading.Thread(target=hold) for _ in range(count)]
    for thread in threads:
        thread.start()
    for _ in range(count):
        assert taken.acquire(timeout=5)
    return threads, release


def test_a_third_holder_of_a_database_slot_waits_until_one_is_given_back(local, db):
    holders, release = hold_slots("feeds.example.org", 2, until=time.monotonic() + 10)
    entered = threading.Event()

    def third():
        try:
            with host_slot("feeds.example.org", until=time.monotonic() + 10):
                entered.set()
        finally:
            connection.close()

    waiting = threading.Thread(target=third)
    waiting.start()
    assert not entered.wait(0.4), "a third fetch got a slot while two were held"
    with host_slot("other.example.org", until=time.monotonic() + 1):
        pass  # another host is not held up
    release.set()
    assert entered.wait(2), "the third fetch never got a slot"
    for thread in [*holders, waiting]:
        thread.join()


def test_a_host_busy_until_the_deadline_fails_in_words(local, db):
    holders, release = hold_slots("feeds.example.org", 2, until=time.monotonic() + 10)
    try:
        started = time.monotonic()
        with pytest.raises(FetchFailed) as failure:
            with host_slot("feeds.example.org", until=time.monotonic() + 0.5):
                pass
        assert 0.4 < time.monotonic() - started < 1.2
        assert failure.value.kind == "timeout"
        assert failure.value.reason == (
            "feeds.example.org was busy: 2 fetches from it were under way all the time we could wait"
        )
    finally:
        release.set()
        for thread in holders:
            thread.join()


def test_a_slot_is_given_back_when_the_fetch_fails(local, db):
    for _ in range(3):
        with pytest.raises(FetchFailed):
            with host_slot("feeds.example.org", until=time.monotonic() + 1):
                raise FetchFailed("http", "test")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        assert cursor.fetchone()[0] == 0


def test_fetches_in_many_threads_take_database_slots_by_default(local, db, feed_server):
    feed_server.route("/rss", body=b"<rss/>", pause=0.2)
    results = fetch_at_once(5, feed_server.url("/rss"), slots=None)
    assert all(result.status == 200 for result in results), results
    assert feed_server.max_at_once == 2


def test_reasons_are_translated_for_the_editor_reading_them():
    from django.utils import translation

    with translation.override("id"):
        assert refusal("http://127.0.0.1/rss") == (
            "127.0.0.1 adalah alamat loopback; umpan tidak pernah diambil dari dalam jaringan kami"
        )


def test_a_dns_lookup_that_never_answers_ends_the_fetch_at_the_connect_timeout(local, monkeypatch):
    never = threading.Event()
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: never.wait(5) and [])
    started = time.monotonic()
    with pytest.raises(FetchFailed) as failure:
        fetch("http://slow-dns.example/feed", slots=no_slots, network=NoNetwork())
    never.set()
    assert failure.value.kind == "timeout" and time.monotonic() - started < 3
    assert failure.value.reason == "slow-dns.example: no answer from DNS within 1 second"
