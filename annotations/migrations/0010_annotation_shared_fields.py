# State only (sqlmigrate: no-op): Mention and Claim take their article from the abstract
# Annotation, whose related_name names the reverse accessor per class (article.mentions, article.claims).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('annotations', '0009_claim_unique_statement_hash'),
        ('articles', '0006_source_claim_rules'),
    ]

    operations = [
        migrations.AlterField(
            model_name='claim',
            name='article',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='%(class)ss', to='articles.article', verbose_name='article'),
        ),
        migrations.AlterField(
            model_name='mention',
            name='article',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='%(class)ss', to='articles.article', verbose_name='article'),
        ),
    ]
