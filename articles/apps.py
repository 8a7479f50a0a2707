from django.apps import AppConfig, apps
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Articles and sources")

    def ready(self) -> None:
        # Any saved or deleted story, source, entity or annotation empties the public page cache.
        # (Writes that bypass signals, QuerySet.update() in our own code, call invalidate() too.)
        from articles.page_cache import invalidate

        def content_changed(sender, **kwargs) -> None:
            invalidate()

        for label in ("articles", "annotations"):
            for model in apps.get_app_config(label).get_models():
                if not model.__name__.endswith("Event"):  # the history's own rows
                    post_save.connect(content_changed, sender=model, weak=False, dispatch_uid=f"page-cache-{model._meta.label}")
                    post_delete.connect(content_changed, sender=model, weak=False, dispatch_uid=f"page-cache-del-{model._meta.label}")
