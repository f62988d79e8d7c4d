"""A group order's wished dates become two picked dates (earliest, latest) instead of free text. Orders placed
before keep what was typed, at the head of their note, and have no dates."""

from django.conf import settings
from django.db import migrations, models


def keep_typed_dates_in_note(apps, schema_editor):
    GroupOrder = apps.get_model("culture", "GroupOrder")
    orders = list(GroupOrder.objects.exclude(wished_dates="").only("pk", "wished_dates", "note"))
    for order in orders:
        order.note = f"期望日期：{order.wished_dates}\n{order.note}".strip()
    GroupOrder.objects.bulk_update(orders, ["note"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('culture', '0006_booking_short_code'),
        ('members', '0009_delivery_attempted_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='grouporder',
            name='wished_from',
            field=models.DateField(null=True, verbose_name='期望最早日期'),
        ),
        migrations.AddField(
            model_name='grouporder',
            name='wished_to',
            field=models.DateField(null=True, verbose_name='期望最晚日期'),
        ),
        migrations.RunPython(keep_typed_dates_in_note, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='grouporder',
            name='wished_dates',
        ),
        migrations.AddConstraint(
            model_name='grouporder',
            constraint=models.CheckConstraint(condition=models.Q(('wished_to__gte', models.F('wished_from'))), name='culture_order_wished_dates_in_order'),
        ),
    ]
