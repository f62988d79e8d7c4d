"""Creates the PostgreSQL database named in DATABASE_URL when it does not exist yet (`make stack`, CI).

SQLite needs nothing: migrate creates the file. The server and the role must exist already.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connections


class Command(BaseCommand):
    help = "Creates the default PostgreSQL database when missing; does nothing for SQLite."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--recreate", action="store_true", help="Drop the database first if it exists (a throwaway run's own)."
        )

    def handle(self, *args, database, recreate=False, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            self.stdout.write(f"{connection.vendor}: nothing to create")
            return
        name = connection.settings_dict["NAME"]
        # Connect to the maintenance database ("postgres"), as Django does to create test databases.
        with connection._nodb_cursor() as cursor:
            if recreate:
                cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)} WITH (FORCE)")
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                self.stdout.write(f"database {name} exists")
                return
            try:
                cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
            except Exception as exc:
                raise CommandError(f"could not create database {name}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"database {name} created"))
