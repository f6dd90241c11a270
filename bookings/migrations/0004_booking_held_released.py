from tortoise import migrations
from tortoise.migrations import operations as ops
from bookings.enums import BookingStatus
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('bookings', '0003_declared_constraints'), ('core', '0004_account_constraints'), ('providers', '0001_initial'), ('providers', '0002_session_search_indexes')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Booking',
            name='status',
            field=fields.CharEnumField(description='HELD: held\nREQUESTED: requested\nCONFIRMED: confirmed\nATTENDED: attended\nNO_SHOW: no_show\nDECLINED: declined\nCANCELLED_BY_FAMILY: cancelled_by_family\nCANCELLED_BY_PROVIDER: cancelled_by_provider\nRELEASED: released', enum_type=BookingStatus, max_length=24),
        ),
    ]
