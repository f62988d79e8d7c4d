import pytest
from django.urls import reverse

from culture import services
from culture.models import ContestEntry
from tests.culture.factories import MenuItemFactory, SessionFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sibling_item(palace):
    venue = VenueFactory(branch=palace.tree.district_b, name="湖里文化站")
    item = MenuItemFactory(branch=palace.tree.district_b, venue=venue, title="湖里区专场")
    SessionFactory(item=item)
    return item


@pytest.mark.parametrize("who, sees_a, sees_b", [
    ("manager_a", True, False), ("manager_b", False, True), ("manager_parent", True, True),
])
def test_item_admin_list_is_scoped(client, palace, sibling_item, who, sees_a, sees_b):
    client.force_login(getattr(palace, who))
    body = client.get(reverse("admin:culture_menuitem_changelist")).content.decode()
    assert ("新春职工文艺汇演" in body) == sees_a and ("湖里区专场" in body) == sees_b


def test_guessed_ids_outside_the_scope_answer_404_or_redirect(client, palace, sibling_item):
    client.force_login(palace.manager_a)
    response = client.get(reverse("admin:culture_menuitem_change", args=[sibling_item.pk]))
    assert response.status_code in (302, 404)
    if response.status_code == 302:  # Django admin redirects a missing object to the index with a message
        assert str(sibling_item.pk) not in response["Location"]
    assert client.get(reverse("admin:culture_menuitem_change", args=[palace.item.pk])).status_code == 200


def test_form_choices_are_limited_to_the_scope(client, palace, sibling_item):
    client.force_login(palace.manager_a)
    form = client.get(reverse("admin:culture_menuitem_add")).context["adminform"].form
    assert set(form.fields["branch"].queryset) == {palace.tree.district_a, palace.tree.base_a1, palace.tree.base_a2}
    assert sibling_item.venue not in form.fields["venue"].queryset


def test_members_without_roles_do_not_see_the_admin(client, palace):
    client.force_login(palace.member.user)
    assert client.get(reverse("admin:culture_menuitem_changelist")).status_code == 302


def test_booking_admin_lists_scoped_bookings_with_masked_mobiles(client, palace, sibling_item,
                                                                 django_assert_max_num_queries):
    services.booking_create(session_id=palace.session.pk, seats=1, user=palace.member.user)
    services.booking_create(session_id=sibling_item.sessions.get().pk, seats=1, user=palace.other_member.user)
    client.force_login(palace.manager_a)
    with django_assert_max_num_queries(12):
        body = client.get(reverse("admin:culture_booking_changelist")).content.decode()
    assert palace.member.user.mobile not in body and "****" in body and "湖里区专场" not in body


def test_contest_entries_accepted_by_an_admin_action(client, palace):
    contest = MenuItemFactory(branch=palace.tree.district_a, venue=palace.venue, category="contest",
                              entry_mode="individual", entry_fields=[])
    entry = services.contest_entry_submit(item_id=contest.pk, user=palace.member.user, answers={})
    client.force_login(palace.manager_a)
    client.post(reverse("admin:culture_contestentry_changelist"),
                {"action": "accept_entries", "_selected_action": [entry.pk]})
    entry.refresh_from_db()
    assert entry.status == ContestEntry.Status.ACCEPTED


def test_session_form_refuses_capacity_below_seats_taken(palace):
    from django.core.exceptions import ValidationError

    from culture.models import Session

    Session.objects.filter(pk=palace.session.pk).update(seats_taken=6)
    palace.session.refresh_from_db()
    palace.session.capacity = 5
    palace.session.member_price = palace.session.price + 1
    with pytest.raises(ValidationError) as e:
        palace.session.full_clean()
    assert set(e.value.message_dict) == {"capacity", "member_price"}
