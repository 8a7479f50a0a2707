"""Claim matching: statement vectors and editors' decisions on suggested matches.

pgvector is created where the server offers it and the migrating role may create it (the embedded
server has it; a server without it keeps the vectors in a real[] column, and matching ranks by
words and entities first). The HNSW index exists only on a vector column.
"""

import annotations.models
import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('annotations', '0017_claims_across_stories_required'),
        ('articles', '0009_listing_undated_last'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunSQL(
            """
            DO $$ BEGIN
                IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
                    CREATE EXTENSION IF NOT EXISTS vector;
                END IF;
            EXCEPTION WHEN insufficient_privilege THEN
                RAISE NOTICE 'pgvector is offered but this role may not create it: vectors are kept as real[]';
            END $$;
            """,
            migrations.RunSQL.noop,
        ),
        migrations.CreateModel(
            name='ClaimMatch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('score', models.FloatField(verbose_name='score')),
                ('almost_certain', models.BooleanField(default=False, verbose_name='almost certainly the same')),
                ('how', models.TextField(verbose_name='how it was found')),
                ('decision', models.CharField(choices=[('joined', 'the same claim: joined'), ('dismissed', 'not the same claim')], max_length=20, verbose_name='decision')),
                ('decided_at', models.DateTimeField(auto_now=True, verbose_name='decided')),
            ],
            options={
                'verbose_name': 'claim match decision',
                'verbose_name_plural': 'claim match decisions',
            },
        ),
        migrations.CreateModel(
            name='StatementVector',
            fields=[
                ('digest', models.CharField(max_length=32, primary_key=True, serialize=False, verbose_name='digest')),
                ('encoder', models.CharField(max_length=60, verbose_name='encoder')),
                ('embedding', annotations.models.EmbeddingField(dimensions=512, verbose_name='vector')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='computed')),
            ],
            options={
                'verbose_name': 'statement vector',
                'verbose_name_plural': 'statement vectors',
            },
        ),
        migrations.AddIndex(
            model_name='claim',
            index=models.Index(django.db.models.functions.text.MD5('statement'), name='claim_statement_md5'),
        ),
        migrations.AddIndex(
            model_name='claimacrossstories',
            index=models.Index(django.db.models.functions.text.MD5('statement'), name='claim_across_statement_md5'),
        ),
        migrations.AddIndex(
            model_name='claimtranslation',
            index=models.Index(django.db.models.functions.text.MD5('statement'), name='claim_translation_md5'),
        ),
        migrations.AddField(
            model_name='claimmatch',
            name='candidate',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='annotations.claimacrossstories', verbose_name='suggested claim'),
        ),
        migrations.AddField(
            model_name='claimmatch',
            name='claim',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='matches', to='annotations.claim', verbose_name='claim'),
        ),
        migrations.AddField(
            model_name='claimmatch',
            name='decided_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by'),
        ),
        migrations.AddConstraint(
            model_name='claimmatch',
            constraint=models.UniqueConstraint(fields=('claim', 'candidate'), name='claim_match_unique_pair'),
        ),
        migrations.AddConstraint(
            model_name='claimmatch',
            constraint=models.CheckConstraint(condition=models.Q(('decision__in', ['joined', 'dismissed'])), name='claim_match_decision_valid'),
        ),
        migrations.AddConstraint(
            model_name='claimmatch',
            constraint=models.CheckConstraint(condition=models.Q(('score__gte', 0), ('score__lte', 1)), name='claim_match_score_range'),
        ),
        migrations.RunSQL(
            """
            DO $$ BEGIN
                IF EXISTS (
                    SELECT 1 FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                    WHERE a.attrelid = 'annotations_statementvector'::regclass AND a.attname = 'embedding'
                      AND t.typname = 'vector'
                ) THEN
                    CREATE INDEX statement_vector_hnsw ON annotations_statementvector
                        USING hnsw (embedding vector_ip_ops);
                END IF;
            END $$;
            """,
            "DROP INDEX IF EXISTS statement_vector_hnsw",
        ),
    ]
