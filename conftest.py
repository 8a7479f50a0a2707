"""Personas for every test: the anonymous public, an editor and a maintainer."""

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext


@pytest.fixture(autouse=True)
def test_server_settings(settings):
    """The test client speaks plain HTTP and static files are not collected for each test run;
    newsdesk/tests checks the HTTPS redirect and the collected, hashed static files."""
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def editor(db) -> User:
    user = User.objects.create_user("edna", password="edna-password-1")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def maintainer(db) -> User:
    return User.objects.create_user("max", password="max-password-1", is_staff=True, is_superuser=True)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def maintainer_client(client, maintainer):
    client.force_login(maintainer)
    return client


@pytest.fixture
def count_queries():
    """Load a page (which must answer 200) and return how many SQL queries it made."""

    def count(client, url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return len(queries)

    return count
