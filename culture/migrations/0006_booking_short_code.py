"""Every booking gets a short typable code; existing tickets get one too (their long QR code keeps working)."""

import secrets

from django.db import migrations, models

import culture.models

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # models.SHORT_CODE_ALPHABET as of this migration


def backfill(apps, schema_editor):
    Booking = apps.get_model("culture", "Booking")
    taken = set(Booking.objects.exclude(short_code=None).values_list("short_code", flat=True))
    for booking in Booking.objects.filter(short_code=None).only("pk").iterator():
        code = None
        while code is None or code in taken:
            code = "".join(secrets.choice(ALPHABET) for __ in range(8))
        taken.add(code)
        Booking.objects.filter(pk=booking.pk).update(short_code=code)


class Migration(migrations.Migration):
    dependencies = [("culture", "0005_alter_booking_name_alter_waitlistentry_name")]

    operations = [
        migrations.AddField(model_name="booking", name="short_code",
                            field=models.CharField(max_length=8, null=True, verbose_name="短票码")),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(model_name="booking", name="short_code",
                              field=models.CharField(default=culture.models.new_short_code, max_length=8,
                                                    unique=True, verbose_name="短票码")),
    ]
