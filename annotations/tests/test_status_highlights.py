"""Issue 15: a claim's highlight says its status, in colour and in the line under it, with a legend."""

import re

import pytest
from django.urls import reverse

from annotations.highlighting import CAUTION, segments
from annotations.models import Claim
from annotations.tests.makers import add_attribution, make_claim
from articles.models import Source
from articles.tests.makers import make_article, make_source

BODY = "Kim Jong Un travelled to Russia. The Kremlin denied that weapons were discussed."


def test_every_status_has_a_place_in_the_order_of_caution():
    assert sorted(CAUTION) == sorted(Claim.Status.values)


def test_a_highlight_covered_by_several_claims_shows_the_one_that_needs_most_care():
    class Span:
        def __init__(self, id, start, end, status):
            self.id, self.start, self.end, self.status = id, start, end, status

    pieces = segments(BODY, claims=[Span(1, 0, 40, "confirmed"), Span(2, 10, 20, "denied")])
    by_text = {piece.text: piece.claim_status for piece in pieces}
    assert by_text[BODY[0:10]] == "confirmed"
    assert by_text[BODY[10:20]] == "denied"
    assert by_text[BODY[40:]] == ""


@pytest.mark.django_db
def test_the_workspace_marks_each_claim_with_its_status_and_explains_them(editor_client):
    story = make_article(body=BODY)
    make_claim(story, "Kim Jong Un travelled to Russia", status="unverified")
    denied = make_claim(story, "weapons were discussed")
    add_attribution(denied, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT))
    denied.change_status("reported", by=None, reason="The Kremlin said so")
    denied.change_status("denied", by=None, reason="The Kremlin denied it")
    html = editor_client.get(reverse("desk:article", args=[story.pk])).content.decode()
    marks = dict(re.findall(r'<mark data-start="\d+" class="[^"]*hl-claim hl-(\w+)"[^>]*>([^<]*)</mark>', html))
    assert marks == {"unverified": "Kim Jong Un travelled to Russia", "denied": "weapons were discussed"}
    legend = html[html.index('class="highlight-legend"'):]
    legend = legend[:legend.index("</ul>")]
    for value, label in Claim.Status.choices:
        assert f"hl-{value}" in legend and str(label) in legend


@pytest.mark.django_db
def test_the_public_text_marks_each_published_claim_with_its_status(client):
    story = make_article(body=BODY)
    claim = make_claim(story, "weapons were discussed", is_published=True)
    add_attribution(claim, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT))
    claim.change_status("reported", by=None, reason="The Kremlin said so")
    html = client.get(story.get_absolute_url()).content.decode()
    assert re.search(r'<mark class="claim-span hl-reported" data-claims="\d+">weapons were discussed</mark>', html)
    assert 'class="highlight-legend"' in html and "a tagged entity" not in html
