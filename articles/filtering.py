"""The story filters, written once: the front page, the search and the desk's inbox each offer
them over stories of their own (what the public may see; for the desk, what its editor may see)."""

import hashlib

from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from annotations.models import Entity, Mention
from articles import page_cache
from articles.models import Article, Source
from newsdesk.parameters import IdChoiceField


def story_facets(articles, generation: str | None = None) -> tuple[list[Source], list[str]]:
    """The publishers (by name) and languages of `articles`, for the filters: two scans of the
    archive, so kept in the cache until content changes (the public pages' generation). Each
    set of stories has its own entry, named by its query, so that no page is offered another's.
    `generation`: page_cache.request_generation(), when the request read it already."""

    def compute():
        publishers = Source.objects.filter(Exists(articles.filter(publisher=OuterRef("pk")))).only("slug", "name", "country")
        languages = articles.order_by("language").values_list("language", flat=True).distinct()
        return list(publishers.order_by("name", "pk")), list(languages)

    stories = hashlib.sha256(str(articles.order_by().query).encode()).hexdigest()[:16]
    return cache.get_or_set(f"facets:{stories}:{generation or page_cache.generation()}", compute, 600)


def stories_naming(articles, entity: Entity, mentions):
    """The stories of `articles` that one of `mentions` (what the reader may see of them) tags with `entity`."""
    return articles.filter(Exists(mentions.filter(article=OuterRef("pk"), entity=entity)))


def published_stories_naming(entity: Entity):
    return stories_naming(Article.objects.published(), entity, Mention.objects.published_in_published_stories())


class KeyField(IdChoiceField):
    """A row named by one of its keys (`to_field_name`: a unique column, or "pk"). The key is checked as its
    column checks it before a query sees it: a value it could never hold (NUL, a number out of
    range or not in ASCII digits, a slug with a space) is refused as no such choice, never sent
    to the database."""

    def to_python(self, value):
        name = self.to_field_name or "pk"
        if name == "pk":
            return super().to_python(value)  # ascii_number(), the one rule for ids
        if value not in self.empty_values:
            meta = self.queryset.model._meta
            column = meta.get_field(name)
            try:
                column.run_validators(column.to_python(value))
            except ValidationError:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None
        return forms.ModelChoiceField.to_python(self, value)


class StoryFilterForm(forms.Form):
    """The filters of a list of stories. A value outside the choices offered is refused, never
    queried, and only what the page's reader may see is offered: the publishers and languages of
    the stories given, the entities given.

    `key` is how the page's address names a publisher or an entity: the public's by slug, the
    desk's by id. A page's form leaves out a filter it does not offer by setting it to None."""

    key = "slug"
    errors_shown_inline = ()  # annotations/_form_errors.html shows every error

    source = forms.ChoiceField(label=_("Publisher"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    date_from = forms.DateField(label=_("Published from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Published until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    entity = KeyField(
        label=_("Names entity"), required=False, queryset=Entity.objects.none(), widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("There is no such entity to filter by.")},
    )

    def __init__(self, data=None, *, articles, mentions, entities, generation: str | None = None):
        super().__init__(data)
        self.articles, self.mentions = articles, mentions
        publishers, languages = story_facets(articles, generation)
        self.fields["source"].choices = [("", _("all publishers"))] + [(str(getattr(s, self.key)), str(s)) for s in publishers]
        self.fields["language"].choices = [("", _("all languages"))] + [(code, code) for code in languages]
        if "entity" in self.fields:
            self.fields["entity"].queryset = entities
            self.fields["entity"].to_field_name = self.key

    @classmethod
    def for_public(cls, data=None) -> "StoryFilterForm":
        """The form over what the public may see."""
        return cls(data, articles=Article.objects.published(), mentions=Mention.objects.published_in_published_stories(),
                   entities=Entity.objects.published())

    def stories(self):
        """The stories given, narrowed by each filter sent: all of them when none was, none when
        a value was refused (a publisher or entity the reader may not see matches no story)."""
        if not self.is_bound:
            return self.articles
        if not self.is_valid():
            return self.articles.none()
        return self.narrow(self.articles, self.cleaned_data)

    def narrow(self, articles, data: dict):
        if data.get("source"):
            articles = articles.filter(**{f"publisher__{self.key}": data["source"]})
        if data.get("language"):
            articles = articles.filter(language=data["language"])
        if data.get("date_from"):
            articles = articles.filter(published_at__date__gte=data["date_from"])
        if data.get("date_to"):
            articles = articles.filter(published_at__date__lte=data["date_to"])
        if data.get("entity"):
            articles = stories_naming(articles, data["entity"], self.mentions)
        return articles
