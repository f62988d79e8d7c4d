"""Links that leave the portal (SMS, email, printed posters) use SITE_URL, the public address, never the host or
port a request happened to come in on: `make stack` sets it from STACK_PORT, production from the environment."""

import pytest
from django.core import mail
from django.urls import reverse

from members.models import OutboundSms
from members.notifications.services import notification_send
from stations import services as station_services

PUBLIC = "https://portal.example.org:8443"


@pytest.fixture
def public_site(settings):
    settings.SITE_URL = PUBLIC
    return PUBLIC


@pytest.mark.django_db(transaction=True)
def test_a_notification_by_email_and_sms_links_to_the_public_address(public_site, user_factory):
    """The member (owner of the message) gets the link on both channels they chose."""
    member = user_factory(email="worker@example.org", notify_by_email=True, notify_by_sms=True)
    notification_send(user=member, kind="test", title="您的申请已受理", url="/benefits/claims/1/")
    assert mail.outbox, "the email was sent"
    assert f"{PUBLIC}/benefits/claims/1/" in mail.outbox[0].body
    sms = OutboundSms.objects.get(to=member.mobile)
    assert f"{PUBLIC}/benefits/claims/1/" in sms.body


def test_the_station_poster_points_at_the_public_address_not_the_request_host(client, public_site, org_tree, staff_of):
    """A station manager prints the poster from whatever host they use; the QR code and link are public."""
    from tests.stations.factories import StationFactory

    station = StationFactory(branch=org_tree.district_a)
    client.force_login(staff_of(org_tree.district_a, role="station_manager"))
    response = client.get(reverse("stations:poster", args=[station.pk]), HTTP_HOST="127.0.0.1:8123")
    assert response.status_code == 200
    path = reverse("stations:visit", args=[station.pk, station_services.station_visit_token(station)])
    html = response.content.decode()
    assert f"{PUBLIC}{path}" in html
    assert "127.0.0.1:8123" not in html
