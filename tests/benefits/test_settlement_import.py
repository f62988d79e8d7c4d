"""Settlement records (免申即享, #20): an import reads, matches and files claims by itself; a number is imported once
ever; bad rows are reported one by one; a stay claimed by hand and by record is paid once, whichever came first.
Personas: the claimant (base A1, enrolled), another member not enrolled, the base reviewer (may import), the
sibling base's reviewer (may not import into A1), finance of district A, an outsider."""

from decimal import Decimal

import pytest
from django.db import IntegrityError

from benefits.claims import services as claims
from benefits.claims import stays
from benefits.models import BenefitRule, Claim, SettlementImport, SettlementRecord, SettlementRowError
from benefits.settlement import services
from benefits.settlement.services import SettlementError
from core.models import AuditLogEntry
from tests.benefits.claims_helpers import stay_facts
from tests.benefits.settlement_helpers import csv_upload, record_row, xlsx_upload

pytestmark = pytest.mark.django_db
S = Claim.State


@pytest.fixture
def world(claim_world):
    return claim_world


def _import(world, upload, *, actor=None, branch=None):
    return services.settlement_import_create(actor=actor or world.reviewer_base,
                                             branch_id=(branch or world.tree.base_a1).pk, uploaded_file=upload)


def _run(django_capture_on_commit_callbacks, world, upload, **kw) -> SettlementImport:
    with django_capture_on_commit_callbacks(execute=True):
        job = _import(world, upload, **kw)
    job.refresh_from_db()
    return job


def test_a_matched_record_becomes_assessed_claims_marked_as_from_the_record(world, django_capture_on_commit_callbacks):
    job = _run(django_capture_on_commit_callbacks, world, csv_upload([record_row(world.claimant, "JS0001")]))
    assert job.status == SettlementImport.Status.DONE
    assert (job.total_rows, job.matched_count, job.filed_count) == (1, 1, 1)
    record = SettlementRecord.objects.get()
    lines = {c.kind: c for c in Claim.objects.filter(stay=record.stay)}
    assert set(lines) == {"hospital_daily", "inpatient_self_pay"}
    for line in lines.values():
        assert line.source == Claim.Source.SETTLEMENT
        assert line.state == S.BASE_REVIEW and line.proposed_amount > 0  # the same assessment as any claim
    assert lines["inpatient_self_pay"].self_paid == Decimal("5000.00")
    # One message for the stay, once both lines are assessed: each line's amount and the total.
    notes = list(world.claimant.user.notifications.filter(kind="benefits.settlement.found"))
    assert len(notes) == 1
    note = notes[0]
    total = lines["hospital_daily"].proposed_amount + lines["inpatient_self_pay"].proposed_amount
    assert f"{total:,.2f}" in note.title and note.url == f"/benefits/settlement/stays/{record.stay_id}/"
    for line in lines.values():
        assert f"{line.proposed_amount:,.2f}" in note.body
    # Filed as a member's own claim would be: created a draft, then submitted, each with its audit entry.
    for line in lines.values():
        assert list(line.events.order_by("at", "id").values_list("action", "from_state", "to_state"))[:2] == [
            ("create", "", S.DRAFT), ("submit", S.DRAFT, S.SUBMITTED)]
        assert set(AuditLogEntry.objects.filter(target_id=str(line.pk), action__startswith="benefits.claim.")
                   .values_list("action", flat=True)) >= {"benefits.claim.create", "benefits.claim.submit",
                                                          "benefits.claim.assess"}
    assert AuditLogEntry.objects.filter(action="benefits.settlement.filed", target_id=str(record.pk)).exists()
    # The reviewers are not messaged claim by claim (an import brings thousands): the uploader is told once.
    assert not world.reviewer_base.notifications.filter(kind="benefits.claim.review").exists()
    assert world.reviewer_base.notifications.filter(kind="benefits.settlement.import_done").count() == 1


def test_the_same_file_twice_or_an_overlapping_file_creates_nothing_new(world, django_capture_on_commit_callbacks):
    rows = [record_row(world.claimant, "JS0001"), record_row(world.other, "JS0002", days_ago=40)]
    _run(django_capture_on_commit_callbacks, world, csv_upload(rows))
    claims_before = Claim.objects.count()
    again = _run(django_capture_on_commit_callbacks, world, xlsx_upload(rows))
    assert (again.matched_count, again.duplicate_count) == (0, 2)
    overlapping = _run(django_capture_on_commit_callbacks, world, csv_upload(
        [rows[1], record_row(world.claimant, "JS0003", days_ago=50, length=2)]))
    assert (overlapping.matched_count, overlapping.duplicate_count) == (1, 1)
    assert SettlementRecord.objects.count() == 3
    assert Claim.objects.count() == claims_before + 2


def test_bad_rows_are_reported_one_by_one_and_nothing_else_is_held_back(world, member_factory,
                                                                        django_capture_on_commit_callbacks):
    not_enrolled = member_factory(branch=world.tree.base_a1)
    bad_checksum = world.claimant.id_number[:17] + ("0" if world.claimant.id_number[17] != "0" else "1")
    rows = [
        record_row(world.claimant, "JS0001"),
        record_row(world.claimant, "JS0002", admission="2026-13-01"),
        record_row(world.claimant, "JS0003", id_number=bad_checksum),
        record_row(not_enrolled, "JS0004"),
        record_row(world.claimant, "JS0001", days_ago=80),  # the same number twice in the file
        record_row(world.claimant, "JS0005", name="别人"),
    ]
    job = _run(django_capture_on_commit_callbacks, world, csv_upload(rows))
    assert (job.matched_count, job.refused_count, job.not_enrolled_count, job.duplicate_count) == (1, 2, 2, 1)
    report = {(e.row_number, e.outcome) for e in SettlementRowError.objects.filter(job=job)}
    assert report == {(3, "refused"), (4, "refused"), (5, "not_enrolled"), (6, "duplicate"), (7, "not_enrolled")}
    assert "校验位" in SettlementRowError.objects.get(job=job, row_number=4).message


def test_full_width_digits_and_a_lower_case_x_match_the_member(world, django_capture_on_commit_callbacks):
    number = world.claimant.id_number
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c.lower() for c in number)
    job = _run(django_capture_on_commit_callbacks, world, csv_upload([record_row(world.claimant, "JS0001",
                                                                                 id_number=wide)]))
    assert job.matched_count == 1


def test_a_file_with_wrong_headers_is_refused_at_once(world):
    with pytest.raises(SettlementError, match="缺少必需的列"):
        _import(world, csv_upload([record_row(world.claimant, "JS0001")], header=["姓名", "医院"]))
    assert not SettlementImport.objects.exists()


def test_staff_of_a_sibling_branch_or_finance_or_an_outsider_cannot_import(world):
    for actor in (world.reviewer_sibling, world.reviewer_b, world.nobody):
        with pytest.raises(SettlementError):
            _import(world, csv_upload([record_row(world.claimant, "JS0001")]), actor=actor)
    assert not SettlementImport.objects.exists()


def test_records_of_members_outside_the_imports_branch_are_not_matched(world, member_factory,
                                                                      django_capture_on_commit_callbacks):
    job = _run(django_capture_on_commit_callbacks, world, csv_upload([record_row(world.claimant, "JS0001")]),
               actor=world.reviewer_sibling, branch=world.tree.base_a2)
    assert (job.matched_count, job.not_enrolled_count) == (0, 1)


def test_a_stay_claimed_by_hand_first_is_not_filed_again(world, django_capture_on_commit_callbacks):
    hand = stays.stay_create(actor=world.claimant.user, enrolment_id=world.enrolment.pk, facts=stay_facts())
    first = Claim.objects.filter(stay=hand).first()
    job = _run(django_capture_on_commit_callbacks, world, csv_upload([record_row(
        world.claimant, "JS0001", admission=first.admission_date.isoformat(),
        discharge=first.discharge_date.isoformat())]))
    record = SettlementRecord.objects.get()
    assert job.matched_count == 1 and record.stay is None and record.already_claimed == first.number
    assert not Claim.objects.filter(source=Claim.Source.SETTLEMENT).exists()


def test_an_import_with_a_stay_claimed_by_hand_among_others_still_finishes(world, django_capture_on_commit_callbacks):
    hand = stays.stay_create(actor=world.claimant.user, enrolment_id=world.enrolment.pk, facts=stay_facts())
    first = Claim.objects.filter(stay=hand).first()
    job = _run(django_capture_on_commit_callbacks, world, csv_upload([
        record_row(world.claimant, "JS0001", admission=first.admission_date.isoformat(),
                   discharge=first.discharge_date.isoformat()),
        record_row(world.other, "JS0002")]))
    assert job.status == SettlementImport.Status.DONE and (job.matched_count, job.filed_count) == (2, 2)
    assert Claim.objects.filter(source=Claim.Source.SETTLEMENT, member=world.other).count() == 2


def test_a_stay_filed_from_a_record_first_cannot_be_claimed_by_hand(world, django_capture_on_commit_callbacks):
    facts = stay_facts()
    _run(django_capture_on_commit_callbacks, world, csv_upload([record_row(
        world.claimant, "JS0001", admission=str(facts["admission_date"]), discharge=str(facts["discharge_date"]))]))
    with pytest.raises(claims.ClaimError, match="已根据医保结算记录"):
        stays.stay_create(actor=world.claimant.user, enrolment_id=world.enrolment.pk, facts=facts)
    with pytest.raises(claims.ClaimError, match="已根据医保结算记录"):
        claims.claim_create(actor=world.claimant.user, enrolment_id=world.enrolment.pk, kind="hospital_daily",
                            facts={k: v for k, v in facts.items() if k in claims.fields_for_kind("hospital_daily")})
    assert Claim.objects.filter(source=Claim.Source.MEMBER).count() == 0


def test_the_plan_can_approve_small_record_claims_by_rule(world, django_capture_on_commit_callbacks):
    BenefitRule.objects.filter(tier__plan=world.plan, kind="hospital_daily").update(
        settlement_auto_approve_up_to=Decimal("10000.00"))
    _run(django_capture_on_commit_callbacks, world, csv_upload([record_row(world.claimant, "JS0001")]))
    daily = Claim.objects.get(kind="hospital_daily")
    self_pay = Claim.objects.get(kind="inpatient_self_pay")
    assert daily.state == S.APPROVED and daily.approved_amount == daily.proposed_amount
    assert daily.assessment["lines"][-1]["kind"] == "rule_approve"
    assert daily.events.filter(action="rule_approve").exists()
    assert self_pay.state == S.BASE_REVIEW  # no limit set for that kind: reviewed as any other


def test_a_refused_write_that_is_not_a_duplicate_is_not_reported_as_one(world, monkeypatch):
    # A CHECK or NOT NULL failing on the records' INSERT is a bug to see, not "imported before" in the report.
    def refused(records):
        raise IntegrityError("NOT NULL constraint failed: benefits_settlementrecord.not_filed")

    monkeypatch.setattr(services, "_records_insert", refused)
    job = _import(world, csv_upload([record_row(world.claimant, "JS0001")]))
    with pytest.raises(IntegrityError):
        services.settlement_import_run(job_id=job.pk)
    assert not SettlementRowError.objects.filter(outcome=SettlementRowError.Outcome.DUPLICATE).exists()
