from tortoise import migrations
from tortoise.migrations import operations as ops
from bookings.payments.enums import EventStatus, LedgerKind, PaymentStatus, RefundReason, RefundStatus
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint

class Migration(migrations.Migration):
    dependencies = [('bookings', '0004_booking_held_released'), ('core', '0004_account_constraints')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Payment',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('booking', fields.OneToOneField('bookings.Booking', source_field='booking_id', db_constraint=True, to_field='id', related_name='payment', on_delete=OnDelete.RESTRICT)),
                ('family', fields.ForeignKeyField('core.User', source_field='family_id', db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharEnumField(default=PaymentStatus.PENDING, description='PENDING: pending\nOPEN: open\nPAID: paid\nEXPIRED: expired\nFAILED: failed\nCANCELLED: cancelled', enum_type=PaymentStatus, max_length=12)),
                ('amount_pence', fields.IntField()),
                ('currency', fields.CharField(default='gbp', max_length=3)),
                ('attempt', fields.SmallIntField(default=0)),
                ('hold_expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('checkout_session_id', fields.CharField(null=True, unique=True, max_length=255)),
                ('checkout_url', fields.TextField(default='', unique=False)),
                ('payment_intent_id', fields.CharField(null=True, max_length=255)),
                ('amount_received_pence', fields.IntField(default=0)),
                ('refunded_pence', fields.IntField(default=0)),
                ('paid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('needs_review', fields.BooleanField(default=False)),
                ('review_reason', fields.CharField(default='', max_length=300)),
            ],
            options={'table': 'payments_payment', 'app': 'payments', 'constraints': [CheckConstraint(check='amount_pence > 0', name='payments_payment_amount_positive'), CheckConstraint(check='refunded_pence >= 0 AND refunded_pence <= amount_received_pence', name='payments_payment_refunds_within_received')], 'indexes': [Index(fields=['status', 'hold_expires_at']), Index(fields=['family_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'What a family owes for a held booking, and what Stripe says it paid.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Refund',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('payment', fields.ForeignKeyField('payments.Payment', source_field='payment_id', db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.RESTRICT)),
                ('amount_pence', fields.IntField()),
                ('reason', fields.CharEnumField(description='CANCELLED: cancelled\nCANCELLED_LATE: cancelled_late\nSESSION_CANCELLED: session_cancelled\nDECLINED: declined\nLATE_PAYMENT: late_payment\nSTRIPE: stripe', enum_type=RefundReason, max_length=20)),
                ('status', fields.CharEnumField(default=RefundStatus.QUEUED, description='QUEUED: queued\nPENDING: pending\nREQUIRES_ACTION: requires_action\nSUCCEEDED: succeeded\nFAILED: failed\nCANCELED: canceled\nATTENTION: attention', enum_type=RefundStatus, max_length=16)),
                ('stripe_refund_id', fields.CharField(null=True, unique=True, max_length=255)),
                ('attempts', fields.SmallIntField(default=0)),
                ('last_error', fields.CharField(default='', max_length=300)),
                ('requested_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('succeeded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'payments_refund', 'app': 'payments', 'constraints': [CheckConstraint(check='amount_pence > 0', name='payments_refund_amount_positive')], 'indexes': [Index(fields=['status', 'requested_at'])], 'pk_attr': 'id', 'table_description': 'A refund of (part of) a payment, queued in the transaction that made it due.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='LedgerEntry',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('payment', fields.ForeignKeyField('payments.Payment', source_field='payment_id', db_constraint=True, to_field='id', related_name='ledger_entries', on_delete=OnDelete.RESTRICT)),
                ('refund', fields.ForeignKeyField('payments.Refund', source_field='refund_id', null=True, db_constraint=True, to_field='id', related_name='ledger_entries', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharEnumField(description='PAYMENT: payment\nREFUND: refund', enum_type=LedgerKind, max_length=10)),
                ('amount_pence', fields.IntField()),
                ('stripe_object_id', fields.CharField(unique=True, max_length=255)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'payments_ledgerentry', 'app': 'payments', 'indexes': [Index(fields=['payment_id', 'occurred_at']), Index(fields=['occurred_at'])], 'pk_attr': 'id', 'table_description': 'Money that moved at Stripe: + a payment, - a refund, once per Stripe object.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StripeEvent',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=255)),
                ('type', fields.CharField(max_length=100)),
                ('object_id', fields.CharField(default='', max_length=255)),
                ('status', fields.CharEnumField(default=EventStatus.RECEIVED, description='RECEIVED: received\nPROCESSED: processed\nIGNORED: ignored\nATTENTION: attention', enum_type=EventStatus, max_length=10)),
                ('attempts', fields.SmallIntField(default=0)),
                ('last_error', fields.CharField(default='', max_length=300)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('processed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'payments_stripeevent', 'app': 'payments', 'indexes': [Index(fields=['status', 'received_at'])], 'pk_attr': 'id', 'table_description': 'A Stripe webhook event, stored once by its id.'},
            bases=['Model'],
        ),
        # CreateModel leaves Meta.constraints out: create them here.
        ops.AddConstraint(model_name='Payment', constraint=CheckConstraint(check='amount_pence > 0', name='payments_payment_amount_positive')),
        ops.AddConstraint(model_name='Payment', constraint=CheckConstraint(check='refunded_pence >= 0 AND refunded_pence <= amount_received_pence', name='payments_payment_refunds_within_received')),
        ops.AddConstraint(model_name='Refund', constraint=CheckConstraint(check='amount_pence > 0', name='payments_refund_amount_positive')),
    ]
