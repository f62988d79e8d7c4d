"""Each staff role at its desk: a staff user of one role signs in and finds on the home page the tools of that role
and no other, opens each of them, finds in the admin index the models of that role and none of another's, and is
turned away (403, 404 or a redirect to sign in) from every tool and admin list of the other roles. One table drives
it all; each role is a test of its own. Personas: a staff user per StaffRole.Role, on district A."""

import pytest
from django.urls import reverse

from tests.browser.conftest import page_check, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "journey-pass-2026"

# The portal's staff tools: the home card (None: no card of its own, reached from another tool's page) and the
# roles whose pages let them in.
TOOLS = {
    "members:staff-applications": ("入会与转会审核", {"branch_admin"}),
    "members:import-list": ("会员导入与导出", {"branch_admin"}),
    "members:statistics": ("工会统计", {"branch_admin", "claims_reviewer", "finance", "events_manager",
                                        "station_manager", "hardship_officer"}),
    "benefits:staff": ("互助参保统计", {"branch_admin", "claims_reviewer", "finance"}),
    "benefits:aid-figures": ("助学资助统计", {"branch_admin", "claims_reviewer", "finance"}),
    "benefits:hardship-staff": ("困难职工帮扶", {"branch_admin", "hardship_officer"}),
    "benefits:staff-unpaid": (None, {"branch_admin", "claims_reviewer", "finance"}),
    "benefits:staff-group": (None, {"branch_admin", "finance"}),
    "culture:staff": ("文化宫工作台", {"branch_admin", "events_manager"}),
    "culture:satisfaction": (None, {"branch_admin", "events_manager"}),
    "culture:orders": ("一站式点单", {"branch_admin", "events_manager"}),
    "stations:staff-visits": ("驿站到访统计", {"branch_admin", "station_manager"}),
    "stats:dashboard": ("统计查询", {"branch_admin", "claims_reviewer", "finance", "events_manager",
                                     "station_manager", "hardship_officer"}),
}

# Admin lists that belong to some roles only (every role may look at its branches and their members).
ADMIN_LISTS = {
    "benefits/claim": {"claims_reviewer"},
    "benefits/educationaidapplication": {"claims_reviewer"},
    "benefits/hardshipfamily": {"branch_admin", "hardship_officer"},
    "benefits/payoutbatch": {"finance"},
    "benefits/enrolment": {"branch_admin", "claims_reviewer", "finance"},
    "members/staffrole": {"branch_admin"},
    "members/membershipapplication": {"branch_admin"},
    "members/importjob": {"branch_admin"},
    "culture/menuitem": {"branch_admin", "events_manager"},
    "culture/booking": {"branch_admin", "events_manager"},
    "stations/station": {"branch_admin", "station_manager"},
    "stations/visit": {"branch_admin", "station_manager"},
}

ROLES = ["branch_admin", "claims_reviewer", "finance", "events_manager", "station_manager", "hardship_officer"]


def test_the_table_names_every_role():
    from members.models import StaffRole

    assert sorted(ROLES) == sorted(StaffRole.Role.values)


@pytest.mark.parametrize("role", ROLES)
def test_a_staff_user_sees_and_opens_only_the_tools_of_their_role(browsing, org_tree, staff_of, role):
    user = staff_of(org_tree.district_a, role=role)
    user.set_password(PASSWORD)
    user.save()
    page = browsing.open()
    sign_in(page, user.mobile, PASSWORD)

    # Home: the cards of the role's tools, and none of another role's.
    page.goto(reverse("home"))
    page_check(page)
    main = page.locator("main")
    for name, (card, roles) in TOOLS.items():
        if card is None:
            continue
        link = main.locator(f"a[href='{reverse(name)}']")
        assert link.count() == (1 if role in roles else 0), f"{role}: the card {card} ({name})"

    # Each tool of the role opens; another role's answers 403 or 404 (or sends to sign in).
    refused = []
    for name, (_card, roles) in TOOLS.items():
        url = reverse(name)
        if role in roles:
            response = page.goto(url)
            assert response.status == 200, f"{role}: {name} answered {response.status}"
            page_check(page)
        else:
            response = page.request.get(url, max_redirects=0)
            assert response.status in (302, 403, 404), f"{role}: {name} answered {response.status}"
            refused.append(url)
    if refused:
        # The refusal page a person meets is readable too.
        response = page.goto(refused[0])
        assert response.status in (403, 404)
        page_check(page)

    # The admin index lists the role's models and none of another role's; those lists are refused.
    page.goto(reverse("admin:index"))
    page_check(page)
    hrefs = page.locator("#content-main a[href^='/admin/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    listed = {href.strip("/").removeprefix("admin/") for href in hrefs if href.count("/") == 4}
    for model, roles in ADMIN_LISTS.items():
        assert (model in listed) == (role in roles), f"{role}: admin list {model}"
        if role in roles:
            continue
        response = page.request.get(f"/admin/{model}/", max_redirects=0)
        assert response.status in (302, 403, 404), f"{role}: /admin/{model}/ answered {response.status}"
    own = next(model for model, roles in ADMIN_LISTS.items() if role in roles)
    page.goto(f"/admin/{own}/")
    page_check(page)
