"""CSV of payments and refunds for an authority's reconciliation against Stripe's payouts."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from shortbreaks.clock import LONDON
from shortbreaks.exporters import spreadsheet_cell
from shortbreaks.money import pounds_text

CSV_COLUMNS = (
    "occurred_at_utc",
    "occurred_on_london",
    "kind",
    "amount_gbp",
    "booking_reference",
    "session_starts_at_utc",
    "service",
    "provider",
    "stripe_object_id",
    "payment_id",
    "refund_id",
    "needs_review",
)


def ledger_csv(rows: Iterable[dict[str, Any]]) -> str:
    """One line per ledger entry: payments positive, refunds negative, in pounds (``25.00``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row["occurred_at"].isoformat(),
                row["occurred_at"].astimezone(LONDON).date().isoformat(),
                str(row["kind"]),
                pounds_text(int(row["amount_pence"])),
                row["payment__booking__reference"],
                row["payment__booking__starts_at"].isoformat(),
                spreadsheet_cell(str(row["payment__booking__service__name"])),
                spreadsheet_cell(str(row["payment__booking__service__provider__name"])),
                row["stripe_object_id"],
                str(row["payment_id"]),
                str(row["refund_id"] or ""),
                "yes" if row["payment__needs_review"] else "no",
            ]
        )
    return out.getvalue()
