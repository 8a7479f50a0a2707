"""Nothing unpublished leaks: a marker planted in every unpublished thing appears on no public URL."""

import re
from urllib.parse import urlsplit

from annotations.models import Claim, Entity, Evidence, StoryLink
from annotations.tests.makers import add_attribution, make_claim, make_entity, make_mention, quote_evidence
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
    visible_too = make_claim(published, "The end", statement="It ends")
    add_attribution(visible_too, make_source(name="Meridian wire", kind=Source.Kind.NEWS_AGENCY))
    visible_too.change_status("reported", by=None, reason=f"Internal reason {MARKER}")
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
        assert response.status_code in (200, 404, 422), url  # 422: a filter naming what the public may not see
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


# --- Each model's published(): the pages that answer, the sitemap and the exports agree ---------
#
# A newsroom with one of each case: every row the public may not see carries MARKER in its name,
# title or statement, and none of them may answer, be listed or be linked.

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
MODELS_WITH_A_PAGE = [Article, Entity, Source, Claim]  # articles/urls.py: each one's get_absolute_url


def newsroom() -> dict:
    body = "Kim Jong Un met Putin, the Kremlin said. Yonhap reported it. A draft line. The end."
    publisher = make_source(name="Kabar")
    story = make_article(title="Kim meets Putin", body=body, publisher=publisher)
    later = make_article(title="The talks end", body=f"{body} Later.", publisher=make_source(name="Meridian"))
    draft = make_article(title=f"Draft {MARKER}", body=f"{body} Draft.", status=Article.Status.DRAFT, published_at=None,
                         publisher=make_source(name=f"Draft-only publisher {MARKER}"))
    withdrawn = make_article(title=f"Withdrawn {MARKER}", body=f"{body} Withdrawn.", status=Article.Status.WITHDRAWN,
                             publisher=make_source(name=f"Withdrawn-only publisher {MARKER}"))
    make_source(name=f"Source of nothing {MARKER}")

    kim = make_mention(story, "Kim Jong Un", entity=make_entity(name="Kim Jong Un")).entity
    make_mention(draft, "Kim Jong Un", entity=kim)
    make_mention(later, "Putin", entity=make_entity(name="Vladimir Putin"))
    make_mention(draft, "Putin", entity=make_entity(name=f"Named in a draft only {MARKER}"))
    make_mention(withdrawn, "Putin", entity=make_entity(name=f"Named in a withdrawn story only {MARKER}"))
    make_mention(story, "Putin", entity=make_entity(name=f"Unpublished mention only {MARKER}"), is_published=False)
    make_entity(name=f"Named nowhere {MARKER}")

    # The finding: a source cited only in a published claim has a page, so it is in the sitemap.
    kremlin = make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT)
    claim = make_claim(story, "Kim Jong Un met Putin", statement="Kim met Putin")
    add_attribution(claim, kremlin)
    in_later = make_claim(later, "Kim Jong Un met Putin", statement="The talks took place")
    add_attribution(in_later, make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY))
    hidden = make_claim(story, "Yonhap reported it", statement=f"Unpublished claim {MARKER}", is_published=False)
    add_attribution(hidden, make_source(name=f"Cited in an unpublished claim only {MARKER}", kind=Source.Kind.GOVERNMENT))
    in_draft = make_claim(draft, "Yonhap reported it", statement=f"Claim of a draft {MARKER}")
    add_attribution(in_draft, make_source(name=f"Cited in a draft only {MARKER}", kind=Source.Kind.GOVERNMENT))
    in_withdrawn = make_claim(withdrawn, "Yonhap reported it", statement=f"Claim of a withdrawn story {MARKER}")
    add_attribution(in_withdrawn, make_source(name=f"Cited in a withdrawn story only {MARKER}", kind=Source.Kind.GOVERNMENT))

    shown = [
        Evidence.objects.create(claim=claim, kind="article", article=later),
        Evidence.objects.create(claim=claim, kind="claim", other_claim=in_later),
        Evidence.objects.create(claim=claim, kind="url", url="https://example.org/record"),
        quote_evidence(claim.attributions.get()),
    ]
    drafted = Evidence.objects.create(claim=claim, kind="article", article=draft)
    not_shown = [
        drafted,
        Evidence.objects.create(claim=claim, kind="article", article=withdrawn),
        Evidence.objects.create(claim=claim, kind="claim", other_claim=in_draft),
        Evidence.objects.create(claim=in_later, kind="claim", other_claim=hidden),
        Evidence.objects.create(claim=hidden, kind="url", url="https://example.org/hidden"),
        Evidence.objects.create(claim=in_draft, kind="article", article=story),
    ]
    # Confirmed on the draft: the timeline is shown, the evidence that names the draft is not.
    claim.change_status("confirmed", by=None, reason=f"A later report confirms it {MARKER}", evidence=drafted)
    # Words an editor wrote for editors only: an internal reason, a claim's note, an evidence note.
    claim.change_status("disputed", by=None, reason=f"Internal reason {MARKER}", public_explanation="Readers are told this")
    Claim.objects.filter(pk=claim.pk).update(note=f"Claim note {MARKER}")
    Evidence.objects.filter(pk=shown[2].pk).update(note=f"Evidence note {MARKER}")

    StoryLink.objects.create(from_article=story, to_article=later, kind="follow_up")
    StoryLink.objects.create(from_article=story, to_article=draft, kind="follow_up")
    StoryLink.objects.create(from_article=withdrawn, to_article=later, kind="same_event")
    public = {story, later, kim, Entity.objects.get(name="Vladimir Putin"), publisher, later.publisher, kremlin,
              Source.objects.get(name="Yonhap"), claim, in_later}
    return {"public": {thing.get_absolute_url() for thing in public}, "claim": claim, "shown": shown,
            "not_shown": not_shown, "draft": draft}


def answering(client) -> set[str]:
    """The public page of every row of every model that has one, that answers 200 to the public."""
    urls = {thing.get_absolute_url() for model in MODELS_WITH_A_PAGE for thing in model.objects.all()}
    codes = {url: client.get(url).status_code for url in urls}
    assert set(codes.values()) <= {200, 404}, codes
    return {url for url, code in codes.items() if code == 200}


def listed_in_sitemap(client) -> set[str]:
    import lxml.etree

    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and MARKER not in response.content.decode()
    locations = lxml.etree.fromstring(response.content).findall("s:url/s:loc", SITEMAP_NS)
    return {urlsplit(location.text).path for location in locations}


SITE_LINK = re.compile(r"""(?:http://testserver|["'])(/(?:articles|entities|sources|claims)/[^"'<>\s#?]*)""")


VERSION_PATH = re.compile(r"/versions/\d+/$")


def site_links(text: str) -> set[str]:
    """The paths of this site's model pages that a page, feed or export links to (a version's
    address, which the W3C export names, is checked apart: version_links)."""
    return {path for path in SITE_LINK.findall(text)
            if not path.endswith(("annotations.jsonld", "/feed/")) and not VERSION_PATH.search(path)}


def version_links(text: str) -> set[str]:
    return {path for path in SITE_LINK.findall(text) if VERSION_PATH.search(path)}


def test_every_public_page_is_in_the_sitemap_and_nothing_unpublished_is_in_either(client, db):
    world = newsroom()
    pages = answering(client)
    assert pages == world["public"]
    assert listed_in_sitemap(client) == pages
    for url in pages:
        assert MARKER not in client.get(url).content.decode(), url


def test_each_models_published_is_what_its_pages_show(client, db):
    newsroom()
    pages = answering(client)
    for model in MODELS_WITH_A_PAGE:
        published, hidden = model.objects.published(), model.objects.not_published()
        own_pages = {thing.get_absolute_url() for thing in model.objects.all()}
        assert {thing.get_absolute_url() for thing in published} == pages & own_pages, model
        assert not set(published) & set(hidden) and published.count() + hidden.count() == model.objects.count(), model
    assert not any(MARKER in str(thing) for model in MODELS_WITH_A_PAGE for thing in model.objects.published())


def test_a_claim_page_shows_its_published_evidence_and_no_other(client, db):
    world = newsroom()
    assert set(Evidence.objects.published()) == set(world["shown"])
    assert not set(world["not_shown"]) & set(Evidence.objects.published())
    assert Evidence.objects.published().count() + Evidence.objects.not_published().count() == Evidence.objects.count()
    page = client.get(world["claim"].get_absolute_url()).content.decode()
    evidence = page.split('id="evidence-heading"')[1].split("</section>")[0]
    assert evidence.count("<li>") == len(world["shown"]) and MARKER not in evidence
    assert "https://example.org/record" in evidence and world["draft"].get_absolute_url() not in page


def test_pages_feeds_and_exports_name_only_what_the_public_may_see(client, db):
    from articles.exporting import export_lines

    world = newsroom()
    pages = answering(client)
    texts = {url: client.get(url).content.decode() for url in pages}
    texts["/feed/"] = client.get("/feed/").content.decode()
    for model, beside in [(Entity, "feed/"), (Article, "annotations.jsonld")]:  # an entity's feed, a story's annotations
        for thing in model.objects.all():
            page = thing.get_absolute_url()
            response = client.get(page + beside)
            assert response.status_code == (200 if page in pages else 404), page + beside
            texts[page + beside] = response.content.decode()
    for url, text in texts.items():
        assert MARKER not in text, url
        assert site_links(text) <= pages, (url, site_links(text) - pages)
    assert set().union(*map(site_links, texts.values())) == pages, "each public page is linked from another"
    # A version's address, as the W3C export names it: a story never corrected has one, its text.
    for path in set().union(*map(version_links, texts.values())):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] in pages, path
    export = "\n".join(export_lines(published_only=True))
    assert MARKER not in export, re.findall(f".{{200}}{MARKER}.{{50}}", export)
    assert world["draft"].content_hash not in export
    assert len(export.splitlines()) == Article.objects.published().count()


def test_a_claim_timeline_shows_only_the_public_explanation_never_the_internal_reason(client, db):
    world = newsroom()
    page = client.get(world["claim"].get_absolute_url()).content.decode()
    timeline = page.split('id="timeline-heading"')[1].split("</section>")[0]
    assert "Readers are told this" in timeline and MARKER not in page
    # Told as confirmed (the story's word, as it was recorded), then disputed: every change, in its words or none.
    assert timeline.split("<tbody>")[1].count("<tr") == 2


def test_an_undo_writes_an_internal_reason_that_readers_never_see(client, db):
    from annotations.history import set_status_back

    world = newsroom()
    claim = Claim.objects.get(pk=world["claim"].pk)
    claim.status = "confirmed"
    set_status_back(claim, "disputed", user=None)
    undo = claim.history.order_by("-id").first()
    assert (undo.to_status, undo.reason, undo.public_explanation) == ("confirmed", "Undone from the history.", "")
    page = client.get(claim.get_absolute_url()).content.decode()
    assert "Undone from the history." not in page and MARKER not in page


def test_a_public_explanation_with_markup_is_shown_as_text(client, db):
    world = newsroom()
    claim = Claim.objects.get(pk=world["claim"].pk)
    claim.change_status("confirmed", by=None, reason="Back", evidence=world["shown"][0],
                        public_explanation='<script>alert(1)</script><b>bold</b>')
    page = client.get(claim.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;bold" in page
