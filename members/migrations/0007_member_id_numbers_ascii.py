"""ID numbers stored with full-width or other scripts' digits (before core.digits) are written in ASCII digits.

A row whose ASCII form already belongs to another member is the same person registered twice: it is left as it is
(a migration cannot choose which record to keep) and named in the output for staff to merge."""

import re
import unicodedata

from django.db import migrations

_ASCII_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


def _ascii_digits(value: str) -> str:
    text = unicodedata.normalize("NFKC", value or "")
    return "".join(str(unicodedata.decimal(ch)) if unicodedata.category(ch) == "Nd" else ch for ch in text)


def forwards(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    for member in Member.objects.exclude(id_number__regex=r"^[0-9]{17}[0-9X]$").only("pk", "id_number").iterator():
        number = "".join(_ascii_digits(member.id_number).split()).upper()
        if number == member.id_number or not _ASCII_SHAPE.fullmatch(number):
            continue
        if Member.objects.filter(id_number=number).exclude(pk=member.pk).exists():
            print(f"\n  member {member.pk}: its ID number in ASCII digits belongs to another member; merge them by hand")
            continue
        Member.objects.filter(pk=member.pk).update(id_number=number)


class Migration(migrations.Migration):
    dependencies = [("members", "0006_sms_message")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
