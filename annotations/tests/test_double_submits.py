"""Parallel creates of the same name never fail on a slug or a source's name.

The parallel tests send each request from its own thread and database connection, and hold them
at a table's door first: the test locks the table against writes (reads pass) until every
request waits on a lock, so they all meet at the same INSERT, every run, instead of by luck.
"""

import re
import threading
import time
import uuid
from contextlib import contextmanager

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from annotations.models import Attribution, Claim, Entity, Mention
from annotations.roles import ensure_editors_group
from articles.models import Article, Source
from articles.tests.makers import make_article

STORY = "Kim Jong Un's train left Pyongyang, Yonhap said. Kim Jong Un will meet Putin, the Kremlin said."
HTMX = {"HX-Request": "true"}


@pytest.fixture
def story(db) -> Article:
    return make_article(title="Train leaves", body=STORY, language="en")


def tag_data(text: str = "Kim Jong Un", **fields) -> dict:
    start = STORY.index(text)
    return {"start": start, "end": start + len(text), "exact": text, "new_entity_name": text,
            "new_entity_kind": "person"} | fields


def claim_data(text: str, **fields) -> dict:
    start = STORY.index(text)
    data = {
        "start": start, "end": start + len(text), "exact": text, "statement": "", "status": "reported",
        "evidence": "", "evidence_url": "", "note": "",
        "chain-TOTAL_FORMS": 6, "chain-INITIAL_FORMS": 0, "chain-MIN_NUM_FORMS": 0, "chain-MAX_NUM_FORMS": 6,
    }
    for i in range(6):
        data |= {f"chain-{i}-source": "", f"chain-{i}-source_query": "", f"chain-{i}-new_source_kind": "",
                 f"chain-{i}-new_source_country": "", f"chain-{i}-role": "speaker", f"chain-{i}-sourcing": "on_record"}
    return data | fields


NEW_YONHAP = {"chain-0-source_query": "Yonhap", "chain-0-new_source_kind": "news_agency", "chain-0-new_source_country": "KR"}


def desk_message(response) -> str:
    return re.search(r'<p id="desk-message"[^>]*>(.*?)</p>', response.content.decode(), re.S).group(1).strip()


def keys_in(response) -> list[str]:
    return re.findall(r'<input type="hidden" name="[\w-]*submission" value="([^"]*)"', response.content.decode())


def new_key() -> str:
    return str(uuid.uuid4())


# --- Parallel requests ----------------------------------------------------------------------


def editor_clients(n: int) -> list[Client]:
    user = User.objects.create_user(f"editor{uuid.uuid4().hex[:8]}", password="editor-password-1")
    user.groups.add(ensure_editors_group())
    clients = [Client(raise_request_exception=False) for _ in range(n)]
    for client in clients:
        client.force_login(user)
    return clients


def waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # activity is otherwise read once a transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@contextmanager
def writes_held(table: str):
    """Nobody writes `table` until the block ends (reads go on): the door the requests meet at."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        yield


def at_once(sends: list, door: str) -> list:
    """Run each send() in a thread of its own, all held at `door` until every one waits on a lock
    (well within the app's lock timeout); return each one's response, or the exception it raised."""
    results = [None] * len(sends)

    def run(i):
        try:
            results[i] = sends[i]()
        except Exception as error:  # noqa: BLE001 -- reported by the test's assertions
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(sends))]
    with writes_held(door):
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 2
        while (held := waiting_on_locks()) < len(sends) and time.monotonic() < deadline:
            time.sleep(0.02)
    for thread in threads:
        thread.join()
    assert held == len(sends), "every request met the others at the door"
    return results


def statuses(results) -> list:
    return [getattr(r, "status_code", r) for r in results]


@pytest.mark.django_db(transaction=True)
def test_eight_new_entities_of_the_same_name_tagged_at_once_all_get_a_slug_of_their_own():
    story = make_article(title="Train leaves", body=STORY, language="en")
    url = reverse("desk:mention-create", args=[story.pk])
    clients = editor_clients(8)
    # Eight different submissions: two people often share a name, so each makes an entity.
    results = at_once([lambda c=c: c.post(url, tag_data(submission=new_key()), headers=HTMX) for c in clients],
                      door="annotations_entity")
    assert statuses(results) == [200] * 8
    slugs = sorted(Entity.objects.values_list("slug", flat=True))
    assert slugs == ["kim-jong-un"] + [f"kim-jong-un-{n}" for n in range(2, 9)]
    assert Mention.objects.count() == 8


@pytest.mark.django_db(transaction=True)
def test_eight_claims_naming_the_same_new_source_at_once_share_one_source():
    story = make_article(title="Train leaves", body=STORY, language="en")
    url = reverse("desk:claim-create", args=[story.pk])
    clients = editor_clients(8)
    sends = [
        lambda c=c, n=n: c.post(url, claim_data("Kim Jong Un will meet Putin", statement=f"Reading {n}", **NEW_YONHAP),
                                headers=HTMX)
        for n, c in enumerate(clients)
    ]
    results = at_once(sends, door="articles_source")
    assert statuses(results) == [200] * 8
    yonhap = Source.objects.get(name__iexact="yonhap")
    assert (yonhap.name, yonhap.kind, yonhap.country) == ("Yonhap", "news_agency", "KR")
    assert Claim.objects.count() == 8
    assert set(Attribution.objects.values_list("source", flat=True)) == {yonhap.pk}
