
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

# The claim rules in SQL (their words are annotations.models.CLAIM_RULES). Run by the deferred
# constraint triggers below, at commit, for every claim a transaction touched; each rule refuses
# with SQLSTATE 23514 and its own name as the constraint, which the app turns into its message.
CLAIM_RULES_CHECK = """
CREATE OR REPLACE FUNCTION claim_rules_check(claim bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    current_status text;
    claim_article bigint;
    latest record;
    unnamed text;
BEGIN
    SELECT c.status, c.article_id INTO current_status, claim_article FROM annotations_claim c WHERE c.id = claim;
    IF NOT FOUND THEN
        RETURN;  -- deleted in this transaction, with its chain, evidence and history
    END IF;

    SELECT s.name INTO unnamed FROM annotations_attribution a JOIN articles_source s ON s.id = a.source_id
     WHERE a.claim_id = claim AND a.sourcing = 'on_record' AND s.kind = 'anonymous' LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'claim_unnamed_source_on_record',
            MESSAGE = format('claim %s: an unnamed source is cited on the record', claim), DETAIL = unnamed;
    END IF;

    IF EXISTS (SELECT 1 FROM annotations_evidence e
                 LEFT JOIN annotations_attribution a ON a.id = e.attribution_id
                 LEFT JOIN articles_source s ON s.id = a.source_id
                WHERE e.claim_id = claim AND e.kind = 'quote'
                  AND (a.claim_id IS DISTINCT FROM claim OR a.sourcing <> 'on_record' OR s.kind = 'anonymous')) THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'claim_quote_evidence_on_record',
            MESSAGE = format('claim %s: quoted evidence is not an on-record link of its own chain', claim);
    END IF;

    IF EXISTS (SELECT 1 FROM annotations_evidence e
                WHERE e.claim_id = claim AND e.kind = 'article' AND e.article_id = claim_article) THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'claim_article_evidence_elsewhere',
            MESSAGE = format('claim %s: evidence from another article names its own article', claim);
    END IF;

    IF EXISTS (SELECT 1 FROM annotations_evidence e JOIN annotations_claim o ON o.id = e.other_claim_id
                WHERE e.claim_id = claim AND e.kind = 'claim' AND o.article_id = claim_article) THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'claim_claim_evidence_elsewhere',
            MESSAGE = format('claim %s: evidence from a claim elsewhere names a claim of its own story', claim);
    END IF;

    SELECT h.to_status, h.evidence_id, e.kind AS evidence_kind, e.claim_id AS evidence_claim,
           e.other_claim_id AS evidence_other_claim INTO latest
      FROM annotations_claimstatuschange h LEFT JOIN annotations_evidence e ON e.id = h.evidence_id
     WHERE h.claim_id = claim ORDER BY h.id DESC LIMIT 1;
    IF current_status <> COALESCE(latest.to_status, 'unverified') THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'claim_status_recorded',
            MESSAGE = format('claim %s: status %s is not the one its history last recorded', claim, current_status);
    END IF;

    IF current_status = 'confirmed' THEN
        IF latest.evidence_id IS NULL OR latest.evidence_claim IS DISTINCT FROM claim THEN
            RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'claim_confirmed_names_evidence',
                MESSAGE = format('claim %s: confirmed without naming its own evidence', claim);
        END IF;
        -- Another story, or a claim of another story that is itself confirmed, confirms it
        -- whatever its own chain says; otherwise a named speaker or document on the record must.
        IF latest.evidence_kind IS DISTINCT FROM 'article' AND NOT EXISTS (
            SELECT 1 FROM annotations_claim o
             WHERE latest.evidence_kind = 'claim' AND o.id = latest.evidence_other_claim AND o.status = 'confirmed')
           AND NOT EXISTS (
            SELECT 1 FROM annotations_attribution a JOIN articles_source s ON s.id = a.source_id
             WHERE a.claim_id = claim AND a.role IN ('speaker', 'document') AND a.sourcing = 'on_record'
               AND s.kind <> 'anonymous') THEN
            RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'claim_confirmed_on_record',
                MESSAGE = format('claim %s: confirmed with no named on-record speaker or document, nor evidence elsewhere', claim);
        END IF;
    END IF;

    IF current_status = 'reported' AND NOT EXISTS (SELECT 1 FROM annotations_attribution a WHERE a.claim_id = claim) THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'claim_reported_attributed',
            MESSAGE = format('claim %s: reported with no attribution', claim);
    END IF;
END;
$$;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('annotations', '0007_submission'),
    ]

    operations = [
        migrations.RunSQL(CLAIM_RULES_CHECK, "DROP FUNCTION IF EXISTS claim_rules_check(bigint);"),
        pgtrigger.migrations.AddTrigger(
            model_name='attribution',
            trigger=pgtrigger.compiler.Trigger(name='claim_rules', sql=pgtrigger.compiler.UpsertTriggerSql(constraint='CONSTRAINT', func="IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM claim_rules_check(OLD.claim_id); END IF; IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.claim_id <> OLD.claim_id) THEN PERFORM claim_rules_check(NEW.claim_id); END IF; RETURN NULL;", hash='41f75edc39954671fc91c74dae7879118aff2285', operation='INSERT OR UPDATE OR DELETE', pgid='pgtrigger_claim_rules_d0cd4', table='annotations_attribution', timing='DEFERRABLE INITIALLY DEFERRED', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='claim',
            trigger=pgtrigger.compiler.Trigger(name='claim_rules', sql=pgtrigger.compiler.UpsertTriggerSql(constraint='CONSTRAINT', func='PERFORM claim_rules_check(NEW.id); RETURN NULL;', hash='9d2211830b448afb3a2726012783448a60964994', operation='INSERT OR UPDATE', pgid='pgtrigger_claim_rules_3698a', table='annotations_claim', timing='DEFERRABLE INITIALLY DEFERRED', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='claimstatuschange',
            trigger=pgtrigger.compiler.Trigger(name='claim_rules', sql=pgtrigger.compiler.UpsertTriggerSql(constraint='CONSTRAINT', func="IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM claim_rules_check(OLD.claim_id); END IF; IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.claim_id <> OLD.claim_id) THEN PERFORM claim_rules_check(NEW.claim_id); END IF; RETURN NULL;", hash='a4edb191548ef3119b421dd47bb2d1afd84fb6ad', operation='INSERT OR UPDATE OR DELETE', pgid='pgtrigger_claim_rules_0e8c8', table='annotations_claimstatuschange', timing='DEFERRABLE INITIALLY DEFERRED', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='evidence',
            trigger=pgtrigger.compiler.Trigger(name='claim_rules', sql=pgtrigger.compiler.UpsertTriggerSql(constraint='CONSTRAINT', func="IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM claim_rules_check(OLD.claim_id); END IF; IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.claim_id <> OLD.claim_id) THEN PERFORM claim_rules_check(NEW.claim_id); END IF; RETURN NULL;", hash='a34621770bc5ca920717268cdc581fab71e96d9f', operation='INSERT OR UPDATE OR DELETE', pgid='pgtrigger_claim_rules_bbd89', table='annotations_evidence', timing='DEFERRABLE INITIALLY DEFERRED', when='AFTER')),
        ),
    ]
