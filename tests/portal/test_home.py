"""The home page offers each staff member the tools of their roles only: a card that opens on a 403 or 404 is a
tool they do not have."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

TOOLS = {
    "applications": "members:staff-applications", "benefits": "benefits:staff", "culture": "culture:staff",
    "imports": "members:import-list", "statistics": "members:statistics", "stations": "stations:staff-visits",
}
ALLOWED = {
    "branch_admin": set(TOOLS),
    "claims_reviewer": {"benefits", "statistics"},
    "finance": {"benefits", "statistics"},
    "events_manager": {"culture", "statistics"},
    "station_manager": {"stations", "statistics"},
}


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_home_offers_a_staff_member_the_tools_of_their_role_and_each_opens(client, org_tree, staff_of, role):
    client.force_login(staff_of(org_tree.district_a, role=role))
    html = client.get(reverse("home")).content.decode()
    for tool, name in TOOLS.items():
        offered = f'href="{reverse(name)}"' in html
        assert offered == (tool in ALLOWED[role]), (role, tool)
        assert (client.get(reverse(name)).status_code == 200) == (tool in ALLOWED[role]), (role, tool)


def test_home_offers_no_staff_tool_to_a_member_or_to_a_staff_flag_without_a_role(client, org_tree, member_factory,
                                                                                 user_factory):
    for user in (member_factory(branch=org_tree.base_a1).user, user_factory(is_staff=True)):
        client.force_login(user)
        html = client.get(reverse("home")).content.decode()
        assert not any(f'href="{reverse(name)}"' in html for name in TOOLS.values())


def test_home_offers_a_superuser_every_tool(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("home")).content.decode()
    assert all(f'href="{reverse(name)}"' in html for name in TOOLS.values())
