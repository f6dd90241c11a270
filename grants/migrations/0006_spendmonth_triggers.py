"""Keep grants_spendmonth equal to the sum of grants_expenditureline, whatever writes the lines.

Like 0003 for grants_spendsummary: lines are added to their return and month's row as they are
inserted, subtracted as they are deleted, and both on update; a row whose last line goes is
deleted. A new row copies its return's award and status, and a trigger on grants_spendreturn
copies them again when they change. Lines already written are summed into the table here. The
unique index is made here because Tortoise's CreateModel records ``Meta.constraints`` without
creating them.

On PostgreSQL the triggers are per statement, over the statement's transition tables: a
statement that writes many lines (a bulk load, COPY, deleting a return's lines) updates each
row once with the statement's totals, instead of once per line. Per-line updates inside one
transaction cannot be pruned until it commits, so a 1M-line COPY left a 30,000-row table at
166 MB. SQLite has no statement triggers and keeps one per line.
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


def _sums(table: str) -> str:
    """The statement's lines in ``table`` summed per row of grants_spendmonth, one column per category."""
    by_category = ", ".join(
        f"SUM(CASE WHEN l.category = '{c.value}' THEN l.amount_pence ELSE 0 END) AS {c.value}_pence" for c in BudgetCategory
    )
    return f"""
        SELECT l.spend_return_id, l.financial_year, l.quarter, l.spent_month, {by_category},
               SUM(l.amount_pence) AS amount_pence, COUNT(*) AS line_count
        FROM {table} l
        GROUP BY l.spend_return_id, l.financial_year, l.quarter, l.spent_month
    """


_MATCH = "m.spend_return_id = s.spend_return_id AND m.financial_year = s.financial_year AND m.quarter = s.quarter AND m.spent_month = s.spent_month"

_PG_SUBTRACT = f"""
        UPDATE grants_spendmonth m
        SET {", ".join(f"{col} = m.{col} - s.{col}" for col in [*_COLUMNS, "amount_pence", "line_count"])}
        FROM ({_sums("old_lines")}) s
        WHERE {_MATCH};
        DELETE FROM grants_spendmonth m USING (SELECT DISTINCT {_KEY_COLUMNS} FROM old_lines) s WHERE {_MATCH} AND m.line_count = 0;
"""

_PG_ADD = f"""
        INSERT INTO grants_spendmonth ({_KEY_COLUMNS}, award_id, status, {", ".join(_COLUMNS)}, amount_pence, line_count)
        SELECT s.spend_return_id, s.financial_year, s.quarter, s.spent_month, r.award_id, r.status,
               {", ".join(f"s.{col}" for col in _COLUMNS)}, s.amount_pence, s.line_count
        FROM ({_sums("new_lines")}) s JOIN grants_spendreturn r ON r.id = s.spend_return_id
        ON CONFLICT ({_KEY_COLUMNS})
        DO UPDATE SET {", ".join(f"{col} = grants_spendmonth.{col} + EXCLUDED.{col}" for col in [*_COLUMNS, "amount_pence", "line_count"])};
"""


def _pg_function(name: str, body: str) -> str:
    return f"""
CREATE FUNCTION {name}() RETURNS trigger AS $$
BEGIN
    {body}
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


_PG_TRIGGERS = [
    _pg_function("grants_spendmonth_insert", _PG_ADD),
    _pg_function("grants_spendmonth_delete", _PG_SUBTRACT),
    _pg_function("grants_spendmonth_update", _PG_SUBTRACT + _PG_ADD),
    """CREATE TRIGGER grants_expenditureline_spendmonth_insert AFTER INSERT ON grants_expenditureline
       REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION grants_spendmonth_insert()""",
    """CREATE TRIGGER grants_expenditureline_spendmonth_delete AFTER DELETE ON grants_expenditureline
       REFERENCING OLD TABLE AS old_lines FOR EACH STATEMENT EXECUTE FUNCTION grants_spendmonth_delete()""",
    """CREATE TRIGGER grants_expenditureline_spendmonth_update AFTER UPDATE ON grants_expenditureline
       REFERENCING OLD TABLE AS old_lines NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION grants_spendmonth_update()""",
]

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
                *_PG_TRIGGERS,
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
                *[f"DROP TRIGGER grants_expenditureline_spendmonth_{op} ON grants_expenditureline" for op in ("insert", "delete", "update")],
                *[f"DROP FUNCTION grants_spendmonth_{op}()" for op in ("insert", "delete", "update")],
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
