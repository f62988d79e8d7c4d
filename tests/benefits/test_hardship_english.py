"""The hardship pages in English read as English: the member's page and the staff's pages, rendered with English
active, show no Chinese punctuation and no Chinese date text (the check and its helpers are
tests/portal/test_english_pages.py's). Personas from `hw`: the member (named in English here) and the base officer.
The personas' Chinese branch names and the demo notes typed in Chinese are taken out of the text first."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from benefits.hardship import services
from members.models import Member
from tests.benefits.hardship_helpers import S, family_at
from tests.portal.test_english_pages import chinese_marks, visible_text

pytestmark = pytest.mark.django_db


def test_hardship_pages_in_english_have_no_chinese_punctuation_or_dates(client, hw):
    Member.objects.filter(pk=hw.member.pk).update(name="Li Ming")
    hw.member.refresh_from_db()
    family = family_at(hw, S.CONFIRMED)
    services.household_member_add(actor=hw.officer, family_id=family.pk, name="Wang Fang", relation="spouse", age=40)
    services.care_visit_plan(actor=hw.officer, family_id=family.pk, kind="festival", due_on=timezone.localdate(),
                             purpose="Spring Festival")
    notice = family_at(hw, S.NOTICE, hw.other)
    data = [b.name for b in vars(hw.tree).values()] + ["走访核实", hw.other.name]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(hw.member.user)
    pages = {"mine": client.get(reverse("benefits:hardship")), "file": client.get(reverse("benefits:hardship-file"))}
    client.force_login(hw.officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for name in ("hardship-staff", "hardship-staff-notices", "hardship-staff-care", "hardship-staff-statistics",
                 "hardship-staff-file"):
        pages[name] = client.get(reverse(f"benefits:{name}"))
    pages["family"] = client.get(reverse("benefits:hardship-staff-family", args=[family.pk]))
    pages["notice family"] = client.get(reverse("benefits:hardship-staff-family", args=[notice.pk]))
    for name, response in pages.items():
        assert response.status_code == 200, name
        text = visible_text(response.content.decode(), data)
        assert chinese_marks(text) == [], name
