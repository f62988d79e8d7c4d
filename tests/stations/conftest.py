from types import SimpleNamespace

import pytest


@pytest.fixture
def station_factory(db, org_tree):
    from tests.stations.factories import StationFactory

    def make(**fields):
        fields.setdefault("branch", org_tree.district_a)
        return StationFactory(**fields)

    return make


@pytest.fixture
def personas(db, org_tree, staff_of, member_factory):
    """Who asks: station manager of district A, of its sibling district B, of the parent city union; a
    member; and (as None) nobody."""
    member = member_factory(branch=org_tree.base_a1)
    return SimpleNamespace(
        manager_a=staff_of(org_tree.district_a, role="station_manager"),
        manager_b=staff_of(org_tree.district_b, role="station_manager"),
        manager_parent=staff_of(org_tree.city, role="station_manager"),
        member=member.user,
        anonymous=None,
    )


@pytest.fixture(autouse=True)
def _no_search_engine_across_tests():
    """Each test starts without the process's search engine (cards and index) built by an earlier one."""
    from stations import cards, index

    cards.cards_forget()
    index.index_forget()
    yield
    cards.cards_forget()
    index.index_forget()
