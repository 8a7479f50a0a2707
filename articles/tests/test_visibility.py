"""Nothing unpublished leaks: a marker planted in every unpublished thing appears on no public URL."""

from annotations.models import Claim, Entity, Evidence, StoryLink
from annotations.tests.makers import add_attribution, make_claim, make_entity, make_mention
from articles.models import Article, Source
from articles.tests.makers import make_article, make_source

MARKER = "ZQXSECRETMARKER"


def plant_secrets():
    published = make_article(title="Public story", body="Kim Jong Un met Putin. Some draft words. The end.")
    draft = make_article(title=f"Draft {MARKER}", status=Article.Status.DRAFT, published_at=None, body=f"Body {MARKER}")
    withdrawn = make_article(title=f"Withdrawn {MARKER}", status=Article.Status.WITHDRAWN, body=f"Body {MARKER}")
    secret_entity = make_entity(name=f"Entity {MARKER}")
    make_mention(draft, "Body", entity=secret_entity)
    make_mention(published, "Putin", entity=make_entity(name=f"Mention {MARKER}"), is_published=False)
    hidden = make_claim(published, "Some draft words", statement=f"Hidden claim {MARKER}", is_published=False)
    secret_source = make_source(name=f"Source {MARKER}", kind=Source.Kind.ANONYMOUS)
    add_attribution(hidden, secret_source, sourcing="anonymous")
    visible = make_claim(published, "Kim Jong Un met Putin", note=f"Internal note {MARKER}")
    add_attribution(visible, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT))
    Evidence.objects.create(claim=visible, kind="article", article=draft, note=f"Evidence note {MARKER}")
    make_mention(published, "Kim Jong Un", entity=make_entity(name="Kim Jong Un"))
    StoryLink.objects.create(from_article=published, to_article=draft, kind="follow_up")
    StoryLink.objects.create(from_article=withdrawn, to_article=published, kind="same_event")
    make_claim(withdrawn, "Body", statement=f"Withdrawn claim {MARKER}")
    return published


def every_public_url() -> list[str]:
    urls = ["/", "/feed/", "/sitemap.xml", "/search/?q=Body", "/search/?q=draft+words", "/search/?q=Withdrawn"]
    urls += [a.get_absolute_url() for a in Article.objects.all()]
    urls += [f"{a.get_absolute_url()}annotations.jsonld" for a in Article.objects.all()]
    urls += [e.get_absolute_url() for e in Entity.objects.all()]
    urls += [f"{e.get_absolute_url()}feed/" for e in Entity.objects.all()]
    urls += [s.get_absolute_url() for s in Source.objects.all()]
    urls += [c.get_absolute_url() for c in Claim.objects.all()]
    urls += [f"/?entity={e.slug}" for e in Entity.objects.all()] + [f"/?source={s.slug}" for s in Source.objects.all()]
    return urls


def test_a4_a_marker_in_everything_unpublished_appears_on_no_public_url(client, db):
    published = plant_secrets()
    seen_ok = 0
    for url in every_public_url():
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert MARKER not in response.content.decode(), url
        seen_ok += response.status_code == 200
    assert seen_ok > 10, "the public pages themselves were reached"
    assert client.get(published.get_absolute_url()).status_code == 200
    # Searching for the marker itself finds nothing (the page only repeats the query).
    assert "0 stories found" in client.get("/search/", {"q": MARKER}).content.decode()


def test_a3_unpublished_things_answer_404(client, db):
    plant_secrets()
    for article in Article.objects.not_published():
        assert client.get(article.get_absolute_url()).status_code == 404
        assert client.get(f"{article.get_absolute_url()}annotations.jsonld").status_code == 404
    for claim in Claim.objects.not_published():
        assert client.get(claim.get_absolute_url()).status_code == 404
    assert client.get(Entity.objects.get(name=f"Entity {MARKER}").get_absolute_url()).status_code == 404
    assert client.get(Entity.objects.get(name=f"Mention {MARKER}").get_absolute_url()).status_code == 404
    assert client.get(Source.objects.get(name=f"Source {MARKER}").get_absolute_url()).status_code == 404
