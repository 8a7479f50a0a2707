"""The edges of issue 13: log-in lock-out, request bodies, and what desk responses let caches keep."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

LOGIN = "/accounts/login/"


# --- 1. The log-in lock-out counts per account and per address, and nobody else's success resets it

@pytest.fixture
def accounts(db, settings) -> list[User]:
    """Mallory, who knows her own password, and the accounts she guesses at."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # a hundred log-ins, quickly
    mallory = User.objects.create_user("mallory", password="mallory-password-1")
    return [mallory] + [User.objects.create_user(name, password=f"{name}-password-1") for name in ("edna", "ed", "eve", "ezra")]


def log_in(username: str, password: str, address: str = "198.51.100.23") -> int:
    """One log-in from a fresh client (a logged-in client would be redirected past the form)."""
    return Client(REMOTE_ADDR=address).post(LOGIN, {"username": username, "password": password}).status_code


def test_nine_guesses_and_ones_own_log_in_repeated_lock_the_account_guessed_at(accounts):
    guesses = []
    for round in range(5):
        guesses += [log_in("edna", f"guess-{round}-{i}") for i in range(9)]
        log_in("mallory", "mallory-password-1")
    assert guesses[:9] == [200] * 9 and set(guesses[9:]) == {429}
    # Edna's right password, from Mallory's address or from Edna's own: the account is locked.
    assert log_in("edna", "edna-password-1") == 429
    assert log_in("edna", "edna-password-1", address="203.0.113.5") == 429


def test_forty_guesses_over_several_accounts_with_ones_own_log_ins_between_lock_the_address(accounts):
    targets = [user.username for user in accounts[1:]]
    guesses = []
    for i in range(40):
        guesses.append(log_in(targets[i % len(targets)], f"guess-{i}"))
        if i % 3 == 2:
            log_in("mallory", "mallory-password-1")
    # At most the limit's worth of guesses were answered; every later one was refused unheard.
    assert guesses.count(200) < settings.AXES_FAILURE_LIMIT and guesses[-1] == 429
    assert log_in("mallory", "mallory-password-1") == 429
    for name in targets:
        assert log_in(name, f"{name}-password-1") == 429


def test_a_locked_accounts_right_password_is_refused_and_logs_nobody_in(accounts):
    for i in range(settings.AXES_FAILURE_LIMIT):
        log_in("edna", f"guess-{i}", address=f"192.0.2.{i}")
    client = Client(REMOTE_ADDR="203.0.113.5")
    response = client.post(LOGIN, {"username": "edna", "password": "edna-password-1"})
    assert response.status_code == 429 and "_auth_user_id" not in client.session


def test_a_user_with_a_few_typos_of_their_own_still_gets_in_each_time(accounts):
    for _ in range(3):
        assert [log_in("edna", "edna-pasword-1") for _ in range(2)] == [200, 200]
        assert log_in("edna", "edna-password-1") == 302
