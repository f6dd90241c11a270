"""Drop grants_spendsummary and the triggers that kept it: nothing reads it.

The fund report reads grants_spendmonth (0005, 0006) instead, so the summary's per-line trigger
was work on every expenditure line written, for a table no query used. The triggers go first (a
trigger on grants_expenditureline would otherwise outlive its table), then the table.

Backwards, the table comes back with its unique index and triggers, summed again from the lines.
"""

from importlib import import_module

from tortoise import migrations
from tortoise.migrations import operations as ops

from shortbreaks.migration_sql import dialect_sql

# The trigger bodies as 0003 wrote them (its module name starts with a digit: no import statement).
_0003 = import_module("grants.migrations.0003_spendsummary_triggers")

_SQLITE_TRIGGERS = (
    "grants_expenditureline_summary_insert",
    "grants_expenditureline_summary_delete",
    "grants_expenditureline_summary_update",
)

_UNIQUE = "CREATE UNIQUE INDEX IF NOT EXISTS grants_spendsummary_unique ON grants_spendsummary (spend_return_id, category, spent_month)"

_BACKFILL = """
INSERT INTO grants_spendsummary (spend_return_id, category, spent_month, financial_year, quarter, amount_pence, line_count)
SELECT spend_return_id, category, spent_month, financial_year, quarter, SUM(amount_pence), COUNT(*)
FROM grants_expenditureline
GROUP BY spend_return_id, category, spent_month, financial_year, quarter
"""


class Migration(migrations.Migration):
    dependencies = [("grants", "0006_spendmonth_triggers")]

    operations = [
        dialect_sql(
            postgres=[
                "DROP TRIGGER IF EXISTS grants_expenditureline_summary ON grants_expenditureline",
                "DROP FUNCTION IF EXISTS grants_spendsummary_apply()",
            ],
            sqlite=[f"DROP TRIGGER IF EXISTS {name}" for name in _SQLITE_TRIGGERS],
            reverse_postgres=[
                _UNIQUE,
                _0003._PG_FUNCTION,
                """CREATE TRIGGER grants_expenditureline_summary AFTER INSERT OR UPDATE OR DELETE ON grants_expenditureline
                   FOR EACH ROW EXECUTE FUNCTION grants_spendsummary_apply()""",
                _BACKFILL,
            ],
            reverse_sqlite=[
                _UNIQUE,
                f"CREATE TRIGGER grants_expenditureline_summary_insert AFTER INSERT ON grants_expenditureline "
                f"BEGIN {_0003._SQLITE_ADD} END",
                f"CREATE TRIGGER grants_expenditureline_summary_delete AFTER DELETE ON grants_expenditureline "
                f"BEGIN {_0003._SQLITE_SUBTRACT} END",
                f"CREATE TRIGGER grants_expenditureline_summary_update AFTER UPDATE ON grants_expenditureline "
                f"BEGIN {_0003._SQLITE_SUBTRACT} {_0003._SQLITE_ADD} END",
                _BACKFILL,
            ],
        ),
        ops.DeleteModel(name="SpendSummary"),
    ]
