"""Claims followed across stories, part 3: every claim is an appearance of a claim across stories,
and "same claim as" (which 0016 turned into shared claims) goes. Its column stays in the claims'
history table, so that what it held before is still on record there; the history triggers no
longer write it."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('annotations', '0016_claims_across_stories_data'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='claim',
            constraint=models.CheckConstraint(condition=models.Q(('across__isnull', False)), name='claim_has_claim_across_stories'),
        ),
        migrations.RemoveConstraint(
            model_name='claim',
            name='claim_not_same_as_itself',
        ),
        migrations.RemoveField(
            model_name='claim',
            name='same_as',
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name='claimevent', name='same_as')],
            database_operations=[],  # the column and the values old events hold in it stay
        ),
    ]
