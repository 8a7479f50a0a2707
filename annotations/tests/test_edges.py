"""Smaller edges: merging needs the delete permission; names and titles hold no bidirectional
controls, whatever writes them; a story link to a draft, or a second one, is refused with why."""

import json
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.db import IntegrityError
from django.urls import reverse

from annotations.models import Entity, EntityAlias, StoryLink
from annotations.tests.makers import add_attribution, form_values, make_claim, make_entity
from articles.importing import import_paths
from articles.models import Article, Source
from articles.tests.makers import make_article, make_source, run_sql

HTMX = {"HX-Request": "true"}
CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ANY_CONTROL = re.compile(f"[{CONTROLS}]")


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


# --- Merging entities deletes them ------------------------------------------------------------


def staff_with(client, *codenames: str) -> User:
    user = User.objects.create_user("stef", password="stef-password-1", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="annotations", codename__in=codenames))
    client.force_login(user)
    return user


def merge(client, keep: Entity, other: Entity):
    selected = {"action": "merge", "_selected_action": [keep.pk, other.pk]}
    client.post(admin_url(Entity, "changelist"), selected)
    return client.post(admin_url(Entity, "changelist"), selected | {"keep": keep.pk}, follow=True)


def test_a_staff_member_without_the_delete_permission_cannot_merge_entities(client, db):
    staff_with(client, "view_entity", "change_entity")
    keep, duplicate = make_entity(name="Kim Jong Un"), make_entity(name="Kim Jong-un")
    assert "Merge the selected entities" not in client.get(admin_url(Entity, "changelist")).content.decode()
    response = merge(client, keep, duplicate)
    assert response.status_code == 200
    assert set(Entity.objects.values_list("pk", flat=True)) == {keep.pk, duplicate.pk}, "nothing was deleted"


def test_a_staff_member_with_change_and_delete_permissions_can_merge(client, db):
    staff_with(client, "view_entity", "change_entity", "delete_entity")
    keep, duplicate = make_entity(name="Kim Jong Un"), make_entity(name="Kim Jong-un")
    merge(client, keep, duplicate)
    assert list(Entity.objects.all()) == [keep]


# --- Bidirectional controls in names and titles -------------------------------------------------

SPOOFED = "Kim \u202eevil\u202c Jong\u2066 Un\u2069\u200f"
ARABIC = "محمد بن سلمان"
HEBREW = "בנימין נתניהו"


def test_names_and_titles_lose_their_controls_and_keep_right_to_left_letters(db):
    entity = make_entity(name=SPOOFED)
    alias = EntityAlias.objects.create(entity=entity, name=f"\u202b{HEBREW}\u202c", language="he")
    source = make_source(name=f"\u200f{ARABIC}\u061c")
    article = make_article(title=f"\u2067{ARABIC}\u2069 meets Kim", publisher=source)
    entity.refresh_from_db(), alias.refresh_from_db(), source.refresh_from_db(), article.refresh_from_db()
    assert (entity.name, alias.name, source.name) == ("Kim evil Jong Un", HEBREW, ARABIC)
    assert article.title == f"{ARABIC} meets Kim"
    assert Source.named(f"\u202e{ARABIC}", source.kind, source.country) == source, "found again, not made twice"


@pytest.mark.parametrize("table, column", [
    ("annotations_entity", "name"), ("annotations_entityalias", "name"), ("articles_source", "name"),
    ("articles_article", "title"),
])
def test_the_database_refuses_controls_in_names_and_titles_from_raw_sql(db, table, column):
    entity = make_entity()
    EntityAlias.objects.create(entity=entity, name="Alias")
    make_article()
    with pytest.raises(IntegrityError, match="no_bidi_controls"):
        run_sql(f"UPDATE {table} SET {column} = %s", [f"Kim\u202e {column}"])


def test_update_cannot_skip_the_rule(db):
    entity = make_entity()
    with pytest.raises(IntegrityError, match="entity_name_no_bidi_controls"):
        Entity.objects.filter(pk=entity.pk).update(name=SPOOFED)


def test_the_desk_stores_names_typed_with_controls_without_them(editor_client, db):
    story = make_article(body="Kim Jong Un spoke to Yonhap.")
    data = {"start": 0, "end": 11, "exact": "Kim Jong Un", "new_entity_name": SPOOFED, "new_entity_kind": "person"}
    assert editor_client.post(reverse("desk:mention-create", args=[story.pk]), data, headers=HTMX).status_code == 200
    assert Entity.objects.get().name == "Kim evil Jong Un"
    only_controls = data | {"new_entity_name": "\u202e\u2066\u200f"}
    response = editor_client.post(reverse("desk:mention-create", args=[story.pk]), only_controls, headers=HTMX)
    assert response.status_code == 422 and "Pick an entity from the list, or name a new one" in response.content.decode()
    claim = make_claim(story, "Kim Jong Un spoke to Yonhap")
    attribution = {f"attribution-{claim.pk}-{k}": v for k, v in {
        "source_query": f"\u202e{ARABIC}", "new_source_kind": "broadcaster", "new_source_country": "QA", "source": "",
        "role": "speaker", "sourcing": "on_record", "version": claim.version}.items()}
    assert editor_client.post(reverse("desk:claim-attribution-create", args=[claim.pk]), attribution, headers=HTMX).status_code == 200
    assert Source.objects.filter(name=ARABIC).exists()


def test_the_admin_stores_names_and_titles_without_controls(maintainer_client, db):
    page = maintainer_client.get(admin_url(Entity, "add")).content.decode()
    data = form_values(page, "entity_form") | {"name": SPOOFED, "kind": "person"}
    assert maintainer_client.post(admin_url(Entity, "add"), data).status_code == 302
    assert Entity.objects.get().name == "Kim evil Jong Un"
    page = maintainer_client.get(admin_url(Source, "add")).content.decode()
    data = form_values(page, "source_form") | {"name": f"{ARABIC}\u202c\u200f", "kind": "broadcaster"}
    assert maintainer_client.post(admin_url(Source, "add"), data).status_code == 302
    source = Source.objects.get()
    assert source.name == ARABIC
    story = make_article(title="Plain", publisher=source)
    page = maintainer_client.get(admin_url(Article, "change", story.pk)).content.decode()
    data = form_values(page, "article_form") | {"title": f"\u202eKim {HEBREW}"}
    assert maintainer_client.post(admin_url(Article, "change", story.pk), data).status_code == 302
    story.refresh_from_db()
    assert story.title == f"Kim {HEBREW}"


def test_an_import_stores_names_and_titles_without_controls(tmp_path, db):
    record = {
        "title": f"\u202e{ARABIC} arrives\u202c", "body": "Kim Jong Un arrived in Doha.", "language": "en",
        "url": "https://news.example/doha", "publisher": {"name": f"Kabar\u2066 Timur", "kind": "publication"},
        "mentions": [{"start": 0, "end": 11, "exact": "Kim Jong Un", "entity": {
            "name": SPOOFED, "kind": "person", "aliases": [{"name": f"\u202b{HEBREW}", "language": "he"}]}}],
    }
    path = tmp_path / "stories.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n" + json.dumps(record | {
        "title": "\u202e\u200f", "url": "https://news.example/empty"}, ensure_ascii=False) + "\n")
    report = import_paths([path])
    assert report.imported == 1 and report.failed == 1, report.messages
    assert "title" in report.messages[0]
    assert Article.objects.get().title == f"{ARABIC} arrives"
    assert Source.objects.get().name == "Kabar Timur"
    entity = Entity.objects.get()
    assert entity.name == "Kim evil Jong Un" and [a.name for a in entity.aliases.all()] == [HEBREW]


def test_story_pages_carry_no_controls_in_their_title_or_json_ld(client, editor):
    source = make_source(name=f"\u202e{ARABIC}", kind=Source.Kind.GOVERNMENT)
    story = make_article(title=f"\u2066{ARABIC}\u2069 says Kim left", body="Kim Jong Un \u202eleft\u202c Pyongyang.")
    statement = "Kim Jong Un \u202eleft\u202c Pyongyang"
    claim = make_claim(story, statement, is_published=True)
    add_attribution(claim, source)
    claim.change_status("disputed", by=editor, reason="The ministry says it \u202edid not\u202c happen.")
    page = client.get(story.get_absolute_url()).content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert ARABIC in title and not ANY_CONTROL.search(title)
    json_ld = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', page, re.S).group(1)
    graph = json.loads(json_ld)
    assert not ANY_CONTROL.search(json_ld), "no control in the JSON-LD, raw or escaped"
    assert graph["@graph"][0]["headline"] == f"{ARABIC} says Kim left"
    assert graph["@graph"][1]["claimReviewed"] == "Kim Jong Un left Pyongyang"


def test_a_claim_page_and_a_search_typed_with_controls_have_none_in_their_title(client, editor):
    story = make_article(title="Kim left", body="Kim Jong Un \u202eleft\u202c Pyongyang.")
    make_claim(story, "Kim Jong Un \u202eleft\u202c Pyongyang", is_published=True)
    claim_page = client.get(story.claims.get().get_absolute_url()).content.decode()
    search = client.get(reverse("articles:search"), {"q": f"\u202e{ARABIC} Pyongyang"}).content.decode()
    for page, shown in ((claim_page, "Kim Jong Un left Pyongyang"), (search, f"{ARABIC} Pyongyang")):
        title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
        assert shown in title and not ANY_CONTROL.search(title)


# --- Story links: to a draft, or twice ---------------------------------------------------------


@pytest.fixture
def story(db) -> Article:
    return make_article(title="Train leaves Pyongyang")


def link(client, story: Article, other: Article, kind: str = "follow_up", **headers):
    return client.post(reverse("desk:story-link-create", args=[story.pk]), {"to_article": other.pk, "kind": kind}, headers=headers)


def reasons_beside_the_links(response) -> str:
    """The errors the story links panel shows (its form-errors box)."""
    panel = response.content.decode().split('id="related-heading"')[1]
    return re.search(r'<div class="form-errors" role="alert">(.*?)</div>', panel, re.S).group(1)


@pytest.mark.parametrize("status", [Article.Status.DRAFT, Article.Status.WITHDRAWN])
def test_linking_to_an_unpublished_story_says_why_not(editor_client, story, status):
    draft = make_article(title="The summit, a draft", status=status, published_at=None)
    response = link(editor_client, story, draft, **HTMX)
    assert response.status_code == 422
    assert "“The summit, a draft” is not published" in reasons_beside_the_links(response)
    assert b"<html" not in response.content
    plain = link(editor_client, story, draft)
    assert plain.status_code == 422 and b"<html" in plain.content, "a plain POST gets the whole workspace"
    assert "is not published" in reasons_beside_the_links(plain)
    assert not StoryLink.objects.exists()
    found = editor_client.get(reverse("desk:story-link-search", args=[story.pk]), {"q": "summit"}).content.decode()
    assert "The summit, a draft" not in found, "the search offers only stories a link can go to"


def test_linking_the_same_pair_twice_either_way_says_why_not(editor_client, story):
    other = make_article(title="The summit itself")
    assert link(editor_client, story, other, **HTMX).status_code == 200
    again = link(editor_client, story, other, **HTMX)
    assert again.status_code == 422
    assert "“The summit itself” is already linked to this story as follow-up" in reasons_beside_the_links(again)
    back = link(editor_client, other, story, **HTMX)
    assert back.status_code == 422 and "already linked" in reasons_beside_the_links(back), "the link shows from both sides"
    plain = link(editor_client, other, story)
    assert plain.status_code == 422 and b"<html" in plain.content
    assert link(editor_client, other, story, kind="cites", **HTMX).status_code == 200, "another kind of link is another link"
    assert StoryLink.objects.count() == 2


def test_a_refused_second_link_leaves_no_submission_key_and_the_first_sent_again_gets_its_answer(editor_client, story):
    import uuid

    from annotations.models import Submission

    other = make_article(title="The summit itself")
    url = reverse("desk:story-link-create", args=[story.pk])
    first = {"to_article": other.pk, "kind": "follow_up", "submission": str(uuid.uuid4())}
    assert editor_client.post(url, first, headers=HTMX).status_code == 200
    assert editor_client.post(url, first, headers=HTMX).status_code == 200, "the same form sent again: its first answer"
    second = first | {"submission": str(uuid.uuid4())}
    assert editor_client.post(url, second, headers=HTMX).status_code == 422
    assert not Submission.objects.filter(key=second["submission"]).exists()
    assert StoryLink.objects.count() == 1


def test_the_admin_and_an_import_make_no_second_link_of_a_pair(maintainer_client, story, tmp_path):
    other = make_article(title="The summit itself", url="https://news.example/summit")
    StoryLink.objects.create(from_article=story, to_article=other, kind="follow_up")
    page = maintainer_client.get(admin_url(StoryLink, "add")).content.decode()
    data = form_values(page, "storylink_form") | {"from_article": other.pk, "to_article": story.pk, "kind": "follow_up"}
    response = maintainer_client.post(admin_url(StoryLink, "add"), data)
    assert response.status_code == 200 and "already linked this way" in response.content.decode()
    record = {"title": "Train leaves Pyongyang", "body": story.body, "url": "https://news.example/train", "language": "en",
              "links": [{"to_url": "https://news.example/summit", "kind": "follow_up"}]}
    Article.objects.filter(pk=story.pk).update(url="https://news.example/train")
    path = tmp_path / "links.jsonl"
    path.write_text(json.dumps(record) + "\n")
    import_paths([path])
    assert StoryLink.objects.count() == 1
    with pytest.raises(IntegrityError, match="story_link_unique_pair"):
        run_sql("INSERT INTO annotations_storylink (from_article_id, to_article_id, kind, note, created_at) "
                "VALUES (%s, %s, 'follow_up', '', now())", [other.pk, story.pk])


def test_a_suggested_story_is_linked_by_the_links_forms_rules(editor_client, story):
    """Confirming a related-story suggestion makes a link: only to a published story, and not a
    second time of the same kind (the links form's refusals, with the same reasons)."""
    draft = make_article(title="Draft explainer", status=Article.Status.DRAFT)
    published = make_article(title="Train arrives in Vladivostok")
    decide = reverse("desk:related-decide", args=[story.pk])
    confirm = {"to_article": draft.pk, "kind": "cites", "action": "confirm"}
    response = editor_client.post(decide, confirm, headers=HTMX)
    assert response.status_code == 422 and "is not published" in response.content.decode()
    assert not StoryLink.objects.exists()
    confirm |= {"to_article": published.pk}
    assert editor_client.post(decide, confirm, headers=HTMX).status_code == 200
    again = editor_client.post(decide, confirm, headers=HTMX)
    assert again.status_code == 422 and "is already linked to this story as" in again.content.decode()
    assert StoryLink.objects.count() == 1
