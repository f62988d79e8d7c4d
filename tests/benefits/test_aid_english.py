"""The education-aid pages in English read as English: the member's list, form, application and the staff's figures,
rendered with English active, show no Chinese punctuation and no Chinese date text (the check and its helpers are
tests/portal/test_english_pages.py's). Personas: the member (named in English here) and the federation's reviewer.
What people typed in Chinese (branch names, the campaign's name, the child's school) is taken out first."""

import pytest
from django.conf import settings
from django.urls import reverse

from members.models import Member
from tests.benefits.aid_helpers import approved
from tests.portal.test_english_pages import chinese_marks, visible_text

pytestmark = pytest.mark.django_db


def test_aid_pages_in_english_have_no_chinese_punctuation_or_dates(client, aid_world):
    Member.objects.filter(pk=aid_world.member.pk).update(name="Li Ming")
    aid_world.member.refresh_from_db()
    application = approved(aid_world, child_name="Li Xiaoyu", school="Xiamen University",
                           basis_note="In hospital for three months")
    data = [b.name for b in vars(aid_world.tree).values()] + [aid_world.campaign.name, "张三"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(aid_world.member.user)
    pages = {name: client.get(path) for name, path in (
        ("list", reverse("benefits:aid-list")), ("new", reverse("benefits:aid-new")),
        ("detail", reverse("benefits:aid", args=[application.pk])))}
    client.force_login(aid_world.reviewer_fed)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    pages["figures"] = client.get(reverse("benefits:aid-figures"))
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert chinese_marks(visible_text(response.content.decode(), data)) == [], name
