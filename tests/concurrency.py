"""Real concurrent transactions for the tests of races closed by row locks (PostgreSQL only: SQLite serialises
every writer, and its in-memory test database is not shared between threads)."""

import threading

import pytest
from django.db import connection, connections

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL): SQLite serialises writers"
)


def run_at_once(functions) -> list:
    """Starts every function in a thread of its own, all released together; returns, in order, what each returned
    or the exception it raised. Each thread closes its own database connections."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as exc:  # returned to the test, which asserts on it
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
