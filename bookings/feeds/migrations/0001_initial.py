from tortoise import migrations
from tortoise.migrations import operations as ops
from bookings.feeds.enums import FeedKind
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('bookings', '0002_booking_rules'), ('core', '0003_two_factor'), ('providers', '0001_initial'), ('providers', '0002_session_search_indexes')]

    initial = True

    operations = [
        ops.CreateModel(
            name='CalendarImport',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('provider', fields.OneToOneField('providers.Provider', source_field='provider_id', db_constraint=True, to_field='id', related_name='calendar_import', on_delete=OnDelete.CASCADE)),
                ('url', fields.CharField(max_length=2000)),
                ('last_attempt_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_success_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error_code', fields.CharField(default='', max_length=40)),
                ('last_error', fields.CharField(default='', max_length=300)),
                ('busy_count', fields.IntField(default=0)),
            ],
            options={'table': 'feeds_calendarimport', 'app': 'feeds', 'pk_attr': 'id', 'table_description': "A provider's own calendar (Google, Outlook, any iCalendar URL) whose busy times block sessions."},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='FeedToken',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='FAMILY: family\nPROVIDER: provider', enum_type=FeedKind, max_length=10)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('family', fields.ForeignKeyField('core.User', source_field='family_id', null=True, db_constraint=True, to_field='id', related_name='feed_tokens', on_delete=OnDelete.CASCADE)),
                ('child', fields.ForeignKeyField('bookings.Child', source_field='child_id', null=True, db_constraint=True, to_field='id', related_name='feed_tokens', on_delete=OnDelete.CASCADE)),
                ('provider', fields.ForeignKeyField('providers.Provider', source_field='provider_id', null=True, db_constraint=True, to_field='id', related_name='feed_tokens', on_delete=OnDelete.CASCADE)),
                ('reset_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'feeds_feedtoken', 'app': 'feeds', 'constraints': [CheckConstraint(check="(kind = 'family' AND family_id IS NOT NULL AND provider_id IS NULL) OR (kind = 'provider' AND provider_id IS NOT NULL AND family_id IS NULL AND child_id IS NULL)", name='feeds_feedtoken_one_owner')], 'indexes': [Index(fields=['family_id', 'revoked_at']), Index(fields=['provider_id', 'revoked_at'])], 'pk_attr': 'id', 'table_description': 'A private calendar feed URL: /feeds/f/TOKEN.ics (family) or /feeds/p/TOKEN.ics (provider).'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='ImportBlock',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('calendar_import', fields.ForeignKeyField('feeds.CalendarImport', source_field='calendar_import_id', db_constraint=True, to_field='id', related_name='blocks', on_delete=OnDelete.CASCADE)),
                ('session', fields.ForeignKeyField('providers.Session', source_field='session_id', db_constraint=True, to_field='id', related_name='import_blocks', on_delete=OnDelete.CASCADE)),
                ('has_bookings', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'feeds_importblock', 'app': 'feeds', 'constraints': [UniqueConstraint(fields=('calendar_import_id', 'session_id'), name='feeds_importblock_once')], 'pk_attr': 'id', 'table_description': 'A session an import blocked for new bookings (has_bookings flags it to the provider).'},
            bases=['Model'],
        ),
    ]
