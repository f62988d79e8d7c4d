from io import StringIO

from django.core.management import call_command
from django.db import connection


def test_ensure_database_finds_the_database_it_runs_on(db):
    out = StringIO()
    call_command("ensure_database", stdout=out)
    if connection.vendor == "postgresql":
        assert out.getvalue().strip() == f"database {connection.settings_dict['NAME']} exists"
    else:
        assert out.getvalue().strip() == f"{connection.vendor}: nothing to create"


def test_seed_demo_prints_the_demo_accounts_and_can_run_twice(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "Demo data ready" in text
    assert "13900000000" in text
