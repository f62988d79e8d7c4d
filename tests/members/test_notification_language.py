"""Joining, transfers, status changes and imports tell people in their own language (User.language), not in
the language of the staff member or applicant whose action sends the message.

Personas: a Chinese-speaking actor (the active language is Chinese, as on a request with the default language)
and recipients who read English or Chinese. The English texts are those of locale/en/LC_MESSAGES/django.po."""

import pytest
from django.utils import translation

from members.data import imports
from members.data.imports import import_job_create
from members.models import Member, Notification
from members.organisation import services
from tests.factories import ApplicantFactory, apply_form_data, id_number_for
from tests.members.data_helpers import csv_bytes, upload, worker_row

pytestmark = pytest.mark.django_db

ENGLISH, CHINESE = "en", "zh-hans"


@pytest.fixture(autouse=True)
def _actor_works_in_chinese():
    with translation.override(CHINESE):
        yield


def apply(user, branch, serial=1):
    return services.membership_apply(user=user, branch_id=branch.pk, **apply_form_data(serial))


def message_to(user, kind: str) -> tuple[str, str]:
    note = Notification.objects.get(user=user, kind=kind)
    return note.title, note.body


# --- Joining ----------------------------------------------------------------------------------------------


def test_a_new_application_reaches_each_branch_admin_in_their_language(org_tree, staff_of):
    english_admin = staff_of(org_tree.district_a, language=ENGLISH)
    chinese_admin = staff_of(org_tree.district_a)
    apply(ApplicantFactory(), org_tree.base_a1)  # applicant "申请人1", shown masked
    assert message_to(english_admin, "membership.application") == (
        "New membership application", "申*** has applied to join 鹭江机械有限公司工会."
    )
    assert message_to(chinese_admin, "membership.application") == (
        "新的入会申请", "申*** 申请加入鹭江机械有限公司工会。"
    )


@pytest.mark.parametrize(("language", "title", "body"), [
    (ENGLISH, "Membership application approved",
     "You are now a member of 鹭江机械有限公司工会. Your member number is {number}."),
    (CHINESE, "入会申请已通过", "您已成为鹭江机械有限公司工会的会员，会员号 {number}。"),
])
def test_an_approved_applicant_is_told_in_their_language(org_tree, staff_of, language, title, body):
    applicant = ApplicantFactory(language=language)
    application = apply(applicant, org_tree.base_a1)
    services.application_approve(actor=staff_of(org_tree.district_a), application_id=application.pk)
    number = Member.objects.get(user=applicant).member_number
    assert message_to(applicant, "membership.approved") == (title, body.format(number=number))


@pytest.mark.parametrize(("language", "title", "body"), [
    (ENGLISH, "Membership application not approved",
     "Your application to join 鹭江机械有限公司工会 was not approved. Reason: 不是本单位职工"),
    (CHINESE, "入会申请未通过", "您申请加入鹭江机械有限公司工会未通过。理由：不是本单位职工"),
])
def test_a_rejected_applicant_is_told_in_their_language(org_tree, staff_of, language, title, body):
    applicant = ApplicantFactory(language=language)
    application = apply(applicant, org_tree.base_a1)
    services.application_reject(actor=staff_of(org_tree.district_a), application_id=application.pk,
                                reason="不是本单位职工")
    assert message_to(applicant, "membership.rejected") == (title, body)


# --- Transfers --------------------------------------------------------------------------------------------


@pytest.fixture
def member_of_a1(org_tree, member_factory):
    """Factory: a member of base A1 called 王小明, number M202600000042, reading `language`."""

    def make(language: str):
        return member_factory(branch=org_tree.base_a1, name="王小明", member_number="M202600000042",
                              user__language=language)

    return make


def test_a_transfer_request_reaches_each_receiving_admin_in_their_language(org_tree, staff_of, member_of_a1):
    english_admin = staff_of(org_tree.district_b, language=ENGLISH)
    chinese_admin = staff_of(org_tree.district_b)
    services.transfer_request(user=member_of_a1(CHINESE).user, to_branch_id=org_tree.base_b1.pk)
    assert message_to(english_admin, "transfer.requested") == (
        "New transfer request", "王** has requested a transfer from 鹭江机械有限公司工会 to 湖里物流工会."
    )
    assert message_to(chinese_admin, "transfer.requested") == (
        "新的转会申请", "王** 申请从鹭江机械有限公司工会转入湖里物流工会。"
    )


@pytest.mark.parametrize(("language", "to_member", "to_sending_admin"), [
    (ENGLISH,
     ("Transfer completed", "You have transferred from 鹭江机械有限公司工会 to 湖里物流工会. Your member number "
                            "M202600000042 stays the same."),
     ("Member transferred out", "Member 王** (M202600000042) has transferred to 湖里物流工会.")),
    (CHINESE,
     ("转会已完成", "您已从鹭江机械有限公司工会转入湖里物流工会，会员号 M202600000042 不变。"),
     ("会员已转出", "会员 王**（M202600000042）已转入湖里物流工会。")),
])
def test_an_approved_transfer_tells_member_and_sending_admin_in_their_language(
    org_tree, staff_of, member_of_a1, language, to_member, to_sending_admin
):
    member = member_of_a1(language)
    sending_admin = staff_of(org_tree.district_a, language=language)
    transfer = services.transfer_request(user=member.user, to_branch_id=org_tree.base_b1.pk)
    services.transfer_approve(actor=staff_of(org_tree.district_b), transfer_id=transfer.pk)
    assert message_to(member.user, "transfer.approved") == to_member
    assert message_to(sending_admin, "transfer.out") == to_sending_admin


@pytest.mark.parametrize(("language", "title", "body"), [
    (ENGLISH, "Transfer request not approved",
     "Your request to transfer to 湖里物流工会 was not approved. Reason: 请先与原单位办理手续"),
    (CHINESE, "转会申请未通过", "您申请转入湖里物流工会未通过。理由：请先与原单位办理手续"),
])
def test_a_rejected_transfer_is_told_in_the_members_language(org_tree, staff_of, member_of_a1, language, title, body):
    member = member_of_a1(language)
    transfer = services.transfer_request(user=member.user, to_branch_id=org_tree.base_b1.pk)
    services.transfer_reject(actor=staff_of(org_tree.district_b), transfer_id=transfer.pk,
                             reason="请先与原单位办理手续")
    assert message_to(member.user, "transfer.rejected") == (title, body)


# --- Status changes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "title", "body"), [
    (ENGLISH, "Membership status changed", "Your membership status has been changed to “Suspended”. 长期欠缴会费"),
    (CHINESE, "会员状态已变更", "您的会员状态已改为“暂停”。长期欠缴会费"),
])
def test_a_status_change_and_its_label_are_told_in_the_members_language(
    org_tree, staff_of, member_of_a1, language, title, body
):
    member = member_of_a1(language)
    services.member_status_change(actor=staff_of(org_tree.district_a), member_id=member.pk, change="suspend",
                                 reason="长期欠缴会费")
    assert message_to(member.user, "member.suspend") == (title, body)


# --- Imports ----------------------------------------------------------------------------------------------


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    """Uploads and runs the job as the Celery task would (eager, after commit), while Chinese is active."""

    def run(actor, branch, content: bytes, *, mode: str):
        with django_capture_on_commit_callbacks(execute=True):
            job = import_job_create(actor=actor, branch=branch, uploaded_file=upload(content), mode=mode)
        job.refresh_from_db()
        return job

    return run


@pytest.mark.parametrize(("language", "title", "body"), [
    (ENGLISH, "Member import finished: 2 added, 0 updated", "Rows in file: 2. Rows with errors: 0."),
    (CHINESE, "会员导入完成：新增 2 人，更新 0 人", "文件共 2 行，错误 0 行。"),
])
def test_a_finished_import_is_told_in_the_uploaders_language(org_tree, staff_of, run_import, language, title, body):
    uploader = staff_of(org_tree.base_a1, language=language)
    job = run_import(uploader, org_tree.base_a1, csv_bytes([worker_row(1), worker_row(2)]), mode="all_or_nothing")
    assert job.status == "done"
    assert message_to(uploader, "members.import.finished") == (title, body)


def test_a_failed_import_is_told_in_the_uploaders_language_on_the_job_page_too(org_tree, staff_of, run_import):
    english_uploader = staff_of(org_tree.base_a1, language=ENGLISH)
    rows = [worker_row(1), ["", id_number_for(2, birth="19900101"), "13800000002", "", ""]]  # row 3 has no name
    job = run_import(english_uploader, org_tree.base_a1, csv_bytes(rows), mode="all_or_nothing")
    assert job.status == "failed"
    assert message_to(english_uploader, "members.import.finished") == (
        "Member import not completed",
        "Rows with errors: 1. As the import mode is all or nothing, no data was saved. Please download the error "
        "report, correct the file and upload it again.",
    )
    job.refresh_from_db()
    assert job.message.startswith("Rows with errors: 1.")  # the job's page: in the uploader's language too


@pytest.mark.parametrize(("language", "body"), [
    (ENGLISH, "The file has more than 1 data rows. Please split it into several files and import them separately."),
    (CHINESE, "数据行超过 1 行；请拆分成几个文件分别导入。"),
])
def test_a_file_refused_by_the_job_is_explained_in_the_uploaders_language(
    org_tree, staff_of, run_import, monkeypatch, language, body
):
    monkeypatch.setattr(imports, "MAX_ROWS", 1)
    uploader = staff_of(org_tree.base_a1, language=language)
    run_import(uploader, org_tree.base_a1, csv_bytes([worker_row(1), worker_row(2)]), mode="valid_only")
    assert message_to(uploader, "members.import.finished")[1] == body


def test_a_save_conflict_is_explained_in_the_uploaders_language_with_what_was_saved(
    org_tree, staff_of, run_import, member_factory, monkeypatch
):
    # The cross-check saw no conflict; by the time of the save someone registered the person in B.
    monkeypatch.setattr(imports, "_cross_check", lambda job: None)
    member_factory(branch=org_tree.base_b1, id_number=id_number_for(2, birth="19900101"))
    english_uploader = staff_of(org_tree.base_a1, language=ENGLISH)
    job = run_import(english_uploader, org_tree.base_a1, csv_bytes([worker_row(1), worker_row(2)]),
                     mode="valid_only")
    assert job.status == "failed" and job.saved_count == 0  # the one batch, with the conflicting row, rolled back
    assert message_to(english_uploader, "members.import.finished")[1] == (
        "Member data was changed while saving (someone registered people from the file during the import). "
        "People saved: 0. Please upload the same file again; people already imported will not be duplicated."
    )


def test_missing_columns_are_named_in_the_language_the_refusal_is_read_in():
    # The job meets this refusal only if the stored file changed since the upload; it is written out lazily
    # all the same: column names and the list separator follow the reader's language.
    with pytest.raises(imports.ImportRefused) as refused:
        imports._map_columns(["姓名", "工作单位"])
    assert str(refused.value.message).startswith("缺少必需的列：身份证号、手机号。")
    with translation.override(ENGLISH):
        assert str(refused.value.message).startswith("Required columns missing: ID number, Mobile number. ")
