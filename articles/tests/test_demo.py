from django.apps import apps
from django.core.management import call_command

from annotations.models import Attribution, Claim, StoryLink
from articles.models import Article


def snapshot() -> dict:
    """Every row of every model of ours, as plain values."""
    rows = {}
    for model in apps.get_app_config("articles").get_models():
        rows[model.__name__] = sorted(map(repr, model.objects.values_list()))
    for model in apps.get_app_config("annotations").get_models():
        rows[model.__name__] = sorted(map(repr, model.objects.values_list()))
    return rows


def test_load_demo_twice_leaves_the_same_rows_as_once(db, capsys):
    call_command("load_demo")
    once = snapshot()
    call_command("load_demo")
    assert snapshot() == once
    assert "nothing to add" in capsys.readouterr().out


def test_demo_newsroom_has_what_the_desk_needs_to_show(db):
    call_command("load_demo")
    assert Article.objects.count() >= 12
    assert {"id", "en", "ko", "ru"} <= set(Article.objects.values_list("language", flat=True))
    assert Article.objects.values("publisher").distinct().count() >= 3
    statuses = set(Article.objects.values_list("status", flat=True))
    assert statuses == {"draft", "published", "withdrawn"}
    assert Article.objects.published().count() > Article.objects.not_published().count()
    assert set(Claim.objects.values_list("status", flat=True)) == set(Claim.Status.values)
    confirmed = Claim.objects.filter(status="confirmed", attributions__sourcing="on_record", attributions__role="speaker")
    assert confirmed.exists()
    two_link_anonymous = [
        claim
        for claim in Claim.objects.filter(status="reported").prefetch_related("attributions")
        if len(claim.attributions.all()) == 2
        and claim.attributions.all()[0].sourcing == Attribution.Sourcing.ANONYMOUS
        and claim.attributions.all()[1].role == Attribution.Role.VIA
    ]
    assert two_link_anonymous
    assert StoryLink.objects.values("kind").distinct().count() >= 4
    for claim in Claim.objects.exclude(status="unverified"):
        assert claim.history.exists()
