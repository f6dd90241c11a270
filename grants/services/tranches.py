"""Tranches: planning payments to the grantee and recording them paid, never past the award."""

from __future__ import annotations

from datetime import date, datetime

from tortoise.expressions import F
from tortoise.functions import Sum

from grants.errors import AlreadyPaid, OverPaid
from grants.models import Award, Fund, Tranche
from grants.services.checks import check_pence, require_funder, transaction
from shortbreaks import audit
from shortbreaks.errors import FieldError
from shortbreaks.permissions import Principal


async def schedule_tranche(award: Award, *, amount_pence: int, due_on: date, actor: Principal, now: datetime) -> Tranche:
    """Plan a payment. Planned tranches together never pass the award."""
    fund = await Fund.get(id=award.fund_id)
    require_funder(actor, fund)
    check_pence(amount_pence, field="amount_pence")
    async with transaction() as conn:
        current = await Award.filter(id=award.id).using_db(conn).select_for_update().get()
        planned = await Tranche.filter(award_id=award.id).using_db(conn).annotate(total=Sum("amount_pence")).first().values("total")
        already = (planned or {}).get("total") or 0
        if already + amount_pence > current.amount_pence:
            raise OverPaid("The planned tranches would add up to more than the award", errors=[FieldError("amount_pence", "Too much")])
        count = await Tranche.filter(award_id=award.id).using_db(conn).count()
        tranche = await Tranche.create(award_id=award.id, number=count + 1, amount_pence=amount_pence, due_on=due_on, using_db=conn)
        await audit.record(
            "grants.tranche.scheduled",
            actor=actor.user,
            record_type="tranche",
            record_id=tranche.id,
            now=now,
            after={"award_id": award.id, "amount_pence": amount_pence, "due_on": due_on.isoformat()},
            using_db=conn,
        )
    return tranche


async def pay_tranche(tranche: Tranche, *, paid_on: date, actor: Principal, now: datetime) -> Tranche:
    """Record a tranche as paid. Payments together never pass the award; a tranche is paid once."""
    award = await Award.get(id=tranche.award_id).select_related("fund")
    require_funder(actor, award.fund)
    async with transaction() as conn:
        marked = (
            await Tranche.filter(id=tranche.id, paid_on__isnull=True)
            .using_db(conn)
            .update(paid_on=paid_on, paid_by_id=actor.id, updated_at=now)
        )
        if not marked:
            raise AlreadyPaid()
        fitted = await (
            Award.filter(id=award.id, paid_pence__lte=F("amount_pence") - tranche.amount_pence)
            .using_db(conn)
            .update(paid_pence=F("paid_pence") + tranche.amount_pence)
        )
        if not fitted:
            raise OverPaid()
        await audit.record(
            "grants.tranche.paid",
            actor=actor.user,
            record_type="tranche",
            record_id=tranche.id,
            now=now,
            after={"award_id": award.id, "amount_pence": tranche.amount_pence, "paid_on": paid_on.isoformat()},
            using_db=conn,
        )
    return await Tranche.get(id=tranche.id)
