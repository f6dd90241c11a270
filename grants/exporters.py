"""Grants in standard formats: CSV (awards, tranches, approved spend) and 360Giving JSON.

Only this module knows the standards' names. Amounts are pence everywhere except in what people
open in a spreadsheet, the CSV files (``*_gbp`` columns, ``1250.50``), and the 360Giving
package, which the standard wants in pounds as numbers: ``pence / 100`` exactly (a float of two
decimal places prints as exactly that decimal). Counts of children and
families go through :func:`shortbreaks.disclosure.suppress_counts` before they reach a CSV.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from grants.periods import financial_year_label
from grants.schemas import FundReport, GrantRecord
from shortbreaks.accounts.identifiers import identifier_problem
from shortbreaks.exporters import spreadsheet_cell
from shortbreaks.money import pounds_text

STANDARD_VERSION = "1.4"


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return spreadsheet_cell(value)
    if value is None:
        return ""
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue()


# --- CSV -------------------------------------------------------------------------------------------

AWARD_COLUMNS = (
    "grant_id",
    "reference",
    "title",
    "round",
    "recipient_name",
    "recipient_identifier",
    "local_authority",
    "region",
    "status",
    "amount_gbp",
    "paid_gbp",
    "approved_gbp",
    "children_reached",
    "families_reached",
)


def awards_csv(report: FundReport) -> str:
    """One row per award in the report, with its (suppressed) children and families reached."""
    outcomes = {row.award_id: row for row in report.outcomes.rows}
    rows = []
    for a in report.awards:
        o = outcomes.get(a.id)
        rows.append(
            (
                a.grant_id,
                a.reference,
                a.title,
                a.round_name,
                a.recipient_name,
                a.recipient_identifier,
                a.local_authority_name,
                a.region,
                a.status.value,
                pounds_text(a.amount_pence),
                pounds_text(a.paid_pence),
                pounds_text(a.approved_pence),
                o.children if o else "",
                o.families if o else "",
            )
        )
    return to_csv(AWARD_COLUMNS, rows)


TRANCHE_COLUMNS = ("grant_id", "tranche", "amount_gbp", "due_on", "paid_on")


def tranches_csv(rows: Iterable[dict[str, Any]], *, grant_id_prefix: str) -> str:
    return to_csv(
        TRANCHE_COLUMNS,
        (
            (
                f"{grant_id_prefix}-{r['award__reference']}",
                r["number"],
                pounds_text(r["amount_pence"]),
                _iso(r["due_on"]),
                _iso(r["paid_on"]),
            )
            for r in rows
        ),
    )


SPEND_COLUMNS = ("grant_id", "financial_year", "quarter", "spent_on", "category", "amount_gbp", "description", "evidence_reference")


async def spend_csv(batches: AsyncIterator[list[dict[str, Any]]], *, grant_id_prefix: str) -> AsyncIterator[str]:
    """Approved expenditure lines as CSV text, a batch at a time (a fund may have millions)."""
    yield to_csv(SPEND_COLUMNS, [])
    async for batch in batches:
        text = to_csv(
            SPEND_COLUMNS,
            (
                (
                    f"{grant_id_prefix}-{r['spend_return__award__reference']}",
                    financial_year_label(r["financial_year"]),
                    r["quarter"],
                    _iso(r["spent_on"]),
                    r["category"],
                    pounds_text(r["amount_pence"]),
                    r["description"],
                    r["evidence_reference"],
                )
                for r in batch
            ),
        )
        yield text.split("\r\n", 1)[1]


def _iso(value: date | datetime | str | None) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value)


# --- 360Giving --------------------------------------------------------------------------------------


def pounds(pence: int) -> int | float:
    """Pence as pounds for 360Giving: whole pounds as integers, otherwise exactly two decimals."""
    if pence % 100 == 0:
        return pence // 100
    return pence / 100


def _organisation(name: str, identifier: str) -> dict[str, Any]:
    org: dict[str, Any] = {"id": identifier, "name": name}
    if identifier.startswith("GB-CHC-"):
        org["charityNumber"] = identifier.removeprefix("GB-CHC-")
    elif identifier.startswith("GB-COH-"):
        org["companyNumber"] = identifier.removeprefix("GB-COH-")
    return org


def grant_360(record: GrantRecord) -> dict[str, Any]:
    return {
        "id": record.grant_id,
        "title": record.title,
        "description": record.description,
        "currency": record.currency,
        "amountAwarded": pounds(record.amount_pence),
        "awardDate": record.awarded_on.isoformat(),
        "plannedDates": [{"startDate": record.planned_start.isoformat(), "endDate": record.planned_end.isoformat()}],
        "recipientOrganization": [_organisation(record.recipient_name, record.recipient_identifier)],
        "fundingOrganization": [_organisation(record.funder_name, record.funder_identifier)],
        "beneficiaryLocation": [
            {"name": record.local_authority_name, "description": record.region, "countryCode": "GB"},
        ],
        "grantProgramme": [{"code": record.programme_code, "title": record.programme_title}],
        "dateModified": record.modified_at.isoformat(timespec="seconds"),
    }


def package_360(records: Iterable[GrantRecord], *, title: str, modified_at: datetime) -> dict[str, Any]:
    """A 360Giving data package: one grant per award."""
    return {
        "grants": [grant_360(r) for r in records],
        "version": STANDARD_VERSION,
        "title": title,
        "modified": modified_at.isoformat(timespec="seconds"),
    }


def dumps_360(package: dict[str, Any]) -> str:
    return json.dumps(package, ensure_ascii=False, indent=1)


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def data_quality_problems(package: dict[str, Any]) -> list[str]:
    """Checks the 360Giving schema does not make: real calendar dates, start before end,
    positive amounts, well-formed org identifiers (charity and company numbers) and unique ids."""
    problems: list[str] = []
    seen: set[str] = set()
    for grant in package.get("grants", []):
        gid = str(grant.get("id", ""))
        if gid in seen:
            problems.append(f"{gid}: the id is used twice")
        seen.add(gid)
        amount = grant.get("amountAwarded")
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount <= 0:
            problems.append(f"{gid}: amountAwarded must be a positive number")
        elif abs(amount * 100 - round(amount * 100)) > 1e-6:
            problems.append(f"{gid}: amountAwarded has fractions of a penny")
        dates = {"awardDate": grant.get("awardDate")}
        for i, period in enumerate(grant.get("plannedDates", [])):
            dates[f"plannedDates[{i}].startDate"] = period.get("startDate")
            dates[f"plannedDates[{i}].endDate"] = period.get("endDate")
        parsed: dict[str, date] = {}
        for name, value in dates.items():
            if value is None:
                continue
            text = str(value)[:10]
            try:
                if not _DATE.match(text):
                    raise ValueError(text)
                parsed[name] = date.fromisoformat(text)
            except ValueError:
                problems.append(f"{gid}: {name} {value} is not a real date")
        for i, _period in enumerate(grant.get("plannedDates", [])):
            start, end = parsed.get(f"plannedDates[{i}].startDate"), parsed.get(f"plannedDates[{i}].endDate")
            if start and end and not start < end:
                problems.append(f"{gid}: plannedDates[{i}] starts on or after it ends")
        for role in ("recipientOrganization", "fundingOrganization"):
            for org in grant.get(role, []):
                if problem := identifier_problem(str(org.get("id", ""))):
                    problems.append(f"{gid}: {role} {problem}")
                charity = org.get("charityNumber")
                if charity is not None and identifier_problem(f"GB-CHC-{charity}"):
                    problems.append(f"{gid}: {role} charityNumber {charity} is not well formed")
                company = org.get("companyNumber")
                if company is not None and identifier_problem(f"GB-COH-{company}"):
                    problems.append(f"{gid}: {role} companyNumber {company} is not well formed")
    return problems
