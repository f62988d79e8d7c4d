"""The audit log, taken over from the members app on its own table (members 0010 let go of it without touching the
table): no row moves. Its content type follows it, so the permissions granted on it (and any admin history) stay."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def content_type_follows(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="core", model="auditlogentry").exists():
        ContentType.objects.filter(app_label="members", model="auditlogentry").update(app_label="core")


def content_type_goes_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="members", model="auditlogentry").exists():
        ContentType.objects.filter(app_label="core", model="auditlogentry").update(app_label="members")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_outbox"),
        ("members", "0010_auditlogentry_to_core"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditLogEntry",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("action", models.CharField(db_index=True, max_length=80, verbose_name="操作")),
                        ("target_id", models.CharField(blank=True, max_length=64)),
                        ("data", models.JSONField(blank=True, default=dict, verbose_name="详情")),
                        ("created_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="时间")),
                        ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("target_type", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to="contenttypes.contenttype")),
                    ],
                    options={
                        "verbose_name": "操作日志",
                        "verbose_name_plural": "操作日志",
                        "ordering": ["-created_at", "-id"],
                        "db_table": "members_auditlogentry",
                        "indexes": [models.Index(fields=["target_type", "target_id"], name="members_aud_target__ab5434_idx")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_follows, content_type_goes_back),
    ]
