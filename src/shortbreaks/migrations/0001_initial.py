from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.models import OutboxStatus
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('actor_id', fields.UUIDField(null=True)),
                ('actor_label', fields.CharField(default='', max_length=100)),
                ('action', fields.CharField(max_length=100)),
                ('record_type', fields.CharField(max_length=60)),
                ('record_id', fields.CharField(max_length=64)),
                ('before', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('after', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('request_id', fields.CharField(default='', max_length=64)),
            ],
            options={'table': 'core_auditevent', 'app': 'core', 'indexes': [Index(fields=['record_type', 'record_id']), Index(fields=['action', 'created_at']), Index(fields=['actor_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'An append-only record of one state change. Triggers in the migrations refuse UPDATE and DELETE.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LoginAttempt',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email_hash', fields.CharField(max_length=64)),
                ('ip', fields.CharField(max_length=45)),
                ('succeeded', fields.BooleanField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'core_loginattempt', 'app': 'core', 'indexes': [Index(fields=['email_hash', 'created_at']), Index(fields=['ip', 'created_at'])], 'pk_attr': 'id', 'table_description': 'One sign-in attempt, for throttling. Holds a hash of the email, never the email.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Organisation',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('kind', fields.CharEnumField(description='LOCAL_AUTHORITY: local_authority\nPROVIDER: provider\nFUNDER: funder\nCHARITY: charity\nCOMPANY: company', enum_type=OrganisationKind, max_length=20)),
                ('identifier', fields.CharField(unique=True, max_length=60)),
                ('region', fields.CharField(default='', max_length=60)),
            ],
            options={'table': 'core_organisation', 'app': 'core', 'pk_attr': 'id'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('dedupe_key', fields.CharField(unique=True, max_length=200)),
                ('to_email', fields.CharField(max_length=254)),
                ('subject', fields.CharField(max_length=200)),
                ('body', fields.TextField(unique=False)),
                ('status', fields.CharEnumField(default=OutboxStatus.PENDING, description='PENDING: pending\nSENDING: sending\nSENT: sent\nLOGGED: logged\nFAILED: failed', enum_type=OutboxStatus, max_length=10)),
                ('attempts', fields.IntField(default=0)),
                ('last_error', fields.CharField(default='', max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('claimed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'core_outboxmessage', 'app': 'core', 'indexes': [Index(fields=['status', 'created_at'])], 'pk_attr': 'id', 'table_description': 'An email written in the same transaction as the change it reports. A job delivers it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('password_hash', fields.CharField(max_length=255)),
                ('display_name', fields.CharField(max_length=100)),
                ('is_active', fields.BooleanField(default=True)),
                ('is_site_admin', fields.BooleanField(default=False)),
                ('email_verified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('password_changed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'core_user', 'app': 'core', 'constraints': [CheckConstraint(check='email = lower(email)', name='core_user_email_lower')], 'pk_attr': 'id'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='ApiToken',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('core.User', source_field='user_id', db_constraint=True, to_field='id', related_name='api_tokens', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('prefix', fields.CharField(max_length=12)),
                ('name', fields.CharField(default='', max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'core_apitoken', 'app': 'core', 'pk_attr': 'id', 'table_description': 'A bearer token for the API. Shown once, and only its SHA-256 is stored.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Invitation',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('organisation', fields.ForeignKeyField('core.Organisation', source_field='organisation_id', db_constraint=True, to_field='id', related_name='invitations', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharEnumField(description='FAMILY: family\nPROVIDER_STAFF: provider_staff\nLA_OFFICER: la_officer\nGRANTEE: grantee\nFUNDER: funder', enum_type=Role, max_length=20)),
                ('email', fields.CharField(max_length=254)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('invited_by', fields.ForeignKeyField('core.User', source_field='invited_by_id', null=True, db_constraint=True, to_field='id', related_name='invitations_sent', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('accepted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'core_invitation', 'app': 'core', 'pk_attr': 'id', 'table_description': "An administrator's invitation for a member of staff to join an organisation."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Membership',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('core.User', source_field='user_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.CASCADE)),
                ('organisation', fields.ForeignKeyField('core.Organisation', source_field='organisation_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.RESTRICT)),
                ('role', fields.CharEnumField(description='FAMILY: family\nPROVIDER_STAFF: provider_staff\nLA_OFFICER: la_officer\nGRANTEE: grantee\nFUNDER: funder', enum_type=Role, max_length=20)),
                ('is_org_admin', fields.BooleanField(default=False)),
            ],
            options={'table': 'core_membership', 'app': 'core', 'constraints': [UniqueConstraint(fields=('user_id', 'organisation_id', 'role'), name='core_membership_unique')], 'pk_attr': 'id'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='WebSession',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('user', fields.ForeignKeyField('core.User', source_field='user_id', db_constraint=True, to_field='id', related_name='web_sessions', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'core_websession', 'app': 'core', 'indexes': [Index(fields=['user_id', 'revoked_at'])], 'pk_attr': 'id', 'table_description': 'A signed-in browser. The cookie holds a random value, and only its SHA-256 is stored.'},
            bases=['Model'],
        ),
    ]
