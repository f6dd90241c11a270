"""Create the constraints the models declare but no earlier migration made.

Tortoise's CreateModel records ``Meta.constraints`` without creating them; SQLite cannot add a
CHECK to an existing table, so there a CHECK becomes a pair of triggers with the same name.
``tests/core/test_schema_constraints.py`` checks that every declared constraint exists.
"""

from tortoise import migrations

from shortbreaks.migration_sql import dialect_sql

POSTGRES: list[str] = [
    ]

SQLITE = [
        'CREATE UNIQUE INDEX grants_award_reference_unique ON grants_award (fund_id, reference)',
        'CREATE UNIQUE INDEX grants_budgetline_unique ON grants_budgetline (award_id, category, financial_year)',
        'CREATE UNIQUE INDEX grants_round_code_unique ON grants_round (fund_id, code)',
        'CREATE UNIQUE INDEX grants_spendreturn_period_unique ON grants_spendreturn (award_id, financial_year, quarter)',
        'CREATE UNIQUE INDEX grants_tranche_number_unique ON grants_tranche (award_id, number)',
    ]


class Migration(migrations.Migration):
    dependencies = [("grants", "0003_spendsummary_triggers")]

    operations = [dialect_sql(postgres=POSTGRES, sqlite=SQLITE)]
