"""The audit log moves to the core app (every app writes it; core is the floor under all of them). Only Django's
record of the model leaves members: the table `members_auditlogentry` and its rows stay where they are, and
core 0002 takes the model over on the same table."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0009_delivery_attempted_at"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditLogEntry")],
            database_operations=[],
        ),
    ]
