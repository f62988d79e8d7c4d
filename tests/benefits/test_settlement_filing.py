"""Settlement records (#20), the filing step: a chunk of matched records becomes stays and submitted claim lines in
one transaction and a fixed number of statements; a chunk delivered twice files and counts once; a worker dying in
the middle of a chunk leaves nothing half-filed, and the retry files it all; a record the claims' checks refuse
says why, on the page and in the report, and the import still finishes; a reader killed in the middle of a file
is resumed after its last batch, and a filing whose chunks stopped is queued again, by the sweep. Personas: the
claimant and another member (base A1, enrolled), the base reviewer who imports, members enrolled for the bulk
chunk."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from benefits.claims import services as claims
from benefits.claims import stays
from benefits.models import BenefitRule, Claim, ClaimStay, SettlementImport, SettlementRecord, SettlementRowError
from benefits.settlement import selectors, services
from core.models import AuditLogEntry, OutboxMessage
from core.services import outbox_sweep
from tests.benefits.claims_helpers import stay_facts
from tests.benefits.factories import make_active_enrolment
from tests.benefits.settlement_helpers import csv_upload, record_row

pytestmark = pytest.mark.django_db
S = Claim.State


@pytest.fixture
def world(claim_world):
    return claim_world


def _read_only(world, rows) -> SettlementImport:
    """The import created and read, its filing tasks queued but not run (no commit inside the test's transaction
    runs them): the tests below play the filing worker themselves."""
    job = services.settlement_import_create(actor=world.reviewer_base, branch_id=world.tree.base_a1.pk,
                                            uploaded_file=csv_upload(rows))
    services.settlement_import_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == SettlementImport.Status.FILING
    return job


def _file_all(job) -> int:
    return sum(services.settlement_claims_file(job_id=job.pk, first_id=first, last_id=last)
               for first, last in selectors.record_chunks(job.pk, services.FILE_CHUNK))


def test_a_chunk_delivered_twice_files_and_counts_once(world):
    job = _read_only(world, [record_row(world.claimant, "JS0001"), record_row(world.other, "JS0002")])
    first, last = selectors.record_chunks(job.pk, services.FILE_CHUNK)[0]
    assert services.settlement_claims_file(job_id=job.pk, first_id=first, last_id=last) == 2
    claims_after_first = Claim.objects.count()
    # The broker hands the same message out again (acks_late, a worker lost after the commit).
    assert services.settlement_claims_file(job_id=job.pk, first_id=first, last_id=last) == 0
    job.refresh_from_db()
    assert job.status == SettlementImport.Status.DONE and (job.matched_count, job.filed_count) == (2, 2)
    assert Claim.objects.count() == claims_after_first == 4
    assert AuditLogEntry.objects.filter(action="benefits.settlement.done").count() == 1
    assert world.reviewer_base.notifications.filter(kind="benefits.settlement.import_done").count() == 1


def test_a_worker_dying_in_the_middle_of_a_chunk_leaves_nothing_and_the_retry_files_it_all(world, monkeypatch):
    job = _read_only(world, [record_row(world.claimant, "JS0001"), record_row(world.other, "JS0002")])
    real = claims.claim_lines_file_submitted

    def dies_after_writing(**kwargs):
        real(**kwargs)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(claims, "claim_lines_file_submitted", dies_after_writing)
    with pytest.raises(OperationalError):
        _file_all(job)
    # The chunk's transaction rolled back: no stay, no line, no history, no queued assessment, nothing counted.
    assert not ClaimStay.objects.exists() and not Claim.objects.exists()
    assert not AuditLogEntry.objects.filter(action__startswith="benefits.claim.").exists()
    assert not OutboxMessage.objects.filter(task="benefits.tasks.assess_claims").exists()
    assert not SettlementRecord.objects.exclude(stay=None).exists()
    job.refresh_from_db()
    assert (job.status, job.filed_count) == (SettlementImport.Status.FILING, 0)

    monkeypatch.setattr(claims, "claim_lines_file_submitted", real)  # the task's retry
    assert _file_all(job) == 2
    job.refresh_from_db()
    assert job.status == SettlementImport.Status.DONE and job.filed_count == 2
    assert Claim.objects.filter(source=Claim.Source.SETTLEMENT, state=S.SUBMITTED).count() == 4
    assert OutboxMessage.objects.filter(task="benefits.tasks.assess_claims").count() == 1  # 4 lines: one task


def test_a_record_the_claims_checks_refuse_says_why_and_the_import_finishes(client, world,
                                                                            django_capture_on_commit_callbacks):
    # The claimant's tier has no stay benefit any more; the other member's record is filed as usual.
    BenefitRule.objects.filter(tier=world.enrolment.tier, kind__in=stays.STAY_KINDS).delete()
    world.other_enrolment.tier = world.plan.tiers.get(code="enhanced")
    world.other_enrolment.save(update_fields=["tier"])
    with django_capture_on_commit_callbacks(execute=True):
        job = services.settlement_import_create(actor=world.reviewer_base, branch_id=world.tree.base_a1.pk,
                                                uploaded_file=csv_upload([record_row(world.claimant, "JS0001"),
                                                                          record_row(world.other, "JS0002")]))
    job.refresh_from_db()
    assert job.status == SettlementImport.Status.DONE and (job.matched_count, job.filed_count) == (2, 2)
    refused = SettlementRecord.objects.get(settlement_number="JS0001")
    assert refused.stay is None and "不包含住院补助" in refused.not_filed
    assert SettlementRecord.objects.get(settlement_number="JS0002").stay is not None
    # Filed again (a late retry of the chunk): the refused record is not tried again.
    assert _file_all(job) == 0

    client.force_login(world.reviewer_base)
    page = client.get(f"/benefits/staff/settlement/{job.pk}/").content.decode()
    assert "已匹配，未生成申请" in page and "不包含住院补助" in page
    report = client.get(f"/benefits/staff/settlement/{job.pk}/report.csv").content.decode("utf-8-sig")
    assert "JS0001" in report and "不包含住院补助" in report and "JS0002" not in report


def test_a_stay_claimed_by_hand_is_in_the_report_with_the_members_claim_number(client, world,
                                                                               django_capture_on_commit_callbacks):
    hand = stays.stay_create(actor=world.claimant.user, enrolment_id=world.enrolment.pk, facts=stay_facts())
    line = Claim.objects.filter(stay=hand).first()
    with django_capture_on_commit_callbacks(execute=True):
        job = services.settlement_import_create(
            actor=world.reviewer_base, branch_id=world.tree.base_a1.pk, uploaded_file=csv_upload([
                record_row(world.claimant, "JS0001", admission=line.admission_date.isoformat(),
                           discharge=line.discharge_date.isoformat()),
                record_row(world.other, "JS0002", bed="bad")]))
    client.force_login(world.reviewer_base)
    report = client.get(f"/benefits/staff/settlement/{job.pk}/report.csv").content.decode("utf-8-sig").splitlines()
    # In the file's order: row 2 (matched, claimed by the member already), then row 3 (refused).
    assert report[1].startswith("2,") and line.number in report[1]
    assert report[2].startswith("3,")


def test_a_chunks_statements_do_not_grow_with_its_records(world, member_factory):
    members = [member_factory(branch=world.tree.base_a1) for _ in range(12)]
    for member in members:
        make_active_enrolment(world.plan, member)
    small = _read_only(world, [record_row(m, f"JS1{i:03d}") for i, m in enumerate(members[:3])])
    large = _read_only(world, [record_row(m, f"JS2{i:03d}", days_ago=40) for i, m in enumerate(members)])
    statements = []
    for job in (small, large):
        ContentType.objects.clear_cache()  # both start cold
        with CaptureQueriesContext(connection) as queries:
            _file_all(job)
        statements.append([q["sql"].split(" ", 1)[0] for q in queries.captured_queries])
    assert Claim.objects.filter(source=Claim.Source.SETTLEMENT).count() == 2 * 15
    if connection.vendor == "postgresql":
        assert len(statements[0]) == len(statements[1]), statements
    else:
        # SQLite splits a bulk INSERT at its bound-parameter limit (999): only INSERTs may be more.
        assert [s for s in statements[0] if s != "INSERT"] == [s for s in statements[1] if s != "INSERT"]
        assert statements[1].count("INSERT") <= statements[0].count("INSERT") + 4


class _WorkerKilled(Exception):
    pass


def _published(task: str) -> None:
    """The task's messages reached the broker (and were lost there): the outbox holds them as sent."""
    OutboxMessage.objects.filter(task=task).update(state="sent", sent_at=timezone.now())


def test_a_reader_killed_in_the_middle_of_a_file_is_resumed_after_its_last_batch(world, member_factory, monkeypatch,
                                                                                 django_capture_on_commit_callbacks):
    members = [world.claimant, world.other]
    for _ in range(3):
        member = member_factory(branch=world.tree.base_a1)
        make_active_enrolment(world.plan, member)
        members.append(member)
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    real_batch = services._read_batch
    batches = []

    def killed_at_the_second_batch(job, batch, *args):
        batches.append(len(batch))
        if len(batches) == 2:
            raise _WorkerKilled
        return real_batch(job, batch, *args)

    monkeypatch.setattr(services, "_read_batch", killed_at_the_second_batch)
    job = services.settlement_import_create(actor=world.reviewer_base, branch_id=world.tree.base_a1.pk,
                                            uploaded_file=csv_upload([record_row(m, f"JS{i:04d}")
                                                                      for i, m in enumerate(members)]))
    _published("benefits.tasks.settlement_import_run")
    with pytest.raises(_WorkerKilled):
        services.settlement_import_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.matched_count) == (SettlementImport.Status.READING, 2, 2)
    monkeypatch.setattr(services, "_read_batch", real_batch)

    # The broker hands the message out again at once (the pool child was killed): the reader may still be alive
    # as far as anyone knows, so the job is left alone.
    services.settlement_import_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed_rows) == (SettlementImport.Status.READING, 2)

    # Once its progress is older than the reading task's hard time limit, the sweep takes it up again.
    SettlementImport.objects.filter(pk=job.pk).update(
        progressed_at=timezone.now() - timedelta(seconds=settings.SETTLEMENT_IMPORT_TIME_LIMIT + 1))
    with django_capture_on_commit_callbacks(execute=True):
        counts = outbox_sweep(now=timezone.now())
    assert counts["benefits.settlement_imports_resume"] == 1
    job.refresh_from_db()
    assert job.status == SettlementImport.Status.DONE
    assert (job.total_rows, job.matched_count, job.duplicate_count, job.filed_count) == (5, 5, 0, 5)
    assert sorted(SettlementRecord.objects.values_list("settlement_number", flat=True)) == [
        f"JS{i:04d}" for i in range(5)]
    assert not SettlementRowError.objects.filter(job=job).exists()
    assert ClaimStay.objects.count() == 5


def test_a_filing_whose_chunks_stopped_coming_is_queued_again_by_the_sweep(world, django_capture_on_commit_callbacks):
    job = _read_only(world, [record_row(world.claimant, "JS0001"), record_row(world.other, "JS0002")])
    # Its chunks' messages were published, then lost (retries spent in a database outage): nothing happens while
    # its progress is recent.
    _published("benefits.tasks.settlement_claims_file")
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep(now=timezone.now())["benefits.settlement_imports_resume"] == 0
    SettlementImport.objects.filter(pk=job.pk).update(
        progressed_at=timezone.now() - timedelta(seconds=services.FILING_STALL_SECONDS + 1))
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep(now=timezone.now())["benefits.settlement_imports_resume"] == 1
    job.refresh_from_db()
    assert job.status == SettlementImport.Status.DONE and job.filed_count == 2
    assert ClaimStay.objects.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep(now=timezone.now())["benefits.settlement_imports_resume"] == 0
