import hashlib
import unicodedata

from django.db import migrations, models


def fill_hashes(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    for article in Article.objects.only("pk", "body").iterator():
        digest = hashlib.sha256(unicodedata.normalize("NFC", article.body).encode("utf-8")).hexdigest()
        Article.objects.filter(pk=article.pk).update(content_hash=digest)


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="article",
            name="content_hash",
            field=models.CharField(
                db_index=True, default="", editable=False, max_length=64, verbose_name="content hash",
                help_text="SHA-256 of the NFC body: how an import recognises a story it has already seen without a URL.",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_hashes, migrations.RunPython.noop),
    ]
