import html
import re
from itertools import count

from annotations.models import Attribution, Claim, Entity, Evidence, Mention
from articles.models import Article, Source
from articles.tests.makers import make_article, make_source

_numbers = count(1)


def make_entity(**overrides) -> Entity:
    n = next(_numbers)
    return Entity.objects.create(**({"name": f"Entity {n}", "kind": Entity.Kind.PERSON} | overrides))


def make_mention(article: Article | None = None, text: str = "Kim Jong Un", **overrides) -> Mention:
    article = article or make_article()
    start = article.body.index(text)
    fields = {"article": article, "start": start, "end": start + len(text), "exact": text} | overrides
    if "entity" not in fields:
        fields["entity"] = make_entity()
    return Mention.objects.create(**fields)


def make_claim(article: Article | None = None, text: str = "Kim Jong Un travelled to Russia", **overrides) -> Claim:
    article = article or make_article()
    start = article.body.index(text)
    return Claim.objects.create(article=article, start=start, end=start + len(text), exact=text, **overrides)


def add_attribution(claim: Claim, source: Source | None = None, **overrides) -> Attribution:
    fields = {
        "claim": claim,
        "position": claim.attributions.count(),
        "source": source or make_source(kind=Source.Kind.GOVERNMENT),
        "role": Attribution.Role.SPEAKER,
        "sourcing": Attribution.Sourcing.ON_RECORD,
    } | overrides
    return Attribution.objects.create(**fields)


def quote_evidence(attribution: Attribution) -> Evidence:
    return Evidence.objects.create(claim=attribution.claim, kind=Evidence.Kind.QUOTE, attribution=attribution)


def form_values(html: str, form_id: str) -> dict[str, str | list[str]]:
    """What a browser would submit from the form `form_id` of a page, as it stands."""
    import lxml.html

    form = lxml.html.fromstring(html).get_element_by_id(form_id)
    values: dict[str, str | list[str]] = {}
    for name, value in form.form_values():
        if name in values:
            previous = values[name]
            values[name] = (previous if isinstance(previous, list) else [previous]) + [value]
        else:
            values[name] = value
    return values


def confirmed(client, url: str, data: dict | None = None, **kwargs):
    """Press a button that asks first (Publish, Withdraw, an undo readers would see), then answer
    yes with what the question names, as an editor would. The question must have been asked."""
    first = client.post(url, data or {}, **kwargs)
    token = re.search(r'name="confirm" value="([^"]+)"', first.content.decode())
    assert first.status_code == 200 and token, first.content.decode()[:2000]
    return client.post(url, {**(data or {}), "confirm": html.unescape(token[1])}, **kwargs)
