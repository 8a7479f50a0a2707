"""The same form sent twice, or eight times at once, makes its rows once; parallel creates of the
same name never fail on a slug or a source's name.

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
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from annotations.models import Attribution, Claim, Entity, Mention, StoryLink, Submission
from annotations.roles import ensure_editors_group
from annotations.tests.makers import make_claim
from articles.models import Article, Source
from articles.tests.makers import make_article
from articles.tests.makers import post_import

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
def writes_held(table: str, mode: str = "SHARE ROW EXCLUSIVE"):
    """Nobody writes `table` until the block ends (reads go on): the door the requests meet at.
    In EXCLUSIVE mode nobody locks a row of it either (SELECT … FOR UPDATE waits too)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN {mode} MODE")
        yield


def at_once(sends: list, door: str, mode: str = "SHARE ROW EXCLUSIVE") -> list:
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
    with writes_held(door, mode):
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
    # Eight different submissions, each asking for a twin: two people often share a name.
    results = at_once(
        [lambda c=c: c.post(url, tag_data(submission=new_key(), create_another="on"), headers=HTMX) for c in clients],
        door="annotations_entity",
    )
    assert statuses(results) == [200] * 8
    slugs = sorted(Entity.objects.values_list("slug", flat=True))
    assert slugs == ["kim-jong-un"] + [f"kim-jong-un-{n}" for n in range(2, 9)]
    assert Mention.objects.count() == 8


@pytest.mark.django_db(transaction=True)
def test_eight_editors_tagging_the_same_new_name_at_once_make_one_entity():
    # One entity per thing: without "create another", the seven who come second are told of the first's.
    story = make_article(title="Train leaves", body=STORY, language="en")
    url = reverse("desk:mention-create", args=[story.pk])
    typed = ["Kim Jong Un", "kim jong un", "KIM JONG-UN", "Kim  Jong Un"] * 2
    results = at_once(
        [lambda c=c, t=t: c.post(url, tag_data(submission=new_key(), new_entity_name=t), headers=HTMX)
         for c, t in zip(editor_clients(8), typed)],
        door="annotations_entity",
    )
    assert sorted(statuses(results)) == [200] + [422] * 7
    assert Entity.objects.count() == 1 and Mention.objects.count() == 1
    refused = [r.content.decode() for r in results if r.status_code == 422]
    assert all("already exists" in page and "Create another" in page for page in refused)


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


@pytest.mark.django_db(transaction=True)
def test_the_same_tag_sent_eight_times_at_once_makes_one_entity_and_one_mention():
    story = make_article(title="Train leaves", body=STORY, language="en")
    url = reverse("desk:mention-create", args=[story.pk])
    data = tag_data(submission=new_key())
    results = at_once([lambda c=c: c.post(url, data, headers=HTMX) for c in editor_clients(8)], door="annotations_entity")
    assert statuses(results) == [200] * 8
    assert Entity.objects.count() == 1 and Mention.objects.count() == 1
    assert {desk_message(r) for r in results} == {"Tagged 1 × Kim Jong Un."}


@pytest.mark.django_db(transaction=True)
def test_the_same_claim_with_a_new_source_sent_twice_at_once_makes_one_claim_and_one_source():
    story = make_article(title="Train leaves", body=STORY, language="en")
    url = reverse("desk:claim-create", args=[story.pk])
    data = claim_data("Kim Jong Un will meet Putin", submission=new_key(), **NEW_YONHAP)
    results = at_once([lambda c=c: c.post(url, data, headers=HTMX) for c in editor_clients(2)], door="articles_source")
    assert statuses(results) == [200, 200]
    assert Claim.objects.count() == 1 and Source.objects.filter(name="Yonhap").count() == 1
    assert [desk_message(r) for r in results] == ["Claim recorded.", "Claim recorded."]


@pytest.mark.django_db(transaction=True)
def test_the_same_upload_sent_twice_at_once_is_imported_once_and_both_get_its_report():
    # The upload and its job are stored in one transaction with the key: the twin waits on the key's row.
    line = b'{"title": "Uploaded", "body": "Kim Jong Un arrived.", "url": "https://up.example/1", "publisher": {"name": "Kabar"}}\n'
    key = new_key()

    def upload(client):
        data = {"file": SimpleUploadedFile("s.jsonl", line), "format": "auto", "source": "", "submission": key}
        return post_import(client, data)

    results = at_once([lambda c=c: upload(c) for c in editor_clients(2)], door="annotations_submission")
    assert statuses(results) == [200, 200]
    for response in results:
        assert "1 imported, 0 skipped as duplicates" in response.content.decode()
    assert Article.objects.count() == 1


# --- The same form sent again ---------------------------------------------------------------


def test_the_same_tag_with_a_new_entity_sent_twice_makes_one_entity_and_answers_the_same(editor_client, story):
    url = reverse("desk:mention-create", args=[story.pk])
    data = tag_data(submission=new_key())
    first, second = (editor_client.post(url, data, headers=HTMX) for _ in range(2))
    assert (first.status_code, second.status_code) == (200, 200)
    assert Entity.objects.count() == 1 and Mention.objects.count() == 1
    assert desk_message(first) == desk_message(second) == "Tagged 1 × Kim Jong Un."
    assert 'class="hl-mention"' in second.content.decode(), "the second answer shows the workspace as it is"


def test_the_same_story_link_sent_twice_answers_as_the_first_did(editor_client, story):
    other = make_article(title="The summit itself")
    url = reverse("desk:story-link-create", args=[story.pk])
    data = {"to_article": other.pk, "kind": "follow_up", "submission": new_key()}
    first, second = (editor_client.post(url, data, headers=HTMX) for _ in range(2))
    assert desk_message(first) == desk_message(second) == "Linked to “The summit itself”."
    assert StoryLink.objects.count() == 1


def test_the_same_source_added_to_a_chain_twice_is_added_once_and_not_called_stale(editor_client, story):
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    url = reverse("desk:claim-attribution-create", args=[claim.pk])
    fields = {"source_query": "Kremlin", "new_source_kind": "government", "new_source_country": "RU", "role": "speaker",
              "sourcing": "on_record", "source": "", "version": claim.version, "submission": new_key()}
    data = {f"attribution-{claim.pk}-{name}": value for name, value in fields.items()}
    first, second = (editor_client.post(url, data, headers=HTMX) for _ in range(2))
    assert (first.status_code, second.status_code) == (200, 200), "the second sending is not a stale version"
    assert desk_message(second) == "Source added to the chain."
    assert claim.attributions.count() == 1 and Source.objects.filter(name="Kremlin").count() == 1


def test_the_same_upload_sent_twice_gets_the_first_report(editor_client, db):
    line = b'{"title": "Uploaded", "body": "Kim Jong Un arrived.", "url": "https://up.example/1", "publisher": {"name": "Kabar"}}\n'
    key = new_key()
    pages = [
        post_import(editor_client, {"file": SimpleUploadedFile("s.jsonl", line), "format": "auto",
                                                    "source": "", "submission": key}).content.decode()
        for _ in range(2)
    ]
    for page in pages:
        assert "1 imported, 0 skipped as duplicates, 0 changed upstream (kept as new versions), 0 failed" in page
    assert Article.objects.count() == 1


def test_a_refused_form_leaves_its_key_free_and_sent_again_fixed_it_is_recorded_once(editor_client, story):
    url = reverse("desk:mention-create", args=[story.pk])
    key = new_key()
    refused = editor_client.post(url, tag_data(new_entity_kind="", submission=key), headers=HTMX)
    assert refused.status_code == 422 and not Submission.objects.exists()
    for _ in range(2):
        assert editor_client.post(url, tag_data(submission=key), headers=HTMX).status_code == 200
    assert Entity.objects.count() == 1


def test_a_key_sent_again_by_another_editor_is_refused_without_the_first_answer(editor_client, story):
    url = reverse("desk:mention-create", args=[story.pk])
    data = tag_data(new_entity_name="Kim the elder", submission=new_key())
    assert editor_client.post(url, data, headers=HTMX).status_code == 200
    otto = User.objects.create_user("otto", password="otto-password-1")
    otto.groups.add(ensure_editors_group())
    other = Client()
    other.force_login(otto)
    response = other.post(url, data, headers=HTMX)
    assert response.status_code == 422
    assert "Tagged" not in desk_message(response) and "was sent before" in response.content.decode()
    assert Entity.objects.count() == 1


def test_the_same_key_with_other_contents_is_refused(editor_client, story):
    url = reverse("desk:mention-create", args=[story.pk])
    key = new_key()
    editor_client.post(url, tag_data(submission=key), headers=HTMX)
    response = editor_client.post(url, tag_data(new_entity_name="Kim Il Sung", submission=key), headers=HTMX)
    assert response.status_code == 422 and "was sent before" in response.content.decode()
    assert list(Entity.objects.values_list("name", flat=True)) == ["Kim Jong Un"]


@pytest.mark.parametrize("key", ["not-a-key", "1234", "f" * 100_000, "\u202e3f2b5a1c-0d4e-4b8a-9c6f-1e2d3c4b5a69"])
def test_a_malformed_key_is_refused_with_a_message(editor_client, story, key):
    response = editor_client.post(reverse("desk:mention-create", args=[story.pk]), tag_data(submission=key), headers=HTMX)
    assert response.status_code == 422
    assert "submission key is damaged" in response.content.decode()
    assert not Entity.objects.exists()


def test_every_create_form_says_when_its_key_is_malformed(editor_client, story):
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    other = make_article(title="The summit itself")
    attribution = {f"attribution-{claim.pk}-{k}": v for k, v in {"source_query": "Kremlin", "new_source_kind": "government",
            "role": "speaker", "sourcing": "on_record", "version": claim.version, "submission": "nope"}.items()}
    posts = {
        "desk:claim-create": ([story.pk], claim_data("Kim Jong Un will meet Putin", submission="nope")),
        "desk:claim-attribution-create": ([claim.pk], attribution),
        "desk:story-link-create": ([story.pk], {"to_article": other.pk, "kind": "cites", "submission": "nope"}),
        "desk:import": ([], {"file": SimpleUploadedFile("s.txt", b"Title\nBody."), "format": "auto", "submission": "nope"}),
    }
    for name, (args, data) in posts.items():
        response = editor_client.post(reverse(name, args=args), data, headers=HTMX)
        assert response.status_code == 422, name
        assert "submission key is damaged" in response.content.decode(), name
    assert Claim.objects.count() == 1 and not Attribution.objects.exists() and not StoryLink.objects.exists()
    assert Article.objects.count() == 2


def test_a_form_without_a_key_still_works_as_before(editor_client, story):
    response = editor_client.post(reverse("desk:mention-create", args=[story.pk]), tag_data(), headers=HTMX)
    assert response.status_code == 200 and Mention.objects.count() == 1
    assert not Submission.objects.exists()


# --- Keys as the desk renders them ----------------------------------------------------------


def test_each_rendering_of_a_form_carries_a_new_key(editor_client, story):
    make_claim(story, "Kim Jong Un's train left Pyongyang")
    for city in ("Moscow", "Vladivostok"):
        make_article(title=f"Kim in {city}", body=f"Kim Jong Un arrived in {city}.", language="en")
    page = reverse("desk:article", args=[story.pk])
    first, second = keys_in(editor_client.get(page)), keys_in(editor_client.get(page))
    assert len(first) == 3, "Tag entity, Mark claim and the claim card's Add source"
    assert all(uuid.UUID(key) for key in first)
    assert not set(first) & set(second)
    sent = first[0]
    refused = editor_client.post(reverse("desk:mention-create", args=[story.pk]),
                                 tag_data(new_entity_kind="", submission=sent), headers=HTMX)
    assert refused.status_code == 422 and sent not in keys_in(refused), "a form shown again is a new submission"
    results = editor_client.get(reverse("desk:story-link-search", args=[story.pk]), {"q": "Kim"})
    assert len(set(keys_in(results))) == len(keys_in(results)) == 2, "one key for each story found"
    assert keys_in(editor_client.get(reverse("desk:import")))
