"""Staff two-factor: with STAFF_REQUIRE_TWO_FACTOR on (production), staff set up an authenticator app before any
admin or staff page. Personas: a superuser without TOTP, a station manager (staff role, not is_staff) without it, a
staff user with TOTP on, a member, nobody."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

ACTIVATE = reverse("mfa_activate_totp")


@pytest.fixture
def required(settings):
    settings.STAFF_REQUIRE_TWO_FACTOR = True
    return settings


@pytest.mark.parametrize("url", ["/admin/", "/staff/applications/", "/culture/staff/", "/stations/staff/visits/"])
def test_a_superuser_without_totp_is_sent_to_set_it_up_first(client, admin_user, required, url):
    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(ACTIVATE)
    assert f"next={url.replace('/', '%2F')}" in response["Location"]
    # allauth asks for the password again before an authenticator is added (a session signed in long ago), then
    # shows the activation page
    page = client.get(response["Location"], follow=True)
    assert page.status_code == 200
    assert page.redirect_chain == [] or "reauthenticate" in page.redirect_chain[-1][0]


def test_a_station_manager_without_totp_is_stopped_at_the_staff_pages_and_the_api(client, org_tree, staff_of,
                                                                                  required):
    manager = staff_of(org_tree.district_a, role="station_manager")
    client.force_login(manager)
    assert client.get("/stations/staff/visits/")["Location"].startswith(ACTIVATE)
    api = client.get("/api/v1/staff/members/")
    assert api.status_code == 403 and api.json()["error"]["code"] == "two_factor_required"
    assert client.get("/").status_code == 200  # their own pages stay open
    assert client.get(ACTIVATE, follow=True).status_code == 200


def test_staff_with_totp_pass(client, admin_user, required):
    TOTP.activate(admin_user, generate_totp_secret())
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200


def test_a_member_is_not_asked(client, org_tree, member_factory, required):
    client.force_login(member_factory(branch=org_tree.base_a1).user)
    assert client.get("/benefits/my-cover/").status_code == 200


def test_with_the_setting_off_nothing_changes(client, admin_user, settings):
    settings.STAFF_REQUIRE_TWO_FACTOR = False
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200


def test_production_turns_it_on():
    import subprocess
    import sys

    from tests.portal.test_settings import BASE_DIR, _secret_key

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
                               "print(settings.STAFF_REQUIRE_TWO_FACTOR)"],
        cwd=BASE_DIR, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "portal.settings.production",
             "DJANGO_SECRET_KEY": _secret_key(), "DJANGO_ALLOWED_HOSTS": "example.org",
             "SMS_BACKEND": "members.notifications.sms.DatabaseSmsBackend", "DJANGO_ENV_FILE": "/nonexistent"},
    )
    assert result.stdout.strip().splitlines()[-1] == "True", result.stderr
