"""Personas for every test: the anonymous public, an editor and a maintainer."""

import pytest
from django.contrib.auth.models import Group, User


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
