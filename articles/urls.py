from django.urls import path

from django.contrib.sitemaps.views import sitemap

from articles import views
from articles.feeds import EntityStoriesFeed, LatestStoriesFeed
from articles.sitemaps import SITEMAPS

app_name = "articles"

urlpatterns = [
    path("", views.article_list, name="list"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("articles/<slug:slug>/versions/<int:number>/", views.article_version, name="version"),
    path("articles/<slug:slug>/annotations.jsonld", views.article_annotations, name="annotations"),
    path("entities/<slug:slug>/", views.entity_detail, name="entity-detail"),
    path("sources/<slug:slug>/", views.source_detail, name="source-detail"),
    path("claims/<int:pk>/", views.claim_detail, name="claim-detail"),
    path("entities/<slug:slug>/feed/", views.public_page(EntityStoriesFeed()), name="entity-feed"),
    path("feed/", views.public_page(LatestStoriesFeed()), name="feed"),
    path("search/", views.article_search, name="search"),
    path("sitemap.xml", views.public_page(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
]
