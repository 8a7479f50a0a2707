import pytest

from articles.tests.feed_server import FeedServer


@pytest.fixture
def feed_server():
    """A feed server of the test's own on 127.0.0.1, at a free port."""
    server = FeedServer()
    yield server
    server.close()


@pytest.fixture
def start_feed_server():
    """Starts more feed servers, on other 127.0.0.x addresses or with TLS; all stop after the test."""
    servers = []

    def start(host: str = "127.0.0.1", certificate: tuple[str, str] | None = None) -> FeedServer:
        servers.append(FeedServer(host, certificate))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def local(settings):
    """Loopback allowed (it is refused by default), and short limits so failures come quickly."""
    settings.FEEDS_ALLOW_NETWORKS = ["127.0.0.1"]
    settings.FEEDS_CONNECT_TIMEOUT = 1
    settings.FEEDS_READ_TIMEOUT = 1
    settings.FEEDS_TOTAL_SECONDS = 2
    settings.FEEDS_MAX_BYTES = 1_000_000
    settings.FEEDS_PER_HOST = 2
    settings.FEEDS_PAUSE_AFTER_FAILURES = 4
    return settings
