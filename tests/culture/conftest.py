from types import SimpleNamespace

import pytest

from tests.culture.factories import MenuItemFactory, SessionFactory, VenueFactory


@pytest.fixture
def palace(org_tree, staff_of, member_factory, user_factory):
    """The palace's items belong to district A. Personas: events managers of A, of sibling B, of the parent
    city; the booking member, another member; a signed-in non-member with a verified mobile."""
    venue = VenueFactory(branch=org_tree.district_a, name="大剧场")
    item = MenuItemFactory(branch=org_tree.district_a, venue=venue, title="新春职工文艺汇演",
                           description="歌舞、小品、戏曲同台", tags="演出 春节")
    session = SessionFactory(item=item, capacity=10)
    return SimpleNamespace(
        tree=org_tree, venue=venue, item=item, session=session,
        manager_a=staff_of(org_tree.district_a, role="events_manager"),
        manager_b=staff_of(org_tree.district_b, role="events_manager"),
        manager_parent=staff_of(org_tree.city, role="events_manager"),
        member=member_factory(branch=org_tree.base_a1),
        other_member=member_factory(branch=org_tree.base_a2),
        non_member=user_factory(mobile_verified=True),
    )


@pytest.fixture
def make_item(palace):
    def make(**fields):
        fields.setdefault("branch", palace.tree.district_a)
        fields.setdefault("venue", palace.venue)
        return MenuItemFactory(**fields)

    return make


@pytest.fixture
def make_session(palace):
    def make(**fields):
        fields.setdefault("item", palace.item)
        return SessionFactory(**fields)

    return make


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The menu body is cached; each test starts with an empty cache."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
