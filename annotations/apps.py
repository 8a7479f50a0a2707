from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = _("Annotations")

    def ready(self) -> None:
        # The entity matcher of every process is built again after a name or alias changes.
        from annotations.models import Entity, EntityAlias
        from annotations.suggestions import entities_changed

        from django.contrib.auth.signals import user_logged_in

        from newsdesk.languages import bring_back_choice

        user_logged_in.connect(bring_back_choice, dispatch_uid="language-of-profile")
        # A claim hidden while a part of it waits for review is shown again when that part goes.
        from annotations.corrections import review_gone
        from annotations.models import AnchorReview

        post_delete.connect(review_gone, sender=AnchorReview, dispatch_uid="settle-claims-of-review")
        for model in (Entity, EntityAlias):
            post_save.connect(entities_changed, sender=model, dispatch_uid=f"matcher-{model.__name__}")
            post_delete.connect(entities_changed, sender=model, dispatch_uid=f"matcher-del-{model.__name__}")
