"""Runs a benchmark module again on PostgreSQL (127.0.0.1:5432, trust auth), creating its database if missing."""

import os

DATABASE = "union_portal_bench"


def rerun_on_postgres(module: str) -> None:
    """Called at the end of a bench's run() on SQLite, unless BENCH_SKIP_POSTGRES=1."""
    if os.environ.get("BENCH_SKIP_POSTGRES") == "1":
        return
    import psycopg2

    try:
        conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=3)
    except psycopg2.OperationalError as e:
        print(f"PostgreSQL not reachable, skipped: {e}")
        return
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE DATABASE {DATABASE}")
    conn.close()
    print("-- again on PostgreSQL --", flush=True)
    env = {**os.environ, "BENCH_DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}"}
    from bench.report import run_child

    run_child(module.rsplit(".", 1)[-1].removeprefix("bench_"), env)  # its figures join the report
