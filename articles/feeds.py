from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from annotations.models import Entity
from articles.filtering import published_stories_naming
from articles.models import Article
from articles.search import LISTING_ORDER


class StoriesInTheirLanguages(Atom1Feed):
    """Atom whose every entry says its story's own language (xml:lang); the feed's own, inherited
    by its title and subtitle, is the site's."""

    def item_attributes(self, item):
        attributes = super().item_attributes(item)
        if item.get("language"):
            attributes["xml:lang"] = item["language"]
        return attributes


class LatestStoriesFeed(Feed):
    feed_type = StoriesInTheirLanguages
    title = _("Newsdesk: latest stories")
    subtitle = _("Published stories, annotated with who said what and how solid it is.")

    def link(self) -> str:
        return reverse("articles:list")

    def items(self):
        return Article.objects.published().select_related("publisher").order_by(*LISTING_ORDER)[:50]

    def item_title(self, item: Article) -> str:
        return item.title

    def item_description(self, item: Article) -> str:
        # Atom carries this as HTML: the story's plain text must arrive as text, never markup.
        return escape(Truncator(item.body).chars(600))

    def item_pubdate(self, item: Article):
        return item.published_at

    def item_updateddate(self, item: Article):
        return item.updated_at

    def item_author_name(self, item: Article) -> str:
        return item.publisher.name

    def item_extra_kwargs(self, item: Article) -> dict:
        return {"language": item.language}


class EntityStoriesFeed(LatestStoriesFeed):
    def get_object(self, request, slug: str) -> Entity:
        return get_object_or_404(Entity.objects.published(), slug=slug)

    def title(self, entity: Entity) -> str:
        return _("Newsdesk: stories that name %(name)s") % {"name": entity.name}

    def link(self, entity: Entity) -> str:
        return entity.get_absolute_url()

    def items(self, entity: Entity):
        return published_stories_naming(entity).select_related("publisher").order_by(*LISTING_ORDER)[:50]
