"""Keep grants_spendmonth equal to the sum of grants_expenditureline, whatever writes the lines.

Like 0003 for grants_spendsummary: each line is added to its return and month's row as it is
inserted, subtracted as it is deleted, and both on update; a row whose last line goes is
deleted. A new row copies its return's award and status, and a trigger on grants_spendreturn
copies them again when they change. Lines already written are summed into the table here. The
unique index is made here because Tortoise's CreateModel records ``Meta.constraints`` without
creating them.
"""

from tortoise import migrations

from grants.enums import BudgetCategory
from shortbreaks.migration_sql import dialect_sql

_COLUMNS = [f"{c.value}_pence" for c in BudgetCategory]
_KEY_COLUMNS = "spend_return_id, financial_year, quarter, spent_month"
_KEY = (
    "spend_return_id = {row}.spend_return_id AND financial_year = {row}.financial_year"
    " AND quarter = {row}.quarter AND spent_month = {row}.spent_month"
)


def _by_category(row: str, sign: str = "") -> str:
    """``staffing_pence = staffing_pence - CASE WHEN OLD.category = 'staffing' THEN OLD.amount_pence ELSE 0 END, …``"""
    return ", ".join(
        f"{c.value}_pence = {c.value}_pence {sign} CASE WHEN {row}.category = '{c.value}' THEN {row}.amount_pence ELSE 0 END"
        for c in BudgetCategory
    )


_SUBTRACT = f"""
    UPDATE grants_spendmonth SET {_by_category("OLD", "-")}, amount_pence = amount_pence - OLD.amount_pence, line_count = line_count - 1
    WHERE {_KEY.format(row="OLD")};
    DELETE FROM grants_spendmonth WHERE {_KEY.format(row="OLD")} AND line_count = 0;
"""


def _add(excluded: str) -> str:
    values = ", ".join(f"CASE WHEN NEW.category = '{c.value}' THEN NEW.amount_pence ELSE 0 END" for c in BudgetCategory)
    updates = ", ".join(f"{col} = grants_spendmonth.{col} + {excluded}.{col}" for col in [*_COLUMNS, "amount_pence"])
    return f"""
    INSERT INTO grants_spendmonth ({_KEY_COLUMNS}, award_id, status, {", ".join(_COLUMNS)}, amount_pence, line_count)
    SELECT NEW.spend_return_id, NEW.financial_year, NEW.quarter, NEW.spent_month, r.award_id, r.status,
           {values}, NEW.amount_pence, 1
    FROM grants_spendreturn r WHERE r.id = NEW.spend_return_id
    ON CONFLICT ({_KEY_COLUMNS})
    DO UPDATE SET {updates}, line_count = grants_spendmonth.line_count + 1;
"""


_PG_FUNCTION = f"""
CREATE FUNCTION grants_spendmonth_apply() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        {_SUBTRACT}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {_add("EXCLUDED")}
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""

_RETURN_CHANGED = """
    UPDATE grants_spendmonth SET award_id = NEW.award_id, status = NEW.status WHERE spend_return_id = NEW.id;
"""

_PG_RETURN_FUNCTION = f"""
CREATE FUNCTION grants_spendmonth_return_changed() RETURNS trigger AS $$
BEGIN
    {_RETURN_CHANGED}
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""

_RETURN_WHEN = "WHEN (OLD.status <> NEW.status OR OLD.award_id <> NEW.award_id)"

_UNIQUE = f"CREATE UNIQUE INDEX IF NOT EXISTS grants_spendmonth_unique ON grants_spendmonth ({_KEY_COLUMNS})"

_BACKFILL = f"""
INSERT INTO grants_spendmonth ({_KEY_COLUMNS}, award_id, status, {", ".join(_COLUMNS)}, amount_pence, line_count)
SELECT l.spend_return_id, l.financial_year, l.quarter, l.spent_month, r.award_id, r.status,
       {", ".join(f"SUM(CASE WHEN l.category = '{c.value}' THEN l.amount_pence ELSE 0 END)" for c in BudgetCategory)},
       SUM(l.amount_pence), COUNT(*)
FROM grants_expenditureline l JOIN grants_spendreturn r ON r.id = l.spend_return_id
GROUP BY l.spend_return_id, l.financial_year, l.quarter, l.spent_month, r.award_id, r.status
"""


class Migration(migrations.Migration):
    dependencies = [("grants", "0005_spendmonth")]

    operations = [
        dialect_sql(
            postgres=[
                _UNIQUE,
                _PG_FUNCTION,
                """CREATE TRIGGER grants_expenditureline_spendmonth AFTER INSERT OR UPDATE OR DELETE ON grants_expenditureline
                   FOR EACH ROW EXECUTE FUNCTION grants_spendmonth_apply()""",
                _PG_RETURN_FUNCTION,
                f"""CREATE TRIGGER grants_spendreturn_spendmonth AFTER UPDATE OF status, award_id ON grants_spendreturn
                    FOR EACH ROW {_RETURN_WHEN} EXECUTE FUNCTION grants_spendmonth_return_changed()""",
                _BACKFILL,
            ],
            sqlite=[
                _UNIQUE,
                f"CREATE TRIGGER grants_expenditureline_spendmonth_insert AFTER INSERT ON grants_expenditureline BEGIN {_add('excluded')} END",
                f"CREATE TRIGGER grants_expenditureline_spendmonth_delete AFTER DELETE ON grants_expenditureline BEGIN {_SUBTRACT} END",
                f"CREATE TRIGGER grants_expenditureline_spendmonth_update AFTER UPDATE ON grants_expenditureline "
                f"BEGIN {_SUBTRACT} {_add('excluded')} END",
                f"CREATE TRIGGER grants_spendreturn_spendmonth AFTER UPDATE OF status, award_id ON grants_spendreturn "
                f"FOR EACH ROW {_RETURN_WHEN} BEGIN {_RETURN_CHANGED} END",
                _BACKFILL,
            ],
            reverse_postgres=[
                "DROP TRIGGER grants_expenditureline_spendmonth ON grants_expenditureline",
                "DROP FUNCTION grants_spendmonth_apply()",
                "DROP TRIGGER grants_spendreturn_spendmonth ON grants_spendreturn",
                "DROP FUNCTION grants_spendmonth_return_changed()",
            ],
            reverse_sqlite=[
                "DROP TRIGGER grants_expenditureline_spendmonth_insert",
                "DROP TRIGGER grants_expenditureline_spendmonth_delete",
                "DROP TRIGGER grants_expenditureline_spendmonth_update",
                "DROP TRIGGER grants_spendreturn_spendmonth",
            ],
        )
    ]
