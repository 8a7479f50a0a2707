from django.urls import path

from annotations import corrections_desk, feeds_desk, followup, views

app_name = "desk"

urlpatterns = [
    path("", views.article_inbox, name="inbox"),
    path("import/", views.article_import, name="import"),
    path("import/<int:pk>/", views.import_job, name="import-job"),
    path("articles/<int:pk>/", views.article_workspace, name="article"),
    path("articles/<int:pk>/history/", views.article_history, name="article-history"),
    path("articles/<int:pk>/history/<slug:kind>/<int:event_id>/undo/", views.history_undo, name="history-undo"),
    path("articles/<int:pk>/details/", views.article_update, name="article-update"),
    path("articles/<int:pk>/publish/", views.article_publish, name="article-publish"),
    path("articles/<int:pk>/mentions/", views.mention_create, name="mention-create"),
    path("articles/<int:pk>/suggestions/accept/", views.suggestion_accept, name="suggestion-accept"),
    path("articles/<int:pk>/suggestions/reject/", views.suggestion_reject, name="suggestion-reject"),
    path("articles/<int:pk>/related/decide/", views.related_decide, name="related-decide"),
    path("articles/<int:pk>/mentions/<int:mention_pk>/delete/", views.mention_delete, name="mention-delete"),
    path("articles/<int:pk>/claims/", views.claim_create, name="claim-create"),
    path("articles/<int:pk>/links/", views.story_link_create, name="story-link-create"),
    path("articles/<int:pk>/links/search/", views.story_link_search, name="story-link-search"),
    path("articles/<int:pk>/links/<int:link_pk>/delete/", views.story_link_delete, name="story-link-delete"),
    path("claims/<int:pk>/status/", views.claim_status_update, name="claim-status-update"),
    path("claims/<int:pk>/attributions/", views.claim_attribution_create, name="claim-attribution-create"),
    path("claims/<int:pk>/delete/", views.claim_delete, name="claim-delete"),
    path("claims/<int:pk>/across/", views.claim_across, name="claim-across"),
    path("claims/<int:pk>/join/search/", views.claim_join_search, name="claim-join-search"),
    path("claims/<int:pk>/join/", views.claim_join, name="claim-join"),
    path("claims/<int:pk>/split/", views.claim_split, name="claim-split"),
    path("articles/<int:pk>/claims/matches/", views.claim_matches, name="claim-matches"),
    path("claims/<int:pk>/matches/decide/", views.claim_match_decide, name="claim-match-decide"),
    path("claims/<int:pk>/translations/", views.claim_translation_create, name="claim-translation-create"),
    path("entities/search/", views.entity_search, name="entity-search"),
    path("sources/search/", views.source_search, name="source-search"),
]

# The follow-up queue lives in a module of its own (annotations/followup.py).
urlpatterns += [
    path("follow-up/", followup.claim_follow_up, name="follow-up"),
]

# Corrections: versions, the difference between two, and the review queue (annotations/corrections_desk.py).
urlpatterns += [
    path("articles/<int:pk>/correct/", corrections_desk.article_correct, name="article-correct"),
    path("articles/<int:pk>/versions/", corrections_desk.article_versions, name="article-versions"),
    path("articles/<int:pk>/versions/<int:number>/decide/", corrections_desk.version_decide, name="version-decide"),
    path("review/", corrections_desk.review_queue, name="review-queue"),
    path("review/<int:pk>/decide/", corrections_desk.review_decide, name="review-decide"),
]

# Feeds: their health, resumed or polled now by an editor (annotations/feeds_desk.py).
urlpatterns += [
    path("feeds/", feeds_desk.feed_list, name="feeds"),
    path("feeds/<int:pk>/resume/", feeds_desk.feed_resume, name="feed-resume"),
    path("feeds/<int:pk>/poll/", feeds_desk.feed_poll, name="feed-poll"),
]
