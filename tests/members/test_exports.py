import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from members.admin.data import export_members_xlsx
from members.data.exports import members_export_xlsx, members_for_export
from members.models import Member

pytestmark = pytest.mark.django_db


def _rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0].iter_rows(values_only=True))


@pytest.fixture
def members(org_tree, member_factory):
    return {
        "a1": member_factory(branch=org_tree.base_a1, name="甲", employment_type="platform"),
        "a2": member_factory(branch=org_tree.base_a2, name="乙"),
        "b1": member_factory(branch=org_tree.base_b1, name="丙"),
    }


def test_export_contains_the_members_of_the_scope_only(client, org_tree, staff_of, members):
    client.force_login(staff_of(org_tree.district_a))
    response = client.get(reverse("members:members-export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    rows = _rows(b"".join(response.streaming_content))
    assert rows[0][:4] == ("会员号", "姓名", "身份证号", "性别")
    names = {r[1] for r in rows[1:]}
    assert names == {"甲", "乙"}
    first = next(r for r in rows[1:] if r[1] == "甲")
    assert first[2] == members["a1"].id_number  # full ID number: branch admins over the branch may see it
    assert first[7] == "新就业形态（平台）" and first[8] == org_tree.base_a1.name and first[9] == "正常"


def test_export_of_one_branch_and_refusal_outside_scope(client, org_tree, staff_of, members):
    client.force_login(staff_of(org_tree.district_a))
    response = client.get(reverse("members:members-export"), {"branch": org_tree.base_a2.pk})
    assert {r[1] for r in _rows(b"".join(response.streaming_content))[1:]} == {"乙"}
    assert client.get(reverse("members:members-export"), {"branch": org_tree.base_b1.pk}).status_code == 403


def test_export_personas(client, org_tree, staff_of, user_factory, members):
    client.force_login(staff_of(org_tree.base_a1, role="claims_reviewer"))
    assert client.get(reverse("members:members-export")).status_code == 403
    client.force_login(user_factory())
    assert client.get(reverse("members:members-export")).status_code == 403
    client.logout()
    assert client.get(reverse("members:members-export")).status_code == 302


def test_members_for_export_never_leaks_another_subtree(org_tree, staff_of, members):
    staff = staff_of(org_tree.base_b1)
    assert list(members_for_export(user=staff)) == [members["b1"]]
    assert not members_for_export(user=staff, branch_id=org_tree.base_a1.pk).exists()


def test_export_queries_do_not_grow_with_rows(org_tree, member_factory, django_assert_num_queries):
    member_factory.create_batch(30, branch=org_tree.base_a1)
    with django_assert_num_queries(1):
        output = members_export_xlsx(members=Member.objects.all())
    assert len(_rows(output.read())) == 31


def test_admin_action_exports_the_selection_within_scope(rf, org_tree, staff_of, members):
    staff = staff_of(org_tree.district_a)
    request = rf.post("/admin/members/member/")
    request.user = staff
    response = export_members_xlsx(None, request, Member.objects.all())  # the selection includes B's member
    assert {r[1] for r in _rows(b"".join(response.streaming_content))[1:]} == {"甲", "乙"}
