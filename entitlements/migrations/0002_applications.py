"""Applications for a tier, decided by officers: council questions, applications, their history,
evidence files and reviews; the council's decision targets and renewal notice.

Tortoise's CreateModel records ``Meta.constraints`` without creating them, and SQLite cannot add a
CHECK to an existing table (there each CHECK is a pair of triggers raising its name): the SQL below
makes them, as ``0001_initial`` does.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from entitlements.enums import ApplicationEventKind, ApplicationStatus, QuestionKind, RefusalReason, ReviewStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint
from shortbreaks.migration_sql import StateOnly, dialect_sql

UNIQUE = [
    "CREATE UNIQUE INDEX entitlements_application_one_open ON entitlements_application (child_id, tier_code) WHERE status IN ('draft', 'submitted', 'more_info')",
    "CREATE UNIQUE INDEX entitlements_review_one_open ON entitlements_review (application_id) WHERE status = 'open'",
]

POSTGRES = [
    *UNIQUE,
    'ALTER TABLE entitlements_councilprofile ADD CONSTRAINT entitlements_councilprofile_targets CHECK (decision_target_days > 0 AND renewal_target_days > 0 AND renewal_invite_weeks BETWEEN 1 AND 26)',
    "ALTER TABLE entitlements_application ADD CONSTRAINT entitlements_application_submitted CHECK (status IN ('draft', 'withdrawn') OR submitted_at IS NOT NULL)",
    "ALTER TABLE entitlements_application ADD CONSTRAINT entitlements_application_approved CHECK (status <> 'approved' OR (allocation_id IS NOT NULL AND decided_at IS NOT NULL))",
    "ALTER TABLE entitlements_application ADD CONSTRAINT entitlements_application_refused CHECK (status <> 'refused' OR (refusal_reason IS NOT NULL AND decided_at IS NOT NULL))",
    "ALTER TABLE entitlements_application ADD CONSTRAINT entitlements_application_paused CHECK ((status = 'more_info') = (paused_at IS NOT NULL))",
    'ALTER TABLE entitlements_evidence ADD CONSTRAINT entitlements_evidence_size CHECK (size_bytes > 0)',
    'ALTER TABLE entitlements_review ADD CONSTRAINT entitlements_review_other_officer CHECK (reviewer_id IS NULL OR original_officer_id IS NULL OR reviewer_id <> original_officer_id)',
    "ALTER TABLE entitlements_review ADD CONSTRAINT entitlements_review_decided CHECK ((status = 'open') = (decided_at IS NULL))",
]

SQLITE = [
    *UNIQUE,
    "CREATE TRIGGER entitlements_councilprofile_targets_insert BEFORE INSERT ON entitlements_councilprofile WHEN NOT (NEW.decision_target_days > 0 AND NEW.renewal_target_days > 0 AND NEW.renewal_invite_weeks BETWEEN 1 AND 26) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_councilprofile_targets'); END",
    "CREATE TRIGGER entitlements_councilprofile_targets_update BEFORE UPDATE ON entitlements_councilprofile WHEN NOT (NEW.decision_target_days > 0 AND NEW.renewal_target_days > 0 AND NEW.renewal_invite_weeks BETWEEN 1 AND 26) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_councilprofile_targets'); END",
    "CREATE TRIGGER entitlements_application_submitted_insert BEFORE INSERT ON entitlements_application WHEN NOT (NEW.status IN ('draft', 'withdrawn') OR NEW.submitted_at IS NOT NULL) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_application_submitted'); END",
    "CREATE TRIGGER entitlements_application_submitted_update BEFORE UPDATE ON entitlements_application WHEN NOT (NEW.status IN ('draft', 'withdrawn') OR NEW.submitted_at IS NOT NULL) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_application_submitted'); END",
    "CREATE TRIGGER entitlements_application_approved_insert BEFORE INSERT ON entitlements_application WHEN NOT (NEW.status <> 'approved' OR (NEW.allocation_id IS NOT NULL AND NEW.decided_at IS NOT NULL)) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_application_approved'); END",
    "CREATE TRIGGER entitlements_application_approved_update BEFORE UPDATE ON entitlements_application WHEN NOT (NEW.status <> 'approved' OR (NEW.allocation_id IS NOT NULL AND NEW.decided_at IS NOT NULL)) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_application_approved'); END",
    "CREATE TRIGGER entitlements_application_refused_insert BEFORE INSERT ON entitlements_application WHEN NOT (NEW.status <> 'refused' OR (NEW.refusal_reason IS NOT NULL AND NEW.decided_at IS NOT NULL)) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_application_refused'); END",
    "CREATE TRIGGER entitlements_application_refused_update BEFORE UPDATE ON entitlements_application WHEN NOT (NEW.status <> 'refused' OR (NEW.refusal_reason IS NOT NULL AND NEW.decided_at IS NOT NULL)) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_application_refused'); END",
    "CREATE TRIGGER entitlements_application_paused_insert BEFORE INSERT ON entitlements_application WHEN NOT ((NEW.status = 'more_info') = (NEW.paused_at IS NOT NULL)) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_application_paused'); END",
    "CREATE TRIGGER entitlements_application_paused_update BEFORE UPDATE ON entitlements_application WHEN NOT ((NEW.status = 'more_info') = (NEW.paused_at IS NOT NULL)) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_application_paused'); END",
    "CREATE TRIGGER entitlements_evidence_size_insert BEFORE INSERT ON entitlements_evidence WHEN NOT (NEW.size_bytes > 0) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_evidence_size'); END",
    "CREATE TRIGGER entitlements_evidence_size_update BEFORE UPDATE ON entitlements_evidence WHEN NOT (NEW.size_bytes > 0) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_evidence_size'); END",
    "CREATE TRIGGER entitlements_review_other_officer_insert BEFORE INSERT ON entitlements_review WHEN NOT (NEW.reviewer_id IS NULL OR NEW.original_officer_id IS NULL OR NEW.reviewer_id <> NEW.original_officer_id) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_review_other_officer'); END",
    "CREATE TRIGGER entitlements_review_other_officer_update BEFORE UPDATE ON entitlements_review WHEN NOT (NEW.reviewer_id IS NULL OR NEW.original_officer_id IS NULL OR NEW.reviewer_id <> NEW.original_officer_id) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_review_other_officer'); END",
    "CREATE TRIGGER entitlements_review_decided_insert BEFORE INSERT ON entitlements_review WHEN NOT ((NEW.status = 'open') = (NEW.decided_at IS NULL)) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_review_decided'); END",
    "CREATE TRIGGER entitlements_review_decided_update BEFORE UPDATE ON entitlements_review WHEN NOT ((NEW.status = 'open') = (NEW.decided_at IS NULL)) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_review_decided'); END",
]

class Migration(migrations.Migration):
    dependencies = [('bookings', '0006_allocation_period'), ('core', '0001_initial'), ('core', '0002_audit_append_only'), ('core', '0003_two_factor'), ('core', '0004_account_constraints'), ('core', '0005_job_outbox'), ('core', '0006_password_reset'), ('core', '0007_organisation_contact'), ('entitlements', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Application',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('reference', fields.CharField(unique=True, max_length=12)),
                ('council', fields.ForeignKeyField('entitlements.CouncilProfile', source_field='council_id', db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.RESTRICT)),
                ('family', fields.ForeignKeyField('core.User', source_field='family_id', db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.RESTRICT)),
                ('child', fields.ForeignKeyField('bookings.Child', source_field='child_id', db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.RESTRICT)),
                ('tier', fields.ForeignKeyField('entitlements.Tier', source_field='tier_id', db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.RESTRICT)),
                ('tier_code', fields.CharField(max_length=40)),
                ('renewal_of', fields.ForeignKeyField('entitlements.Application', source_field='renewal_of_id', null=True, db_constraint=True, to_field='id', related_name='renewals', on_delete=OnDelete.SET_NULL)),
                ('status', fields.CharEnumField(default=ApplicationStatus.DRAFT, description='DRAFT: draft\nSUBMITTED: submitted\nMORE_INFO: more_info\nAPPROVED: approved\nREFUSED: refused\nWITHDRAWN: withdrawn', enum_type=ApplicationStatus, max_length=12)),
                ('answers', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('submitted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('assigned_to', fields.ForeignKeyField('core.User', source_field='assigned_to_id', null=True, db_constraint=True, to_field='id', related_name='applications_assigned', on_delete=OnDelete.SET_NULL)),
                ('info_request', fields.TextField(default='', unique=False)),
                ('paused_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('paused_working_days', fields.SmallIntField(default=0)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decided_by', fields.ForeignKeyField('core.User', source_field='decided_by_id', null=True, db_constraint=True, to_field='id', related_name='applications_decided', on_delete=OnDelete.SET_NULL)),
                ('approved_minutes', fields.IntField(null=True)),
                ('approved_pence', fields.BigIntField(null=True)),
                ('decision_reason', fields.TextField(default='', unique=False)),
                ('refusal_reason', fields.CharEnumField(null=True, description='OUTSIDE_AREA: outside_area\nOUTSIDE_AGE: outside_age\nNEEDS_NOT_MET: needs_not_met\nNOT_ENOUGH_EVIDENCE: not_enough_evidence\nOTHER_SUPPORT: other_support\nNO_REPLY: no_reply\nOTHER: other', enum_type=RefusalReason, max_length=24)),
                ('allocation', fields.ForeignKeyField('bookings.Allocation', source_field='allocation_id', null=True, db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'entitlements_application', 'app': 'entitlements', 'constraints': [UniqueConstraint(fields=('child_id', 'tier_code'), name='entitlements_application_one_open', condition="status IN ('draft', 'submitted', 'more_info')"), CheckConstraint(check="status IN ('draft', 'withdrawn') OR submitted_at IS NOT NULL", name='entitlements_application_submitted'), CheckConstraint(check="status <> 'approved' OR (allocation_id IS NOT NULL AND decided_at IS NOT NULL)", name='entitlements_application_approved'), CheckConstraint(check="status <> 'refused' OR (refusal_reason IS NOT NULL AND decided_at IS NOT NULL)", name='entitlements_application_refused'), CheckConstraint(check="(status = 'more_info') = (paused_at IS NOT NULL)", name='entitlements_application_paused')], 'indexes': [Index(fields=['council_id', 'status', 'submitted_at']), Index(fields=['family_id', 'created_at'])], 'pk_attr': 'id', 'table_description': "A family's application for one tier of a council's statement, for one child."},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='ApplicationEvent',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('entitlements.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='STARTED: started\nSUBMITTED: submitted\nEVIDENCE_ADDED: evidence_added\nASSIGNED: assigned\nMORE_INFO_REQUESTED: more_info_requested\nMORE_INFO_SENT: more_info_sent\nAPPROVED: approved\nREFUSED: refused\nWITHDRAWN: withdrawn\nREVIEW_REQUESTED: review_requested\nREVIEW_DECIDED: review_decided\nRENEWAL_INVITED: renewal_invited', enum_type=ApplicationEventKind, max_length=24)),
                ('actor', fields.ForeignKeyField('core.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='application_events', on_delete=OnDelete.SET_NULL)),
                ('detail', fields.TextField(default='', unique=False)),
                ('shared', fields.BooleanField(default=True)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'entitlements_applicationevent', 'app': 'entitlements', 'indexes': [Index(fields=['application_id', 'at'])], 'pk_attr': 'id', 'table_description': "One step in an application's history (append-only), shown to the family and the officers."},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Evidence',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('entitlements.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='evidence', on_delete=OnDelete.CASCADE)),
                ('filename', fields.CharField(max_length=255)),
                ('content_type', fields.CharField(max_length=40)),
                ('size_bytes', fields.IntField()),
                ('sha256', fields.CharField(max_length=64)),
                ('storage_key', fields.CharField(unique=True, max_length=100)),
                ('uploaded_by', fields.ForeignKeyField('core.User', source_field='uploaded_by_id', null=True, db_constraint=True, to_field='id', related_name='evidence_uploaded', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'entitlements_evidence', 'app': 'entitlements', 'constraints': [CheckConstraint(check='size_bytes > 0', name='entitlements_evidence_size')], 'pk_attr': 'id', 'table_description': 'A file a family sent with an application (PDF, JPEG or PNG), kept outside the web root.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Question',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('council', fields.ForeignKeyField('entitlements.CouncilProfile', source_field='council_id', db_constraint=True, to_field='id', related_name='questions', on_delete=OnDelete.CASCADE)),
                ('tier_code', fields.CharField(max_length=40)),
                ('position', fields.SmallIntField(default=0)),
                ('kind', fields.CharEnumField(description='TEXT: text\nCHOICE: choice\nYES_NO: yes_no\nDATE: date', enum_type=QuestionKind, max_length=12)),
                ('label', fields.CharField(max_length=300)),
                ('hint', fields.TextField(default='', unique=False)),
                ('choices', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('required', fields.BooleanField(default=True)),
                ('archived', fields.BooleanField(default=False)),
            ],
            options={'table': 'entitlements_question', 'app': 'entitlements', 'indexes': [Index(fields=['council_id', 'tier_code'])], 'pk_attr': 'id', 'table_description': "A question a council adds to the application form of one of its tiers (by the tier's stable"},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Review',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('entitlements.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='reviews', on_delete=OnDelete.CASCADE)),
                ('grounds', fields.TextField(unique=False)),
                ('requested_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('original_officer_id', fields.UUIDField(null=True)),
                ('reviewer', fields.ForeignKeyField('core.User', source_field='reviewer_id', null=True, db_constraint=True, to_field='id', related_name='reviews_assigned', on_delete=OnDelete.SET_NULL)),
                ('status', fields.CharEnumField(default=ReviewStatus.OPEN, description='OPEN: open\nUPHELD: upheld\nCHANGED: changed', enum_type=ReviewStatus, max_length=12)),
                ('outcome', fields.TextField(default='', unique=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'entitlements_review', 'app': 'entitlements', 'constraints': [UniqueConstraint(fields=('application_id',), name='entitlements_review_one_open', condition="status = 'open'"), CheckConstraint(check='reviewer_id IS NULL OR original_officer_id IS NULL OR reviewer_id <> original_officer_id', name='entitlements_review_other_officer'), CheckConstraint(check="(status = 'open') = (decided_at IS NULL)", name='entitlements_review_decided')], 'pk_attr': 'id', 'table_description': "A family's request to review a decision, decided by an officer other than the one who made it."},
            bases=['TimestampedModel'],
        ),
        ops.AddField(
            model_name='CouncilProfile',
            name='decision_target_days',
            field=fields.SmallIntField(default=20),
        ),
        ops.AddField(
            model_name='CouncilProfile',
            name='renewal_invite_weeks',
            field=fields.SmallIntField(default=6),
        ),
        ops.AddField(
            model_name='CouncilProfile',
            name='renewal_target_days',
            field=fields.SmallIntField(default=10),
        ),
        StateOnly(
            ops.AddConstraint(
                model_name='CouncilProfile',
                constraint=CheckConstraint(check='decision_target_days > 0 AND renewal_target_days > 0 AND renewal_invite_weeks BETWEEN 1 AND 26', name='entitlements_councilprofile_targets'),
            )
        ),
        dialect_sql(postgres=POSTGRES, sqlite=SQLITE),
    ]
