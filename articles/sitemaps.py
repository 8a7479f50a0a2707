from django.contrib.sitemaps import Sitemap

from annotations.models import Claim, Entity
from articles.models import Article, Source
from articles.search import LISTING_ORDER


class ArticleSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return Article.objects.published().only("slug", "updated_at").order_by(*LISTING_ORDER)

    def lastmod(self, article: Article):
        return article.updated_at


class EntitySitemap(Sitemap):
    def items(self):
        return Entity.objects.published().only("slug").order_by("pk")


class SourceSitemap(Sitemap):
    def items(self):
        return Source.objects.published().only("slug").order_by("pk")


class ClaimSitemap(Sitemap):
    def items(self):
        """One page per claim across stories: its first published appearance's, which the pages of
        its other appearances name as canonical (articles.views.claim_detail)."""
        return (
            Claim.objects.published().only("pk")
            .order_by("across_id", "article__published_at", "created_at", "id").distinct("across_id")
        )


SITEMAPS = {"articles": ArticleSitemap, "entities": EntitySitemap, "sources": SourceSitemap, "claims": ClaimSitemap}
