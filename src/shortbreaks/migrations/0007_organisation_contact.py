from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0006_password_reset')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Organisation',
            name='contact_email',
            field=fields.CharField(default='', max_length=254),
        ),
        ops.AddField(
            model_name='Organisation',
            name='contact_phone',
            field=fields.CharField(default='', max_length=30),
        ),
        ops.AddField(
            model_name='Organisation',
            name='website',
            field=fields.CharField(default='', max_length=300),
        ),
    ]
