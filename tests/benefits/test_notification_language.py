"""Benefits messages are written in the recipient's language, whoever's action sends them.

Personas: a Chinese-speaking actor (the request's or the task's language is Chinese) — the member themself, a
reviewer, finance staff or the beat task — tells an English-speaking member or reviewer something; a
Chinese-speaking member or reviewer told the same thing still reads the Chinese text. Expected English texts are
the translations in locale/en/LC_MESSAGES/django.po."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone, translation

from benefits import services
from benefits.claims import services as claims
from benefits.models import Claim, Enrolment
from members.models import Notification
from tests.benefits.claims_helpers import PDF_BYTES, png_bytes, stay_facts, upload
from tests.benefits.factories import make_plan

pytestmark = pytest.mark.django_db


def _speaks_english(user):
    user.language = "en"
    user.save(update_fields=["language"])
    return user


def _latest(user, kind):
    return Notification.objects.filter(user=user, kind=kind).latest("id")


@pytest.fixture
def chinese_actor():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def world(claim_world, staff_of):
    """claim_world with an English-speaking claimant, base reviewer and federation reviewer; the other member and
    a second base reviewer keep Chinese (the default)."""
    _speaks_english(claim_world.claimant.user)
    _speaks_english(claim_world.reviewer_base)
    _speaks_english(claim_world.reviewer_fed)
    claim_world.chinese_base_reviewer = staff_of(claim_world.tree.base_a1, role="claims_reviewer")
    claim_world.chinese_fed_reviewer = staff_of(claim_world.tree.city, role="claims_reviewer")
    return claim_world


def _draft(member, enrolment, invoices):
    return claims.claim_create(actor=member.user, enrolment_id=enrolment.pk, kind="inpatient_self_pay",
                               facts=stay_facts(invoice_numbers=invoices))


def _submitted(member, enrolment, invoices, callbacks):
    claim = _draft(member, enrolment, invoices)
    claims.document_add(actor=member.user, claim_id=claim.pk, kind="invoice", upload=upload(PDF_BYTES, "a.pdf"))
    claims.document_add(actor=member.user, claim_id=claim.pk, kind="discharge_summary",
                        upload=upload(png_bytes(), "b.png"))
    with callbacks(execute=True):  # the assessment task runs on commit
        claims.claim_submit(actor=member.user, claim_id=claim.pk)
    claim.refresh_from_db()
    return claim


# --- claims -----------------------------------------------------------------------------------------------


def test_submitting_and_the_assessment_tell_each_member_and_reviewer_in_their_language(
    world, chinese_actor, django_capture_on_commit_callbacks
):
    english = _submitted(world.claimant, world.enrolment, "FPEN0001", django_capture_on_commit_callbacks)
    chinese = _submitted(world.other, world.other_enrolment, "FPZH0001", django_capture_on_commit_callbacks)
    assert english.state == chinese.state == Claim.State.BASE_REVIEW

    submitted = _latest(world.claimant.user, "benefits.claim.submitted")
    assert submitted.title == f"Your claim {english.number} has been submitted"
    assert submitted.body == ("After assessment, the union will review your claim. We will let you know at "
                              "every step.")
    assessed = _latest(world.claimant.user, "benefits.claim.base_review")
    assert assessed.title == f"Your claim {english.number} is now under review"
    assert assessed.body == "Assessed amount: 900.00 yuan. The union's review decides the final amount."

    assert _latest(world.other.user, "benefits.claim.submitted").title == f"您的补助申请 {chinese.number} 已提交"
    assessed_zh = _latest(world.other.user, "benefits.claim.base_review")
    assert assessed_zh.title == f"您的补助申请 {chinese.number} 已进入审核"
    assert assessed_zh.body == "系统核算金额 900.00 元，以工会审核结果为准。"

    to_english = Notification.objects.get(user=world.reviewer_base, kind="benefits.claim.review",
                                          title__endswith=english.number)
    assert to_english.title == f"A claim is waiting for review: {english.number}"
    assert to_english.body == f"{world.claimant.name}, Inpatient self-paid costs subsidy."
    to_chinese = Notification.objects.get(user=world.chinese_base_reviewer, kind="benefits.claim.review",
                                          title__endswith=english.number)
    assert to_chinese.title == f"有一份补助申请待审核：{english.number}"
    assert to_chinese.body == f"{world.claimant.name}，住院自付费用补助。"
    assert translation.get_language() == "zh-hans"  # the actor's language is left as it was


def test_the_assessment_writes_english_without_an_extra_statement(
    world, chinese_actor, django_assert_max_num_queries
):
    """The users the assessment reads by raw SQL carry their language: no query per message, and not the
    default language of a user built by hand."""
    first = _draft(world.other, world.other_enrolment, "FPQ1")
    second = _draft(world.claimant, world.enrolment, "FPQ2")
    Claim.objects.filter(pk__in=[first.pk, second.pk]).update(state=Claim.State.SUBMITTED, version=F("version") + 1)
    claims.claim_assess(claim_id=first.pk)
    with django_assert_max_num_queries(13):  # as pinned in test_claims_assess_cost
        claims.claim_assess(claim_id=second.pk)
    assert _latest(world.claimant.user, "benefits.claim.base_review").title == (
        f"Your claim {second.number} is now under review")
    assert _latest(world.reviewer_base, "benefits.claim.review").body == (
        f"{world.claimant.name}, Inpatient self-paid costs subsidy.")
    to_chinese = _latest(world.chinese_base_reviewer, "benefits.claim.review")
    assert to_chinese.title == f"有一份补助申请待审核：{second.number}"


def test_review_decisions_reach_an_english_member_in_english(world, chinese_actor,
                                                            django_capture_on_commit_callbacks):
    claim = _submitted(world.claimant, world.enrolment, "FPEN0002", django_capture_on_commit_callbacks)
    claim = claims.claim_adjust(actor=world.chinese_base_reviewer, claim_id=claim.pk, version=claim.version,
                                amount="800.00", reason="部分票据不符")
    adjusted = _latest(world.claimant.user, "benefits.claim.base_review")
    assert adjusted.title == f"The approved amount of your claim {claim.number} has been adjusted"
    assert adjusted.body == "Adjusted to 800.00 yuan. Reason: 部分票据不符"

    claim = claims.claim_pass(actor=world.chinese_base_reviewer, claim_id=claim.pk, version=claim.version)
    passed = _latest(world.claimant.user, "benefits.claim.federation_review")
    assert passed.title == f"Your claim {claim.number} has passed base union review"
    assert passed.body == "It now goes to federation review."
    assert _latest(world.reviewer_fed, "benefits.claim.review").title == (
        f"A claim is waiting for federation review: {claim.number}")
    assert _latest(world.chinese_fed_reviewer, "benefits.claim.review").title == f"有一份补助申请待复核：{claim.number}"

    claims.claim_approve(actor=world.chinese_fed_reviewer, claim_id=claim.pk, version=claim.version)
    decided = _latest(world.claimant.user, "benefits.claim.approved")
    assert decided.title == f"Your claim {claim.number} has been approved"
    assert decided.body == "Approved benefit: 800.00 yuan, to be paid into the bank account you gave."


def test_a_rejection_gives_the_reason_in_the_members_language(world, chinese_actor,
                                                              django_capture_on_commit_callbacks):
    english = _submitted(world.claimant, world.enrolment, "FPEN0003", django_capture_on_commit_callbacks)
    chinese = _submitted(world.other, world.other_enrolment, "FPZH0003", django_capture_on_commit_callbacks)
    for claim in (english, chinese):
        claims.claim_reject(actor=world.chinese_base_reviewer, claim_id=claim.pk, version=claim.version,
                            reason="duplicate", message="与上次申请相同")
    to_english = _latest(world.claimant.user, "benefits.claim.rejected")
    assert to_english.title == f"Your claim {english.number} has been rejected"
    assert to_english.body == "Duplicate claim: 与上次申请相同"
    to_chinese = _latest(world.other.user, "benefits.claim.rejected")
    assert to_chinese.title == f"您的补助申请 {chinese.number} 未予补助"
    assert to_chinese.body == "重复申请：与上次申请相同"
    # The timeline keeps the reviewer's words as before.
    assert english.events.get(action="reject").message == "重复申请：与上次申请相同"


def test_an_english_reviewers_decision_reaches_a_chinese_member_in_chinese(world, django_capture_on_commit_callbacks):
    with translation.override("zh-hans"):
        claim = _submitted(world.other, world.other_enrolment, "FPZH0004", django_capture_on_commit_callbacks)
    with translation.override("en"):
        claims.claim_reject(actor=world.reviewer_base, claim_id=claim.pk, version=claim.version,
                            reason="waiting_period")
    rejected = _latest(world.other.user, "benefits.claim.rejected")
    assert (rejected.title, rejected.body) == (f"您的补助申请 {claim.number} 未予补助", "处于等待期")


def test_returning_and_withdrawing_tell_an_english_member_in_english(world, chinese_actor,
                                                                     django_capture_on_commit_callbacks):
    claim = _submitted(world.claimant, world.enrolment, "FPEN0005", django_capture_on_commit_callbacks)
    claims.claim_return(actor=world.chinese_base_reviewer, claim_id=claim.pk, version=claim.version,
                        message="请补充费用清单", items=["document:expense_list", "fact:hospital"])
    returned = _latest(world.claimant.user, "benefits.claim.returned")
    assert returned.title == f"Your claim {claim.number} needs more information"
    # The ticked items in the member's language, the reviewer's note as written.
    assert returned.body.startswith("Please add: ") and returned.body.endswith("请补充费用清单")
    assert "医院" not in returned.body and "费用明细清单" not in returned.body
    with django_capture_on_commit_callbacks(execute=True):
        claims.claim_submit(actor=world.claimant.user, claim_id=claim.pk)
    assert _latest(world.claimant.user, "benefits.claim.submitted").title == (
        f"Your claim {claim.number} has been resubmitted")
    claims.claim_withdraw(actor=world.claimant.user, claim_id=claim.pk)
    assert _latest(world.claimant.user, "benefits.claim.withdrawn").title == (
        f"Your claim {claim.number} has been withdrawn")


def test_payouts_tell_an_english_member_in_english(world, chinese_actor, django_capture_on_commit_callbacks):
    claim = _submitted(world.claimant, world.enrolment, "FPEN0006", django_capture_on_commit_callbacks)
    claim = claims.claim_pass(actor=world.chinese_base_reviewer, claim_id=claim.pk, version=claim.version)
    claims.claim_approve(actor=world.chinese_fed_reviewer, claim_id=claim.pk, version=claim.version)
    batch = claims.payout_batch_create(actor=world.finance, branch_id=world.tree.district_a.pk).batch
    claims.payout_item_mark_failed(actor=world.finance, item_id=batch.items.get().pk, note="账号不存在")
    failed = _latest(world.claimant.user, "benefits.claim.approved")
    assert failed.title == f"Benefit payment failed: {claim.number}"
    assert failed.body == "Reason: 账号不存在. Please check your bank account details; the union will pay again."

    batch = claims.payout_batch_create(actor=world.finance, branch_id=world.tree.district_a.pk).batch
    claims.payout_batch_mark_paid(actor=world.finance, batch_id=batch.pk)
    paid = _latest(world.claimant.user, "benefits.claim.paid")
    assert paid.title == "Benefit paid: 900.00 yuan"
    assert paid.body == (f"The benefit for your claim {claim.number} has been paid into your bank account "
                         f"ending 3445.")


def test_overdue_reminders_reach_each_reviewer_in_their_language(world, chinese_actor,
                                                                 django_capture_on_commit_callbacks):
    first = _submitted(world.claimant, world.enrolment, "FPEN0007", django_capture_on_commit_callbacks)
    second = _submitted(world.other, world.other_enrolment, "FPZH0007", django_capture_on_commit_callbacks)
    Claim.objects.filter(pk=first.pk).update(state_changed_at=timezone.now() - timedelta(days=12))
    Claim.objects.filter(pk=second.pk).update(state_changed_at=timezone.now() - timedelta(days=11))
    assert claims.claims_overdue_remind() == 2
    days = world.plan.review_service_days
    to_english = Notification.objects.get(user=world.reviewer_base, kind="benefits.claim.review",
                                          title__startswith="Claims")
    assert to_english.title == f"Claims waiting for review for more than {days} days: 2"
    assert to_english.body == f"{first.number}, {second.number}"
    to_chinese = Notification.objects.get(user=world.chinese_base_reviewer, kind="benefits.claim.review",
                                          title__startswith="2 ")
    assert to_chinese.title == f"2 份补助申请等待审核已超过 {days} 天"
    assert to_chinese.body == f"{first.number}、{second.number}"


# --- enrolment and the beat tasks' notices ----------------------------------------------------------------


@pytest.fixture
def members(people):
    """The owner speaks English; the other member keeps Chinese."""
    _speaks_english(people.owner.user)
    return people


def _enrol(plan, member):
    return services.enrolment_create(actor=member.user, plan_id=plan.pk, tier_id=plan.tiers.get(code="basic").pk,
                                     member=member)


def test_a_confirmed_payment_is_told_in_the_members_language(plan, members, chinese_actor):
    for member in (members.owner, members.other):
        enrolment = _enrol(plan, member)
        services.payment_record_offline(actor=members.staff_a1, enrolment_id=enrolment.pk, method="cash",
                                        amount="36")
    english = Enrolment.objects.get(member=members.owner)
    assert english.waiting_until  # a first enrolment waits: the body has both sentences
    to_english = _latest(members.owner.user, "benefits.enrolment_confirmed")
    assert to_english.title == f"You have enrolled in {plan.name}"
    assert to_english.body == (
        f"Cover period: {english.cover_start} to {english.cover_end}. "
        f"The waiting period for illness subsidies lasts until {english.waiting_until}.")
    chinese = Enrolment.objects.get(member=members.other)
    to_chinese = _latest(members.other.user, "benefits.enrolment_confirmed")
    assert to_chinese.title == f"您已成功参加{plan.name}"
    assert to_chinese.body == (f"保障期 {chinese.cover_start} 至 {chinese.cover_end}。"
                               f"疾病类补助的等待期到 {chinese.waiting_until} 为止。")


def test_a_group_enrolment_is_told_in_each_members_language(plan, members, org_tree, chinese_actor,
                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the notices' task runs on commit
        result = services.group_enrolment_create(
            actor=members.staff_a1, plan_id=plan.pk, tier_id=plan.tiers.get(code="basic").pk,
            branch_id=org_tree.base_a1.pk, amount="72.00", reference="BANK-EN",
        )
    kind = f"benefits.enrolment_confirmed.{result.payment.number}"
    english = Enrolment.objects.get(member=members.owner)
    to_english = _latest(members.owner.user, kind)
    assert to_english.title == f"Your union has enrolled you in {plan.name}"
    assert to_english.body == f"Cover period: {english.cover_start} to {english.cover_end}."
    chinese = Enrolment.objects.get(member=members.other)
    to_chinese = _latest(members.other.user, kind)
    assert to_chinese.title == f"工会已为您办理{plan.name}"
    assert to_chinese.body == f"保障期 {chinese.cover_start} 至 {chinese.cover_end}。"


def test_the_window_open_notice_is_in_each_members_language(plan, members, chinese_actor):
    assert services.window_open_notify() == 2
    to_english = _latest(members.owner.user, "benefits.window_open")
    assert to_english.title == f"Enrolment for {plan.name} is open"
    assert to_english.body == f"Enrolment is open from {plan.enrol_opens} to {plan.enrol_closes}."
    to_chinese = _latest(members.other.user, "benefits.window_open")
    assert to_chinese.title == f"{plan.name}开始参保"
    assert to_chinese.body == f"参保时间 {plan.enrol_opens} 至 {plan.enrol_closes}。"


def test_the_cover_ending_notice_is_in_each_members_language(org_tree, members, chinese_actor):
    plan = make_plan(federation=org_tree.city, cover_ends=timezone.localdate() + timedelta(days=20))
    for member in (members.owner, members.other):
        services.payment_record_offline(actor=members.staff_a1, enrolment_id=_enrol(plan, member).pk,
                                        method="cash", amount="36")
    assert services.cover_ending_notify() == 2
    to_english = _latest(members.owner.user, "benefits.cover_ending")
    assert to_english.title == f"Your {plan.name} cover ends on {plan.cover_ends}"
    assert to_english.body == ("Look out for next year's enrolment period: renew on time to skip the waiting "
                               "period.")
    to_chinese = _latest(members.other.user, "benefits.cover_ending")
    assert to_chinese.title == f"您的{plan.name}保障将于 {plan.cover_ends} 到期"
    assert to_chinese.body == "请留意下一年度的参保时间，按时续保可免等待期。"
