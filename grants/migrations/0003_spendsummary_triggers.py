"""Keep grants_spendsummary equal to the sum of grants_expenditureline, whatever writes the lines."""

from tortoise import migrations

from shortbreaks.migration_sql import dialect_sql

_KEY = "spend_return_id = {row}.spend_return_id AND category = {row}.category AND spent_month = {row}.spent_month"

_PG_FUNCTION = f"""
CREATE FUNCTION grants_spendsummary_apply() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE grants_spendsummary SET amount_pence = amount_pence - OLD.amount_pence, line_count = line_count - 1
        WHERE {_KEY.format(row="OLD")};
        DELETE FROM grants_spendsummary WHERE {_KEY.format(row="OLD")} AND line_count = 0;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO grants_spendsummary (spend_return_id, category, spent_month, financial_year, quarter, amount_pence, line_count)
        VALUES (NEW.spend_return_id, NEW.category, NEW.spent_month, NEW.financial_year, NEW.quarter, NEW.amount_pence, 1)
        ON CONFLICT (spend_return_id, category, spent_month)
        DO UPDATE SET amount_pence = grants_spendsummary.amount_pence + EXCLUDED.amount_pence,
                      line_count = grants_spendsummary.line_count + 1;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""

_SQLITE_ADD = """
    INSERT INTO grants_spendsummary (spend_return_id, category, spent_month, financial_year, quarter, amount_pence, line_count)
    VALUES (NEW.spend_return_id, NEW.category, NEW.spent_month, NEW.financial_year, NEW.quarter, NEW.amount_pence, 1)
    ON CONFLICT (spend_return_id, category, spent_month)
    DO UPDATE SET amount_pence = amount_pence + excluded.amount_pence, line_count = line_count + 1;
"""

_SQLITE_SUBTRACT = f"""
    UPDATE grants_spendsummary SET amount_pence = amount_pence - OLD.amount_pence, line_count = line_count - 1
    WHERE {_KEY.format(row="OLD")};
    DELETE FROM grants_spendsummary WHERE {_KEY.format(row="OLD")} AND line_count = 0;
"""


class Migration(migrations.Migration):
    dependencies = [("grants", "0002_spendsummary")]

    operations = [
        dialect_sql(
            postgres=[
                _PG_FUNCTION,
                """CREATE TRIGGER grants_expenditureline_summary AFTER INSERT OR UPDATE OR DELETE ON grants_expenditureline
                   FOR EACH ROW EXECUTE FUNCTION grants_spendsummary_apply()""",
            ],
            sqlite=[
                f"CREATE TRIGGER grants_expenditureline_summary_insert AFTER INSERT ON grants_expenditureline BEGIN {_SQLITE_ADD} END",
                f"CREATE TRIGGER grants_expenditureline_summary_delete AFTER DELETE ON grants_expenditureline BEGIN {_SQLITE_SUBTRACT} END",
                f"CREATE TRIGGER grants_expenditureline_summary_update AFTER UPDATE ON grants_expenditureline BEGIN {_SQLITE_SUBTRACT} {_SQLITE_ADD} END",
            ],
            reverse_postgres=[
                "DROP TRIGGER grants_expenditureline_summary ON grants_expenditureline",
                "DROP FUNCTION grants_spendsummary_apply()",
            ],
            reverse_sqlite=[
                "DROP TRIGGER grants_expenditureline_summary_insert",
                "DROP TRIGGER grants_expenditureline_summary_delete",
                "DROP TRIGGER grants_expenditureline_summary_update",
            ],
        )
    ]
