import re
import unicodedata

import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models
from django.db.models import Value
from django.db.models.functions import Lower

# articles.text.BIDI_CONTROL and to_name() as they were when the constraints were added.
BIDI_CONTROL = "[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"


def to_name(text: str) -> str:
    return unicodedata.normalize("NFC", re.sub(BIDI_CONTROL, "", text).strip())


def remove_bidi_controls(apps, schema_editor):
    """Rows written before the rule: the controls go. An entity's name left empty takes its
    slug; an alias left empty, or the same as another of the entity's, goes."""
    Entity, EntityAlias = apps.get_model("annotations", "Entity"), apps.get_model("annotations", "EntityAlias")
    for pk, name, slug in Entity.objects.filter(name__regex=BIDI_CONTROL).values_list("pk", "name", "slug"):
        Entity.objects.filter(pk=pk).update(name=to_name(name) or slug)
    for alias in EntityAlias.objects.filter(name__regex=BIDI_CONTROL):
        name = to_name(alias.name)
        twins = EntityAlias.objects.alias(lower=Lower("name")).filter(entity_id=alias.entity_id, lower=Lower(Value(name)))
        if not name or twins.exclude(pk=alias.pk).exists():
            alias.delete()
        else:
            EntityAlias.objects.filter(pk=alias.pk).update(name=name)


class Migration(migrations.Migration):

    dependencies = [
        ('annotations', '0010_annotation_shared_fields'),
        ('articles', '0008_names_without_bidi_controls'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(remove_bidi_controls, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='entity',
            constraint=models.CheckConstraint(condition=models.Q(('name__regex', '[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]'), _negated=True), name='entity_name_no_bidi_controls'),
        ),
        migrations.AddConstraint(
            model_name='entityalias',
            constraint=models.CheckConstraint(condition=models.Q(('name__regex', '[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]'), _negated=True), name='alias_name_no_bidi_controls'),
        ),
        migrations.AlterConstraint(
            model_name='storylink',
            name='story_link_unique_pair',
            constraint=models.UniqueConstraint(django.db.models.functions.comparison.Least('from_article', 'to_article'), django.db.models.functions.comparison.Greatest('from_article', 'to_article'), models.F('kind'), name='story_link_unique_pair', violation_error_message='These two stories are already linked this way (in one direction or the other).'),
        ),
    ]
