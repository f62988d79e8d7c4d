"""The hardship register in the admin: families and care visits scoped to the subtree, standards edited by the
district's branch admins. Personas from `hw`."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from benefits.models import HardshipStandard
from tests.benefits.hardship_helpers import S, family_at

pytestmark = pytest.mark.django_db
FAMILIES = reverse("admin:benefits_hardshipfamily_changelist")
STANDARDS = reverse("admin:benefits_hardshipstandard_changelist")


def test_families_are_scoped_to_the_subtree(client, hw, django_assert_max_num_queries):
    family = family_at(hw, S.CONFIRMED)
    page = reverse("admin:benefits_hardshipfamily_change", args=[family.pk])
    for who, visible in (("officer", True), ("district_admin", True), ("sibling", False)):
        client.force_login(getattr(hw, who))
        with django_assert_max_num_queries(20):
            response = client.get(FAMILIES)
        assert response.status_code == 200
        assert (family.number in response.content.decode()) is visible, who
        assert client.get(page).status_code == (200 if visible else 404), who
    client.force_login(hw.officer)
    body = client.get(page).content.decode()
    assert hw.member.id_number not in body  # masked in the admin for every role
    assert client.post(reverse("admin:benefits_hardshipfamily_delete", args=[family.pk])).status_code == 403


def test_people_without_a_hardship_role_have_no_register(client, hw):
    family_at(hw, S.FILED)
    client.force_login(hw.finance)
    assert client.get(FAMILIES).status_code == 403


def test_the_district_admin_edits_the_standard_and_officers_only_read_it(client, hw):
    standard = HardshipStandard.objects.get()
    change = reverse("admin:benefits_hardshipstandard_change", args=[standard.pk])
    client.force_login(hw.district_admin)
    response = client.post(change, {"district": hw.tree.district_a.pk, "year": standard.year,
                                    "minimum_living": "850.00", "notice_days": 7})
    assert response.status_code == 302
    standard.refresh_from_db()
    assert standard.minimum_living == Decimal("850.00") and standard.notice_days == 7
    # Out of range: the form says so, nothing saved.
    response = client.post(change, {"district": hw.tree.district_a.pk, "year": standard.year,
                                    "minimum_living": "-1", "notice_days": 40})
    assert response.status_code == 200
    standard.refresh_from_db()
    assert standard.notice_days == 7
    client.force_login(hw.officer)
    assert client.get(STANDARDS).status_code == 200
    response = client.post(change, {"district": hw.tree.district_a.pk, "year": standard.year,
                                    "minimum_living": "1.00", "notice_days": 3})
    assert response.status_code == 403
    # Plan data: anyone on the register reads every district's standard; a sibling branch's officer changes none.
    client.force_login(hw.sibling)
    assert client.get(change).status_code == 200
    assert client.post(change, {"district": hw.tree.district_a.pk, "year": standard.year,
                                "minimum_living": "1.00", "notice_days": 3}).status_code == 403
    client.force_login(hw.finance)
    assert client.get(change).status_code == 403
    standard.refresh_from_db()
    assert standard.minimum_living == Decimal("850.00")


def test_care_visits_in_the_admin_are_scoped(client, hw):
    from benefits.hardship import services

    family = family_at(hw, S.CONFIRMED)
    services.care_visit_plan(actor=hw.officer, family_id=family.pk, kind="festival", due_on=timezone.localdate())
    url = reverse("admin:benefits_carevisit_changelist")
    client.force_login(hw.officer)
    assert family.number in client.get(url).content.decode()
    client.force_login(hw.sibling)
    assert family.number not in client.get(url).content.decode()
