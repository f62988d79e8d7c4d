"""The hardship pages: the member's (file, follow, household, documents, leave) and the staff's (list, family page
and its actions, notices, care visits due, statistics and their downloads). Personas from `hw`: the member, the
base officer, the sibling branch's officer, the district admin, finance (no hardship role), an officer who is a
member with their own family, a user with no member row, and nobody signed in."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from benefits.hardship import services
from benefits.models import HardshipDocument, HardshipFamily
from members.models import StaffRole
from tests.benefits.hardship_helpers import S, family_at, file_family, notice_over

pytestmark = pytest.mark.django_db


def _png(name="photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _family_url(family, action=""):
    if not action:
        return reverse("benefits:hardship-staff-family", args=[family.pk])
    return reverse(f"benefits:hardship-staff-{action}", args=[family.pk])


# --- the member ----------------------------------------------------------------------------------------------


def test_signed_out_people_are_sent_to_sign_in(client):
    for name in ("benefits:hardship", "benefits:hardship-file", "benefits:hardship-staff"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_member_files_and_follows_their_family(client, hw):
    client.force_login(hw.member.user)
    assert "登记困难职工档案" in client.get(reverse("benefits:hardship")).content.decode()
    response = client.post(reverse("benefits:hardship-file"), {
        "cause": "illness", "monthly_income": "1800", "household_size": "3", "situation": "爱人患病",
    })
    assert response.status_code == 302
    family = HardshipFamily.objects.get(member=hw.member)
    page = client.get(reverse("benefits:hardship")).content.decode()
    assert family.number in page and "待走访" in page
    response = client.post(reverse("benefits:hardship-household-add"), {
        "name": "王芳", "relation": "配偶", "age": "42", "health": "慢性病", "schooling": "finished",
    })
    assert response.status_code == 302
    response = client.post(reverse("benefits:hardship-document-upload"), {"kind": "medical", "file": [_png()]})
    assert response.status_code == 302
    document = HardshipDocument.objects.get(family=family)
    assert client.get(reverse("benefits:hardship-document", args=[document.token])).status_code == 200
    page = client.get(reverse("benefits:hardship")).content.decode()
    assert "王芳" in page and "病历或诊断证明" in page


@pytest.mark.parametrize(("data", "message"), [
    ({"cause": "illness", "monthly_income": "-1", "household_size": "3"}, "家庭月收入不能为负数"),
    ({"cause": "illness", "monthly_income": "1000", "household_size": "21"}, "1 到 20 人"),
    ({"cause": "illness", "monthly_income": "1000", "household_size": "0"}, "1 到 20 人"),
])
def test_bad_figures_get_a_message_and_save_nothing(client, hw, data, message):
    client.force_login(hw.member.user)
    response = client.post(reverse("benefits:hardship-file"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not HardshipFamily.objects.exists()


def test_a_second_filing_gets_a_message(client, hw):
    file_family(hw)
    client.force_login(hw.member.user)
    response = client.post(reverse("benefits:hardship-file"),
                           {"cause": "illness", "monthly_income": "1000", "household_size": "2"})
    assert response.status_code == 400
    assert "不能重复登记" in response.content.decode()
    assert HardshipFamily.objects.count() == 1


def test_a_user_without_a_member_row_cannot_file(client, hw):
    client.force_login(hw.nobody)
    response = client.post(reverse("benefits:hardship-file"),
                           {"cause": "illness", "monthly_income": "1000", "household_size": "2"})
    assert response.status_code == 400
    assert not HardshipFamily.objects.exists()


def test_documents_open_only_for_the_owner_and_staff_in_scope(client, hw):
    family = file_family(hw)
    client.force_login(hw.member.user)
    client.post(reverse("benefits:hardship-document-upload"), {"kind": "income", "file": [_png()]})
    url = reverse("benefits:hardship-document", args=[HardshipDocument.objects.get(family=family).token])
    assert client.get(url)["Cache-Control"] == "private, no-store"
    for outsider in (hw.other.user, hw.sibling, hw.finance, hw.nobody):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    for staff in (hw.officer, hw.district_admin):
        client.force_login(staff)
        assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 404


def test_the_member_withdraws_with_a_reason(client, hw):
    family = file_family(hw)
    client.force_login(hw.member.user)
    assert client.post(reverse("benefits:hardship-leave"), {"reason": ""}).status_code == 400
    assert client.post(reverse("benefits:hardship-leave"), {"reason": "已找到新工作"}).status_code == 302
    family.refresh_from_db()
    assert family.status == S.LEFT


# --- staff ---------------------------------------------------------------------------------------------------


def test_staff_pages_answer_403_without_a_hardship_role(client, hw):
    family = file_family(hw)
    for person in (hw.member.user, hw.finance, hw.nobody):
        client.force_login(person)
        for url in (reverse("benefits:hardship-staff"), reverse("benefits:hardship-staff-notices"),
                    reverse("benefits:hardship-staff-statistics"), _family_url(family)):
            assert client.get(url).status_code == 403, (person, url)


def test_sibling_branch_staff_get_404_for_a_family_outside_their_scope(client, hw):
    family = file_family(hw)
    client.force_login(hw.sibling)
    assert client.get(_family_url(family)).status_code == 404
    response = client.post(_family_url(family, "visit"), {"visited_on": timezone.localdate(), "notes": "x"})
    assert response.status_code == 404
    assert not family.home_visits.exists()
    assert family.number not in client.get(reverse("benefits:hardship-staff")).content.decode()


def test_the_officer_takes_a_family_from_visit_to_confirmation(client, hw):
    family = file_family(hw)
    client.force_login(hw.officer)
    page = client.get(_family_url(family)).content.decode()
    assert hw.member.name in page and hw.member.id_number not in page  # officers see the ID number masked
    response = client.post(_family_url(family, "visit"), {
        "visited_on": timezone.localdate().isoformat(), "notes": "家中确有病人", "photos": [_png()],
    })
    assert response.status_code == 302
    assert family.documents.filter(kind="visit_photo", visit__isnull=False).count() == 1
    # Confirming before the notice: a message, nothing changed.
    response = client.post(_family_url(family, "confirm"), {"level": "deep"})
    assert response.status_code == 400 and "尚未公示" in response.content.decode()
    assert client.post(_family_url(family, "notice"), {}).status_code == 302
    response = client.post(_family_url(family, "confirm"), {"level": "deep"})
    assert response.status_code == 400 and "期满后才能确认建档" in response.content.decode()
    response = client.post(_family_url(family, "objection"), {"received_on": timezone.localdate().isoformat(),
                                                              "content": "有出租收入"})
    assert response.status_code == 302
    objection = family.objections.get()
    notice_over(family)
    response = client.post(_family_url(family, "confirm"), {"level": "deep"})
    assert response.status_code == 400 and "未处理的公示异议" in response.content.decode()
    response = client.post(reverse("benefits:hardship-staff-objection-resolve", args=[family.pk, objection.pk]),
                           {"resolution": "经核实无出租收入"})
    assert response.status_code == 302
    assert client.post(_family_url(family, "confirm"), {"level": "deep"}).status_code == 302
    family.refresh_from_db()
    assert family.status == S.CONFIRMED


def test_the_district_admin_sees_the_full_id_number_with_an_audit_entry(client, hw):
    from core.models import AuditLogEntry

    family = file_family(hw)
    client.force_login(hw.district_admin)
    assert hw.member.id_number in client.get(_family_url(family)).content.decode()
    assert AuditLogEntry.objects.filter(action="members.id_number.revealed").count() == 1


def test_an_officer_cannot_act_on_their_own_family(client, hw):
    family = family_at(hw, S.NOTICE, hw.officer_member)
    notice_over(family)
    client.force_login(hw.officer_member.user)
    page = client.get(_family_url(family)).content.decode()
    assert "利益冲突" in page
    response = client.post(_family_url(family, "confirm"), {"level": "deep"})
    assert response.status_code == 400 and "利益冲突" in response.content.decode()
    family.refresh_from_db()
    assert family.status == S.NOTICE


def test_the_staff_file_for_a_member_by_number(client, hw, member_factory):
    client.force_login(hw.officer)
    url = reverse("benefits:hardship-staff-file")
    stranger = member_factory(branch=hw.tree.base_b1)
    response = client.post(url, {"member_number": stranger.member_number, "cause": "disaster",
                                 "monthly_income": "500", "household_size": "2"})
    assert response.status_code == 400 and "找不到这个会员号" in response.content.decode()
    response = client.post(url, {"member_number": hw.other.member_number, "cause": "disaster",
                                 "monthly_income": "500", "household_size": "2"})
    assert response.status_code == 302
    assert HardshipFamily.objects.get(member=hw.other).filed_by == hw.officer


def test_recheck_leave_and_care_visits_from_the_family_page(client, hw):
    family = family_at(hw, S.CONFIRMED)
    client.force_login(hw.officer)
    response = client.post(_family_url(family, "recheck"), {"monthly_income": "-3", "household_size": "3",
                                                            "level": "deep"})
    assert response.status_code == 400
    response = client.post(_family_url(family, "recheck"), {"monthly_income": "3000", "household_size": "3",
                                                            "level": "relative"})
    assert response.status_code == 302
    response = client.post(_family_url(family, "care-plan"), {"kind": "festival", "due_on": timezone.localdate(),
                                                              "purpose": "春节慰问"})
    assert response.status_code == 302
    visit = family.care_visits.get()
    assert "春节慰问" in client.get(reverse("benefits:hardship-staff-care")).content.decode()
    response = client.post(reverse("benefits:hardship-staff-care-done", args=[family.pk, visit.pk]),
                           {"done_on": timezone.localdate().isoformat(), "notes": "送去慰问品"})
    assert response.status_code == 302
    # The member sees the visit on their page.
    client.force_login(hw.member.user)
    assert "节日慰问" in client.get(reverse("benefits:hardship")).content.decode()
    client.force_login(hw.officer)
    assert client.post(_family_url(family, "leave"), {"reason": "收入已超过标准"}).status_code == 302
    family.refresh_from_db()
    assert family.status == S.LEFT


def test_the_notice_list_masks_names(client, hw, member_factory):
    named = member_factory(branch=hw.tree.base_a1, name="张晓明")
    family_at(hw, S.NOTICE, named)
    client.force_login(hw.officer)
    page = client.get(reverse("benefits:hardship-staff-notices")).content.decode()
    assert "张*明" in page and "张晓明" not in page and named.id_number not in page
    client.force_login(hw.sibling)
    assert "张*明" not in client.get(reverse("benefits:hardship-staff-notices")).content.decode()


def test_the_staff_list_filters_and_keeps_its_queries_fixed(client, hw, member_factory, django_assert_max_num_queries):
    for index in range(6):
        member = member_factory(branch=hw.tree.base_a1)
        file_family(hw, member, cause="illness" if index % 2 else "disaster")
    client.force_login(hw.officer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("benefits:hardship-staff"))
    assert response.status_code == 200
    assert response.content.decode().count("/benefits/hardship/staff/") >= 6
    response = client.get(reverse("benefits:hardship-staff"), {"cause": "disaster"})
    assert response.context["page"].paginator.count == 3


def test_the_family_page_keeps_its_queries_fixed(client, hw, django_assert_max_num_queries):
    family = family_at(hw, S.CONFIRMED)
    for day in range(4):
        services.care_visit_plan(actor=hw.officer, family_id=family.pk, kind="follow_up",
                                 due_on=timezone.localdate() + timedelta(days=day))
    for index in range(2):
        services.household_member_add(actor=hw.officer, family_id=family.pk, name=f"成员{index}", relation="子女",
                                      age=10)
    client.force_login(hw.officer)
    with django_assert_max_num_queries(20):
        assert client.get(_family_url(family)).status_code == 200


def test_statistics_page_and_downloads(client, hw):
    family_at(hw, S.CONFIRMED)
    client.force_login(hw.district_admin)
    page = client.get(reverse("benefits:hardship-staff-statistics")).content.decode()
    assert "深度困难" in page and hw.tree.base_a1.name in page
    response = client.get(reverse("benefits:hardship-staff-statistics-xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == hw.tree.base_a1.name and rows[-1][-2] == 1
    response = client.get(reverse("benefits:hardship-staff-statistics-csv"))
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff") and hw.tree.base_a1.name in text


def test_a_hardship_officer_role_exists(hw):
    assert StaffRole.Role.HARDSHIP_OFFICER == "hardship_officer"


def test_the_member_and_staff_correct_the_figures_before_the_notice(client, hw):
    family = file_family(hw, size=2)
    client.force_login(hw.member.user)
    data = {"update-cause": "illness", "update-monthly_income": "1000", "update-household_size": "5"}
    assert client.post(reverse("benefits:hardship-update"), data).status_code == 302
    family.refresh_from_db()
    assert family.household_size == 5
    bad = {**data, "update-household_size": "30"}
    assert client.post(reverse("benefits:hardship-update"), bad).status_code == 400
    client.force_login(hw.officer)
    response = client.post(reverse("benefits:hardship-staff-update", args=[family.pk]),
                           {**data, "update-monthly_income": "1500"})
    assert response.status_code == 302
    family.refresh_from_db()
    assert family.monthly_income == 1500
    client.force_login(hw.sibling)
    assert client.post(reverse("benefits:hardship-staff-update", args=[family.pk]), data).status_code == 404


def test_the_member_sees_when_visits_were_but_not_what_staff_wrote(client, hw):
    family = family_at(hw, S.NOTICE)
    services.objection_record(actor=hw.officer, family_id=family.pk, received_on=timezone.localdate(),
                              content="邻居反映有出租房")
    services.objection_resolve(actor=hw.officer, objection_id=family.objections.get().pk, resolution="核实无此事")
    client.force_login(hw.member.user)
    page = client.get(reverse("benefits:hardship")).content.decode()
    assert "走访核实" not in page and "邻居反映" not in page and "核实无此事" not in page
    assert timezone.localdate().isoformat() in page or "入户走访" in page
    client.force_login(hw.officer)
    page = client.get(_family_url(family)).content.decode()
    assert "走访核实" in page and "邻居反映" in page and "核实无此事" in page
