"""The status form cannot misfire: it starts at the claim's status, asks for a confirmation of a
grave step on the server, and a change needs its reason on every path (issue 14, finding 5)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from annotations.models import Claim, Evidence
from annotations.tests.makers import add_attribution, form_values, make_claim, quote_evidence
from annotations.tests.test_desk import STORY, claim_data
from articles.models import Source
from articles.tests.makers import make_article, make_source

HTMX = {"HX-Request": "true"}


@pytest.fixture
def story(db):
    return make_article(title="Train leaves", body=STORY, language="en")


def confirmed_claim(story) -> Claim:
    claim = make_claim(story, "Kim Jong Un will meet Putin")
    attribution = add_attribution(claim, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT))
    claim.change_status("confirmed", by=None, reason="On record", evidence=quote_evidence(attribution))
    claim.refresh_from_db()
    return claim


def status_url(claim: Claim) -> str:
    return reverse("desk:claim-status-update", args=[claim.pk])


def card_form(editor_client, claim: Claim) -> dict:
    page = editor_client.get(reverse("desk:article", args=[claim.article_id])).content.decode()
    page = page.replace('hx-post="%s"' % status_url(claim), 'id="status-form" hx-post="%s"' % status_url(claim))
    return form_values(page, "status-form")


def test_the_status_menu_starts_at_the_claims_own_status(editor_client, story):
    claim = confirmed_claim(story)
    assert card_form(editor_client, claim)["status"] == "confirmed"


def test_sending_the_form_as_it_starts_is_a_clear_message_and_records_nothing(editor_client, story):
    claim = confirmed_claim(story)
    response = editor_client.post(status_url(claim), card_form(editor_client, claim), headers=HTMX)
    assert response.status_code == 200
    assert "The claim is already confirmed; nothing was changed." in response.content.decode()
    assert claim.history.count() == 1


@pytest.mark.parametrize("current, new", [
    ("reported", "retracted"), ("reported", "denied"), ("confirmed", "disputed"), ("confirmed", "reported"),
])
def test_a_grave_step_without_its_confirmation_is_refused_and_nothing_recorded(editor_client, story, current, new):
    claim = confirmed_claim(story) if current == "confirmed" else make_claim(story, "Kim Jong Un's train left Pyongyang")
    if current == "reported":
        add_attribution(claim, make_source(kind=Source.Kind.NEWS_AGENCY))
        claim.change_status("reported", by=None, reason="Yonhap says so")
        claim.refresh_from_db()
    before = claim.history.count()
    data = {"status": new, "reason": "A stray key", "evidence": "", "evidence_url": "", "version": claim.version}
    response = editor_client.post(status_url(claim), data, headers=HTMX)  # a forged POST: no dialog ran
    assert response.status_code == 422
    assert "tick “Yes, I mean it”" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == current and claim.history.count() == before
    confirmed = editor_client.post(status_url(claim), data | {"confirm": "on"}, headers=HTMX)
    assert confirmed.status_code == 200
    claim.refresh_from_db()
    assert claim.status == new


def test_a_step_up_needs_no_confirmation(editor_client, story):
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    add_attribution(claim, make_source(kind=Source.Kind.NEWS_AGENCY))
    data = {"status": "reported", "reason": "Yonhap", "evidence": "", "evidence_url": "", "version": claim.version}
    assert editor_client.post(status_url(claim), data, headers=HTMX).status_code == 200


def test_the_admin_asks_for_the_same_confirmation(maintainer_client, story):
    claim = confirmed_claim(story)
    url = reverse("admin:annotations_claim_status", args=[claim.pk])
    response = maintainer_client.post(url, {"status": "retracted", "reason": "Withdrawn", "version": claim.version})
    assert response.status_code == 200 and "Yes, I mean it" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == "confirmed"


def test_the_mark_claim_form_cannot_record_a_retraction_with_no_reason(editor_client, story):
    """The finding: the Mark claim form offered every status and gave any of them the reason
    'Recorded from the story.', so a stray key recorded a retraction nobody explained."""
    data = claim_data(story, "Kim Jong Un will meet Putin", status="retracted",
                      **{"chain-0-source_query": "Kremlin", "chain-0-new_source_kind": "government"})
    response = editor_client.post(reverse("desk:claim-create", args=[story.pk]), data, headers=HTMX)
    assert response.status_code == 422
    assert not Claim.objects.exists()


@pytest.mark.parametrize("status", ["disputed", "denied", "retracted"])
def test_recording_a_claim_as_disputed_denied_or_retracted_needs_a_reason_on_every_path(story, status):
    source = make_source(kind=Source.Kind.GOVERNMENT)
    with pytest.raises(ValidationError, match="Say why the status changes"):
        Claim.record(story, start=0, end=11, exact="Kim Jong Un", chain=[(source, "speaker", "on_record")], status=status)
    claim = Claim.record(story, start=0, end=11, exact="Kim Jong Un", chain=[(source, "speaker", "on_record")],
                         status=status, reason="The ministry says otherwise")
    assert claim.history.get().reason == "The ministry says otherwise"
    assert not Evidence.objects.exists()
