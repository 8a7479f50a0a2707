import re
import unicodedata

from django.db import migrations, models
from django.db.models import Value
from django.db.models.functions import Lower

# articles.text.BIDI_CONTROL and to_name() as they were when the constraints were added.
BIDI_CONTROL = "[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"


def to_name(text: str) -> str:
    return unicodedata.normalize("NFC", re.sub(BIDI_CONTROL, "", text).strip())


def remove_bidi_controls(apps, schema_editor):
    """Rows written before the rule: the controls go. A name left empty takes the slug; a source
    whose cleaned name another of its kind and country has keeps its id beside it."""
    Source, Article = apps.get_model("articles", "Source"), apps.get_model("articles", "Article")
    for source in Source.objects.filter(name__regex=BIDI_CONTROL):
        name = to_name(source.name)[:280] or source.slug
        twins = Source.objects.alias(lower=Lower("name")).filter(lower=Lower(Value(name)), kind=source.kind, country=source.country)
        if twins.exclude(pk=source.pk).exists():
            name = f"{name} ({source.pk})"
        Source.objects.filter(pk=source.pk).update(name=name)
    for pk, title, slug in Article.objects.filter(title__regex=BIDI_CONTROL).values_list("pk", "title", "slug"):
        Article.objects.filter(pk=pk).update(title=to_name(title) or slug)


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0007_page_generation'),
    ]

    operations = [
        migrations.RunPython(remove_bidi_controls, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='article',
            constraint=models.CheckConstraint(condition=models.Q(('title__regex', '[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]'), _negated=True), name='article_title_no_bidi_controls'),
        ),
        migrations.AddConstraint(
            model_name='source',
            constraint=models.CheckConstraint(condition=models.Q(('name__regex', '[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]'), _negated=True), name='source_name_no_bidi_controls'),
        ),
    ]
