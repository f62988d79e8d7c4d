"""The version token of the in-memory nearest-search index (stations/index.py) and the triggers that move it.

Every INSERT, DELETE (and on PostgreSQL TRUNCATE) of `stations_station`, and every UPDATE of a column the
index holds, writes a new token into stations_stationindexversion's row 1 (inserted again if a flush removed
it), in the writer's own transaction: other connections see it when, and only if, the change commits. Tokens
never repeat, also across rolled-back transactions, so a process that built its index from a transaction
that later rolled back sees a token other than its index's and rebuilds:

- PostgreSQL: a statement-level trigger taking nextval() of a sequence (sequences never go back). BEFORE the
  statement, so a writer takes the version row's lock before any station row's: two concurrent writers queue
  on it instead of deadlocking on each other's stations. UPDATE OF the indexed columns: a statement that
  does not set them (save(update_fields=["name"])) leaves the token alone.
- SQLite: row-level triggers taking random() (64 random bits; SQLite has one writer at a time, so the row
  is never contended). Their WHEN clauses skip inactive rows and updates that change no indexed value.
"""

import random

from django.db import migrations, models

INDEXED_COLUMNS = ["id", "lat", "lng", "kind", "district", "is_active"] + [
    f"has_{code}" for code in ("water", "food_heating", "rest_seats", "toilet", "phone_charging", "first_aid",
                               "cooling_heating", "wifi", "books", "nursing_room")
]
VERSION_TABLE = "stations_stationindexversion"


def first_version(apps, schema_editor):
    apps.get_model("stations", "StationIndexVersion").objects.using(schema_editor.connection.alias).create(
        id=1, token=random.randrange(1, 2**62)  # noqa: S311 — not a secret, only never equal to a later one
    )


def _sqlite_bump() -> str:
    return (f"INSERT INTO {VERSION_TABLE} (id, token) VALUES (1, random()) "
            "ON CONFLICT (id) DO UPDATE SET token = excluded.token;")


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    columns = ", ".join(INDEXED_COLUMNS)
    if vendor == "postgresql":
        schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS stations_index_token_seq")
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION stations_index_bump() RETURNS trigger AS $$ BEGIN "
            f"INSERT INTO {VERSION_TABLE} (id, token) VALUES (1, nextval('stations_index_token_seq')) "
            "ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token; "
            "RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
        schema_editor.execute(
            "CREATE TRIGGER stations_station_index_bump "
            f"BEFORE INSERT OR DELETE OR TRUNCATE OR UPDATE OF {columns} ON stations_station "
            "FOR EACH STATEMENT EXECUTE FUNCTION stations_index_bump()"
        )
    elif vendor == "sqlite":
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in INDEXED_COLUMNS)
        schema_editor.execute(
            "CREATE TRIGGER stations_station_index_insert AFTER INSERT ON stations_station "
            f"WHEN NEW.is_active BEGIN {_sqlite_bump()} END"
        )
        schema_editor.execute(
            "CREATE TRIGGER stations_station_index_delete AFTER DELETE ON stations_station "
            f"WHEN OLD.is_active BEGIN {_sqlite_bump()} END"
        )
        schema_editor.execute(
            f"CREATE TRIGGER stations_station_index_update AFTER UPDATE OF {columns} ON stations_station "
            f"WHEN (OLD.is_active OR NEW.is_active) AND ({changed}) BEGIN {_sqlite_bump()} END"
        )
    else:
        raise NotImplementedError(f"stations index triggers for {vendor}")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS stations_station_index_bump ON stations_station")
        schema_editor.execute("DROP FUNCTION IF EXISTS stations_index_bump()")
        schema_editor.execute("DROP SEQUENCE IF EXISTS stations_index_token_seq")
    elif vendor == "sqlite":
        for name in ("insert", "delete", "update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS stations_station_index_{name}")


class Migration(migrations.Migration):

    dependencies = [
        ("stations", "0002_station_partial_lat_lng_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="StationIndexVersion",
            fields=[
                ("id", models.PositiveSmallIntegerField(primary_key=True, serialize=False)),
                ("token", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(first_version, migrations.RunPython.noop),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
