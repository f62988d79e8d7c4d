"""The stations' change log (StationChange) and the triggers that append to it, for the search's cards in every
process (stations/cards.py).

Every INSERT, UPDATE and DELETE of a station, or of a station's opening hours, hours exception or rating, adds
a row naming the station, in the writer's own transaction (rolled back with it) — whatever wrote it: the
ORM, bulk_create, queryset.update, imports, raw SQL, cascades.

- PostgreSQL: row-level triggers; each row carries the writing transaction's id (pg_current_xact_id), since
  transactions do not commit in the order they write: a process's watermark is the xmin of the snapshot it
  last read the log with (every transaction below it had finished, so its rows were seen then), and it reads
  again every row at or above it. A TRUNCATE of one of the four tables logs station 0: every station.
- SQLite: row-level triggers; one writer at a time, so rows commit in id order and the id is the watermark.
  (Django's flush on SQLite deletes rows, which the triggers see one by one.)
"""

import django.utils.timezone
from django.db import migrations, models

# table → the column naming the station
LOGGED_TABLES = {
    "stations_station": "id",
    "stations_openinghours": "station_id",
    "stations_hoursexception": "station_id",
    "stations_rating": "station_id",
}
LOG_TABLE = "stations_stationchange"


def _pg_function(table: str, column: str) -> str:
    insert = f"INSERT INTO {LOG_TABLE} (station_id, txid, created_at) VALUES"
    now = "pg_current_xact_id()::text::bigint, clock_timestamp()"
    return (
        f"CREATE OR REPLACE FUNCTION {table}_change_log() RETURNS trigger AS $$ BEGIN "
        f"IF TG_OP = 'DELETE' THEN {insert} (OLD.{column}, {now}); RETURN NULL; END IF; "
        f"{insert} (NEW.{column}, {now}); "
        f"IF TG_OP = 'UPDATE' AND OLD.{column} IS DISTINCT FROM NEW.{column} THEN "
        f"{insert} (OLD.{column}, {now}); END IF; "
        "RETURN NULL; END; $$ LANGUAGE plpgsql"
    )


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION stations_truncate_change_log() RETURNS trigger AS $$ BEGIN "
            f"INSERT INTO {LOG_TABLE} (station_id, txid, created_at) "
            "VALUES (0, pg_current_xact_id()::text::bigint, clock_timestamp()); RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
        for table, column in LOGGED_TABLES.items():
            schema_editor.execute(_pg_function(table, column))
            schema_editor.execute(
                f"CREATE TRIGGER {table}_change_log AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_change_log()"
            )
            # AFTER: a flush truncates the log in the same statement; the marker must outlive it.
            schema_editor.execute(
                f"CREATE TRIGGER {table}_truncate_log AFTER TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION stations_truncate_change_log()"
            )
    elif vendor == "sqlite":
        now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
        for table, column in LOGGED_TABLES.items():
            for event, row in (("INSERT", "NEW"), ("DELETE", "OLD")):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_log_{event.lower()} AFTER {event} ON {table} BEGIN "
                    f"INSERT INTO {LOG_TABLE} (station_id, created_at) VALUES ({row}.{column}, {now}); END"
                )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_log_update AFTER UPDATE ON {table} BEGIN "
                f"INSERT INTO {LOG_TABLE} (station_id, created_at) VALUES (NEW.{column}, {now}); "
                f"INSERT INTO {LOG_TABLE} (station_id, created_at) SELECT OLD.{column}, {now} "
                f"WHERE OLD.{column} IS NOT NEW.{column}; END"
            )
    else:
        raise NotImplementedError(f"stations change log triggers for {vendor}")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in LOGGED_TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_change_log ON {table}")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_truncate_log ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_change_log()")
        schema_editor.execute("DROP FUNCTION IF EXISTS stations_truncate_change_log()")
    elif vendor == "sqlite":
        for table in LOGGED_TABLES:
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_log_{event}")


class Migration(migrations.Migration):

    dependencies = [
        ("stations", "0003_station_index_version"),
    ]

    operations = [
        migrations.CreateModel(
            name="StationChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("station_id", models.BigIntegerField()),
                ("txid", models.BigIntegerField(null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "indexes": [
                    models.Index(fields=["txid"], name="station_change_txid"),
                    models.Index(fields=["created_at"], name="station_change_created"),
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
