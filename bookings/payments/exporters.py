"""CSV of payments and refunds for an authority's reconciliation against Stripe's payouts."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from shortbreaks.clock import LONDON
from shortbreaks.exporters import spreadsheet_cell

CSV_COLUMNS = (
    "occurred_at_utc",
    "occurred_on_london",
    "kind",
    "amount_pence",
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
    """One line per ledger entry: payments positive, refunds negative, pence and pounds."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        pence = int(row["amount_pence"])
        sign = "-" if pence < 0 else ""
        writer.writerow(
            [
                row["occurred_at"].isoformat(),
                row["occurred_at"].astimezone(LONDON).date().isoformat(),
                str(row["kind"]),
                pence,
                f"{sign}{abs(pence) // 100}.{abs(pence) % 100:02d}",
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
