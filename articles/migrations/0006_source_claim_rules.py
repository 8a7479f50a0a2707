
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0005_search_config_per_language_indexes'),
        ('annotations', '0008_claim_rules'),  # the function its trigger runs
    ]

    operations = [
        pgtrigger.migrations.AddTrigger(
            model_name='source',
            trigger=pgtrigger.compiler.Trigger(name='claim_rules', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."kind" IS DISTINCT FROM (NEW."kind"))', constraint='CONSTRAINT', func='PERFORM claim_rules_check(cited.claim_id) FROM (SELECT DISTINCT claim_id FROM annotations_attribution WHERE source_id = NEW.id) AS cited; RETURN NULL;', hash='ea3e0be23e0e441d862b7c44af83994b78dd80a5', operation='UPDATE', pgid='pgtrigger_claim_rules_288ed', table='articles_source', timing='DEFERRABLE INITIALLY DEFERRED', when='AFTER')),
        ),
    ]
