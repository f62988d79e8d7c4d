"""Settlement imports racing each other (#20): a settlement number is imported once ever, even when two imports
carrying it are read at the same moment by two workers, and a double tap on 上传 does not file two sets of claims.

The races are made to happen, not hoped for: each import is held after its duplicate check until the other has
made its own, so neither sees the other's records and the unique settlement number is what settles it (the
row-by-row fallback of the import that loses). Real concurrent transactions need PostgreSQL: SQLite serialises
every writer, and its in-memory test database is not shared between threads.

Personas: twelve enrolled members of base A1 (their hospital stays are in the files); the base reviewer and the
federation's reviewer, who both may import into base A1; the hospital's integration, posting records for base A1.
"""

import threading
from contextlib import contextmanager, suppress
from unittest import mock

import pytest
from django.db import IntegrityError
from django.test import Client

from benefits.models import Claim, ClaimStay, SettlementImport, SettlementRecord, SettlementRowError
from benefits.settlement import selectors, services
from core.sql import rows_insert
from tests.benefits.factories import make_active_enrolment
from tests.benefits.settlement_helpers import api_record, csv_upload, record_row
from tests.concurrency import postgres_only, run_at_once

DONE = SettlementImport.Status.DONE
DUPLICATE = SettlementRowError.Outcome.DUPLICATE
ALREADY_IMPORTED = "该结算单号已经导入过"


@pytest.fixture
def world(claim_world, member_factory):
    """The claims personas, and twelve members of base A1 enrolled in the plan: the stay of member i carries the
    settlement number JS%04d % (i + 1)."""
    claim_world.members = [member_factory(branch=claim_world.tree.base_a1) for _ in range(12)]
    for member in claim_world.members:
        make_active_enrolment(claim_world.plan, member)
    return claim_world


def _number(i: int) -> str:
    return f"JS{i + 1:04d}"


def _rows(world, indexes) -> list[list]:
    return [record_row(world.members[i], _number(i)) for i in indexes]


@contextmanager
def _not_run_yet():
    """Imports created here stay queued (their task is not run on commit): the test runs them itself, at once."""
    with mock.patch("core.services.outbox_publish"):
        yield


class ChecksMeet:
    """Stands in for `selectors.numbers_imported`: each import's first duplicate check waits, once made, until
    every other import has made its own. None of them can then see the others' records."""

    def __init__(self, imports: int):
        self.barrier = threading.Barrier(imports, timeout=30)
        self.waited: set[int] = set()
        self.real = selectors.numbers_imported

    def __call__(self, numbers):
        found = self.real(numbers)
        if threading.get_ident() not in self.waited:
            self.waited.add(threading.get_ident())
            self.barrier.wait()  # broken after 30 s: the test fails rather than hangs
        return found


class Inserts:
    """Stands in for `rows_insert` in the settlement services: logs each write of records (the job, the numbers,
    whether the unique number refused it). With `pause_after`, a job's first write of several records goes as two
    statements with a pause between them, as a batch of more than one statement's rows does (core.sql), and the
    pause lines the imports up: each has written its first part before either writes the rest. An import the
    database holds on the other's rows cannot get there; the other goes on after a short wait."""

    def __init__(self, *, pause_after: int | None = None, imports: int = 2):
        self.log: list[tuple[int, list[str], bool]] = []
        self.pause_after = pause_after
        self.barrier = threading.Barrier(imports, timeout=2)
        self.paused: set[int] = set()

    def _write(self, model, columns, rows):
        try:
            rows_insert(model, columns, rows)
        except IntegrityError:
            self.log.append((rows[0][1], [r[0] for r in rows], False))
            raise
        self.log.append((rows[0][1], [r[0] for r in rows], True))

    def __call__(self, model, columns, rows):
        job_id = rows[0][1] if rows else None
        if self.pause_after is None or len(rows) <= self.pause_after or job_id in self.paused:
            if rows:
                self._write(model, columns, rows)
            return
        self.paused.add(job_id)
        self._write(model, columns, rows[:self.pause_after])
        with suppress(threading.BrokenBarrierError):
            self.barrier.wait()
        self._write(model, columns, rows[self.pause_after:])

    def of(self, job) -> list[tuple[list[str], bool]]:
        return [(numbers, ok) for job_id, numbers, ok in self.log if job_id == job.pk]


def _read_at_once(jobs, inserts: Inserts) -> None:
    with (mock.patch.object(selectors, "numbers_imported", ChecksMeet(len(jobs))),
          mock.patch.object(services, "rows_insert", inserts)):
        results = run_at_once([lambda pk=job.pk: services.settlement_import_run(job_id=pk) for job in jobs])
    for result in results:
        if isinstance(result, Exception):
            raise result
    for job in jobs:
        job.refresh_from_db()


def _assert_imported_once_and_filed_once(world, jobs, *, numbers: int) -> None:
    """Every number of the files is a record exactly once; every record was filed as one stay of its member; each
    job is done and its rows add up."""
    assert sorted(SettlementRecord.objects.values_list("settlement_number", flat=True)) == [
        _number(i) for i in range(numbers)]
    assert sum(job.matched_count for job in jobs) == numbers
    for job in jobs:
        assert job.status == DONE, (job.pk, job.status)
        assert job.matched_count + job.duplicate_count == job.total_rows
        assert (job.not_enrolled_count, job.refused_count) == (0, 0)
        assert job.filed_count == job.matched_count
        assert SettlementRecord.objects.filter(job=job).count() == job.matched_count
    for member in world.members[:numbers]:
        record = SettlementRecord.objects.get(member=member)
        assert record.stay is not None, record.settlement_number
        assert ClaimStay.objects.filter(member=member).count() == 1, member
        assert Claim.objects.filter(member=member).exclude(stay=record.stay).count() == 0


def _loser_and_winner(jobs):
    loser = max(jobs, key=lambda job: job.duplicate_count)
    winner = min(jobs, key=lambda job: job.duplicate_count)
    assert winner.duplicate_count == 0 and loser is not winner
    return loser, winner


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_overlapping_imports_read_at_once_import_each_number_once(world):
    """The base reviewer uploads members 1-8, the federation's reviewer members 5-12, read by two workers at the
    same moment: both find none of 5-8 imported, so one of them meets them at the unique number."""
    with _not_run_yet():
        first = services.settlement_import_create(actor=world.reviewer_base, branch_id=world.tree.base_a1.pk,
                                                  uploaded_file=csv_upload(_rows(world, range(0, 8))))
        second = services.settlement_import_create(actor=world.reviewer_fed, branch_id=world.tree.base_a1.pk,
                                                   uploaded_file=csv_upload(_rows(world, range(4, 12))))
    inserts = Inserts()
    _read_at_once([first, second], inserts)

    _assert_imported_once_and_filed_once(world, [first, second], numbers=12)
    loser, winner = _loser_and_winner([first, second])
    assert (winner.matched_count, loser.matched_count, loser.duplicate_count) == (8, 4, 4)
    # The loser's batch met the winner's records at the unique number and went row by row: that fallback ran.
    batch, *one_by_one = inserts.of(loser)
    assert len(batch[0]) == 8 and batch[1] is False
    assert sorted(numbers[0] for numbers, _ok in one_by_one) == sorted(batch[0])
    assert sorted(numbers[0] for numbers, ok in one_by_one if not ok) == [_number(i) for i in range(4, 8)]
    report = SettlementRowError.objects.filter(job=loser)
    assert sorted(e.value for e in report) == [_number(i) for i in range(4, 8)]
    assert all(e.outcome == DUPLICATE and ALREADY_IMPORTED in e.message for e in report)
    assert [ok for _numbers, ok in inserts.of(winner)] == [True]
    assert not SettlementRowError.objects.filter(job=winner).exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_overlapping_imports_in_opposite_orders_do_not_deadlock(world, staff_of):
    """The base reviewer's file lists members 1-8 in order; the hospital's integration posts members 12 down to 5
    at the same moment. Each writes part of its batch before the other writes the rest: written in file order,
    each would then wait for a number the other holds (a deadlock; the loser's batch lost and its job left
    reading for good)."""
    integration, _token = services.settlement_integration_create(
        actor=staff_of(world.tree.base_a1), name="市医保结算系统", branch_id=world.tree.base_a1.pk)
    with _not_run_yet():
        upload = services.settlement_import_create(actor=world.reviewer_base, branch_id=world.tree.base_a1.pk,
                                                   uploaded_file=csv_upload(_rows(world, range(0, 8))))
        posted = services.settlement_import_post(
            integration=integration, branch_id=world.tree.base_a1.pk,
            records=[api_record(world.members[i], _number(i)) for i in reversed(range(4, 12))])
    inserts = Inserts(pause_after=6)
    _read_at_once([upload, posted], inserts)

    _assert_imported_once_and_filed_once(world, [upload, posted], numbers=12)
    loser, _winner = _loser_and_winner([upload, posted])
    assert loser.duplicate_count == 4
    assert any(not ok and len(numbers) > 1 for numbers, ok in inserts.of(loser))  # the fallback ran
    report = SettlementRowError.objects.filter(job=loser)
    assert sorted(e.value for e in report) == [_number(i) for i in range(4, 8)]
    assert all(e.outcome == DUPLICATE and ALREADY_IMPORTED in e.message for e in report)


# --- a double tap on 上传 ---------------------------------------------------------------------------------------


def _post(client, world, rows):
    return client.post("/benefits/staff/settlement/", {"branch": world.tree.base_a1.pk, "file": csv_upload(rows)})


def _assert_second_upload_filed_nothing(world, jobs, rows: int) -> None:
    assert len(jobs) == 2
    _assert_imported_once_and_filed_once(world, jobs, numbers=rows)
    loser, winner = _loser_and_winner(jobs)
    assert (winner.matched_count, loser.matched_count, loser.duplicate_count) == (rows, 0, rows)
    assert not SettlementRecord.objects.filter(job=loser).exists()
    assert list(SettlementRowError.objects.filter(job=loser).values_list("outcome", flat=True)) == [DUPLICATE] * rows


@pytest.mark.django_db
def test_a_double_tap_on_upload_files_the_claims_once(client, world, django_capture_on_commit_callbacks):
    """The base reviewer taps 上传 twice on a slow connection: both uploads are queued before either is read."""
    client.force_login(world.reviewer_base)
    rows = _rows(world, range(3))
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, world, rows).status_code == 302
        assert _post(client, world, rows).status_code == 302
    jobs = list(SettlementImport.objects.order_by("id"))
    _assert_second_upload_filed_nothing(world, jobs, 3)
    assert jobs[1].duplicate_count == 3  # read second: every row already imported
    page = client.get(f"/benefits/staff/settlement/{jobs[1].pk}/").content.decode()
    assert "已完成" in page and ALREADY_IMPORTED in page


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_double_tap_read_by_two_workers_at_once_files_the_claims_once(world):
    """The two uploads of a double tap are read at the same moment (tasks run in the requests here): one of them
    brings the records in, the other ends with every row a duplicate and no claim."""
    rows = _rows(world, range(3))
    clients = [Client(), Client()]
    for each in clients:
        each.force_login(world.reviewer_base)
    with (mock.patch.object(selectors, "numbers_imported", ChecksMeet(2)),
          mock.patch.object(services, "rows_insert", Inserts())):
        responses = run_at_once([lambda c=c: _post(c, world, rows) for c in clients])
    for response in responses:
        if isinstance(response, Exception):
            raise response
        assert response.status_code == 302
    _assert_second_upload_filed_nothing(world, list(SettlementImport.objects.order_by("id")), 3)
