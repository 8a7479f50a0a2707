"""Claims followed across stories, part 1: the tables. Part 2 (0016) makes each existing claim
an appearance of one; part 3 (0017) requires one and retires "same claim as"."""

import django.db.models.deletion
import django.db.models.functions.text
import pgtrigger.compiler
import pgtrigger.migrations
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('annotations', '0014_profile'),
        ('articles', '0009_listing_undated_last'),
        ('pghistory', '0007_auto_20250421_0444'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ClaimAcrossStories',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name='key')),
                ('statement', models.TextField(help_text='The checkable statement, as first recorded.', verbose_name='statement')),
                ('language', models.CharField(help_text="BCP 47 tag of the statement's language", max_length=35, verbose_name='language')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
            ],
            options={
                'verbose_name': 'claim across stories',
                'verbose_name_plural': 'claims across stories',
                'ordering': ['-created_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='ClaimAcrossStoriesEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('key', models.UUIDField(default=uuid.uuid4, editable=False, verbose_name='key')),
                ('statement', models.TextField(help_text='The checkable statement, as first recorded.', verbose_name='statement')),
                ('language', models.CharField(help_text="BCP 47 tag of the statement's language", max_length=35, verbose_name='language')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='ClaimTranslation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('language', models.CharField(help_text='BCP 47 tag, such as id or ko', max_length=35, verbose_name='language')),
                ('statement', models.TextField(verbose_name='statement')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='added')),
            ],
            options={
                'verbose_name': 'translation of a claim',
                'verbose_name_plural': 'translations of claims',
                'ordering': ['language'],
            },
        ),
        migrations.CreateModel(
            name='ClaimTranslationEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('language', models.CharField(help_text='BCP 47 tag, such as id or ko', max_length=35, verbose_name='language')),
                ('statement', models.TextField(verbose_name='statement')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='added')),
            ],
            options={
                'abstract': False,
            },
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='claim',
            name='insert_insert',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='claim',
            name='update_update',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='claim',
            name='delete_delete',
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='claim',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "annotations_claimevent" ("across_id", "article_id", "created_at", "created_by_id", "end", "exact", "id", "is_published", "note", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "prefix", "start", "statement", "status", "suffix", "updated_at", "version") VALUES (NEW."across_id", NEW."article_id", NEW."created_at", NEW."created_by_id", NEW."end", NEW."exact", NEW."id", NEW."is_published", NEW."note", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."prefix", NEW."start", NEW."statement", NEW."status", NEW."suffix", NEW."updated_at", NEW."version"); RETURN NULL;', hash='6c969fcbc8b53a11f76285737c6ffe30541c7006', operation='INSERT', pgid='pgtrigger_insert_insert_80627', table='annotations_claim', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='claim',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "annotations_claimevent" ("across_id", "article_id", "created_at", "created_by_id", "end", "exact", "id", "is_published", "note", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "prefix", "start", "statement", "status", "suffix", "updated_at", "version") VALUES (NEW."across_id", NEW."article_id", NEW."created_at", NEW."created_by_id", NEW."end", NEW."exact", NEW."id", NEW."is_published", NEW."note", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."prefix", NEW."start", NEW."statement", NEW."status", NEW."suffix", NEW."updated_at", NEW."version"); RETURN NULL;', hash='76c4959cdbbb8d3410569d53d98a6615827d15a8', operation='UPDATE', pgid='pgtrigger_update_update_b3c9f', table='annotations_claim', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='claim',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "annotations_claimevent" ("across_id", "article_id", "created_at", "created_by_id", "end", "exact", "id", "is_published", "note", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "prefix", "start", "statement", "status", "suffix", "updated_at", "version") VALUES (OLD."across_id", OLD."article_id", OLD."created_at", OLD."created_by_id", OLD."end", OLD."exact", OLD."id", OLD."is_published", OLD."note", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."prefix", OLD."start", OLD."statement", OLD."status", OLD."suffix", OLD."updated_at", OLD."version"); RETURN NULL;', hash='dfc2d6964ee6d83674e947ee6daf67351ec47327', operation='DELETE', pgid='pgtrigger_delete_delete_3962c', table='annotations_claim', when='AFTER')),
        ),
        migrations.AddField(
            model_name='claimacrossstories',
            name='created_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by'),
        ),
        migrations.AddField(
            model_name='claim',
            name='across',
            field=models.ForeignKey(blank=True, help_text='The claim this is an appearance of; left empty, this appearance becomes a claim of its own.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='appearances', to='annotations.claimacrossstories', verbose_name='claim across stories'),
        ),
        migrations.AddField(
            model_name='claimevent',
            name='across',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='The claim this is an appearance of; left empty, this appearance becomes a claim of its own.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='annotations.claimacrossstories', verbose_name='claim across stories'),
        ),
        migrations.AddField(
            model_name='claimacrossstoriesevent',
            name='created_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by'),
        ),
        migrations.AddField(
            model_name='claimacrossstoriesevent',
            name='pgh_context',
            field=models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context'),
        ),
        migrations.AddField(
            model_name='claimacrossstoriesevent',
            name='pgh_obj',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='annotations.claimacrossstories'),
        ),
        migrations.AddField(
            model_name='claimtranslation',
            name='claim',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='translations', to='annotations.claimacrossstories', verbose_name='claim'),
        ),
        migrations.AddField(
            model_name='claimtranslation',
            name='created_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='added by'),
        ),
        migrations.AddField(
            model_name='claimtranslationevent',
            name='claim',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='annotations.claimacrossstories', verbose_name='claim'),
        ),
        migrations.AddField(
            model_name='claimtranslationevent',
            name='created_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='added by'),
        ),
        migrations.AddField(
            model_name='claimtranslationevent',
            name='pgh_context',
            field=models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context'),
        ),
        migrations.AddField(
            model_name='claimtranslationevent',
            name='pgh_obj',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='annotations.claimtranslation'),
        ),
        migrations.AddConstraint(
            model_name='claimacrossstories',
            constraint=models.CheckConstraint(condition=models.Q(('statement', ''), _negated=True), name='claim_across_statement_not_empty'),
        ),
        migrations.AddConstraint(
            model_name='claimacrossstories',
            constraint=models.CheckConstraint(condition=models.Q(('language__regex', '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$')), name='claim_across_language_bcp47'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='claimacrossstories',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "annotations_claimacrossstoriesevent" ("created_at", "created_by_id", "id", "key", "language", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "statement") VALUES (NEW."created_at", NEW."created_by_id", NEW."id", NEW."key", NEW."language", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."statement"); RETURN NULL;', hash='f62be4b53cabfca7ca33a0a0361c2c3a8f229c66', operation='INSERT', pgid='pgtrigger_insert_insert_58007', table='annotations_claimacrossstories', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='claimacrossstories',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "annotations_claimacrossstoriesevent" ("created_at", "created_by_id", "id", "key", "language", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "statement") VALUES (NEW."created_at", NEW."created_by_id", NEW."id", NEW."key", NEW."language", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."statement"); RETURN NULL;', hash='54716788dece28f826ed7a247be716614ef0bf39', operation='UPDATE', pgid='pgtrigger_update_update_0381e', table='annotations_claimacrossstories', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='claimacrossstories',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "annotations_claimacrossstoriesevent" ("created_at", "created_by_id", "id", "key", "language", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "statement") VALUES (OLD."created_at", OLD."created_by_id", OLD."id", OLD."key", OLD."language", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."statement"); RETURN NULL;', hash='8a0e1504083a6bfc8682e9836eb9210004f21e73', operation='DELETE', pgid='pgtrigger_delete_delete_27314', table='annotations_claimacrossstories', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='claimacrossstoriesevent',
            trigger=pgtrigger.compiler.Trigger(name='append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='5b20455b88dae55b56893c4616a8d80179fd44e1', operation='UPDATE OR DELETE', pgid='pgtrigger_append_only_53d9c', table='annotations_claimacrossstoriesevent', when='BEFORE')),
        ),
        migrations.AddConstraint(
            model_name='claimtranslation',
            constraint=models.UniqueConstraint(models.F('claim'), django.db.models.functions.text.Lower('language'), name='claim_translation_one_per_language'),
        ),
        migrations.AddConstraint(
            model_name='claimtranslation',
            constraint=models.CheckConstraint(condition=models.Q(('statement', ''), _negated=True), name='claim_translation_not_empty'),
        ),
        migrations.AddConstraint(
            model_name='claimtranslation',
            constraint=models.CheckConstraint(condition=models.Q(('language__regex', '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$')), name='claim_translation_language_bcp47'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='claimtranslation',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "annotations_claimtranslationevent" ("claim_id", "created_at", "created_by_id", "id", "language", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "statement") VALUES (NEW."claim_id", NEW."created_at", NEW."created_by_id", NEW."id", NEW."language", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."statement"); RETURN NULL;', hash='4e2fcf6c533d07925997f5f7336478781f0948f9', operation='INSERT', pgid='pgtrigger_insert_insert_44fbf', table='annotations_claimtranslation', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='claimtranslation',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "annotations_claimtranslationevent" ("claim_id", "created_at", "created_by_id", "id", "language", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "statement") VALUES (NEW."claim_id", NEW."created_at", NEW."created_by_id", NEW."id", NEW."language", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."statement"); RETURN NULL;', hash='bcfcceec0714032fde1f2af4bb16217f1af88b4a', operation='UPDATE', pgid='pgtrigger_update_update_67a43', table='annotations_claimtranslation', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='claimtranslation',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "annotations_claimtranslationevent" ("claim_id", "created_at", "created_by_id", "id", "language", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "statement") VALUES (OLD."claim_id", OLD."created_at", OLD."created_by_id", OLD."id", OLD."language", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."statement"); RETURN NULL;', hash='10d965b3fc429e330ddce7760862d8cc24960b14', operation='DELETE', pgid='pgtrigger_delete_delete_9a4df', table='annotations_claimtranslation', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='claimtranslationevent',
            trigger=pgtrigger.compiler.Trigger(name='append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='0797b8b702b682d2c2867dcc36000fd6a9f29a10', operation='UPDATE OR DELETE', pgid='pgtrigger_append_only_17d40', table='annotations_claimtranslationevent', when='BEFORE')),
        ),
    ]
