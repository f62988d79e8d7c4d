"""Bank accounts stored with full-width or other scripts' digits (before core.digits) are written in ASCII digits."""

import re
import unicodedata

from django.db import migrations


def _ascii_digits(value: str) -> str:
    text = unicodedata.normalize("NFKC", value or "")
    return "".join(str(unicodedata.decimal(ch)) if unicodedata.category(ch) == "Nd" else ch for ch in text)


def forwards(apps, schema_editor):
    Claim = apps.get_model("benefits", "Claim")
    for claim in Claim.objects.exclude(bank_account="").exclude(bank_account__regex=r"^[0-9]*$").only(
            "pk", "bank_account").iterator():
        account = re.sub(r"[\s-]", "", _ascii_digits(claim.bank_account))
        if account != claim.bank_account and re.fullmatch(r"[0-9]{8,30}", account):
            Claim.objects.filter(pk=claim.pk).update(bank_account=account)


class Migration(migrations.Migration):
    dependencies = [("benefits", "0004_claim_event_changes")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
