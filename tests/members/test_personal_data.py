"""Personal data by role: full ID numbers and mobiles only to the branch admins who do membership work; every other
staff role sees them masked in the admin and the API; each reveal of a full ID number is audited; the join form's
"already a member" answer is rate-limited. Personas: a branch admin over the member, a station manager and an events
manager of the same branch, a branch admin of a sibling branch, the member, an outsider applying repeatedly."""

import pytest
from django.urls import reverse

from core.models import AuditLogEntry


@pytest.fixture
def member(org_tree, member_factory):
    return member_factory(branch=org_tree.base_a1)


@pytest.fixture
def roles(org_tree, staff_of):
    return {
        "branch_admin": staff_of(org_tree.district_a),
        "station_manager": staff_of(org_tree.district_a, role="station_manager"),
        "events_manager": staff_of(org_tree.district_a, role="events_manager"),
    }


def test_a_branch_admin_sees_the_full_data_and_the_reveal_is_audited(client, member, roles):
    admin = roles["branch_admin"]
    client.force_login(admin)
    page = client.get(reverse("admin:members_member_change", args=[member.pk])).content.decode()
    assert member.id_number in page and member.mobile in page
    entry = AuditLogEntry.objects.get(action="members.id_number.revealed")
    assert entry.actor == admin and entry.target_id == str(member.pk) and entry.data == {"where": "admin"}
    detail = client.get(f"/api/v1/staff/members/{member.pk}/").json()
    assert detail["id_number"] == member.id_number and detail["mobile"] == member.mobile
    assert AuditLogEntry.objects.filter(action="members.id_number.revealed", data__where="api").count() == 1


@pytest.mark.parametrize("role", ["station_manager", "events_manager"])
def test_other_roles_see_masked_numbers_in_the_admin_and_the_api(client, member, roles, role):
    client.force_login(roles[role])
    response = client.get(reverse("admin:members_member_change", args=[member.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert member.id_number not in page and member.mobile not in page
    assert f"{member.mobile[:3]}****{member.mobile[-4:]}" in page
    listing = client.get("/api/v1/staff/members/").json()["results"]
    row = next(r for r in listing if r["id"] == member.pk)
    assert row["id_number"] != member.id_number and row["mobile"] == f"{member.mobile[:3]}****{member.mobile[-4:]}"
    detail = client.get(f"/api/v1/staff/members/{member.pk}/").json()
    assert detail["id_number"] != member.id_number and "*" in detail["mobile"]
    assert not AuditLogEntry.objects.filter(action="members.id_number.revealed").exists()


def test_lists_never_show_a_full_id_number_even_to_branch_admins(client, member, roles):
    client.force_login(roles["branch_admin"])
    listing = client.get("/api/v1/staff/members/").json()["results"]
    assert all("*" in row["id_number"] for row in listing)
    assert member.id_number not in client.get(reverse("admin:members_member_changelist")).content.decode()


def test_repeated_applications_probing_id_numbers_are_rate_limited(client, org_tree, user_factory, member_factory):
    """Someone signed in tries ID number after ID number on the join form: stopped after ten an hour."""
    prober = user_factory()
    client.force_login(prober)
    url = reverse("members:branch-join", args=[org_tree.base_a1.pk])
    statuses = []
    for _ in range(12):
        someone = member_factory(branch=org_tree.base_a2)
        statuses.append(client.post(url, {"name": "某人", "id_number": someone.id_number,
                                          "mobile": "13912340000", "employment_type": "standard"}).status_code)
    assert 429 in statuses and statuses.index(429) == 10
