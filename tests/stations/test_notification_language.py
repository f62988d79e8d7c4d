"""Messages of the stations app are written in the recipient's language, not in the staff member's.

Personas: a Chinese-speaking station manager answers an English-speaking member and a Chinese-speaking one;
an English-speaking manager answers a Chinese-speaking member."""

import pytest
from django.utils import translation

from members.models import Notification
from stations import services
from stations.models import Station

pytestmark = pytest.mark.django_db


@pytest.fixture
def english_member(member_factory, org_tree):
    return member_factory(branch=org_tree.base_a1, user__language="en").user


def rate(station, user):
    services.visit_record(station_id=station.pk, token=services.station_visit_token(station), job_type="courier",
                          user=user)
    return services.rating_create(user=user, station_id=station.pk, score=4)


def message(user, kind) -> Notification:
    return Notification.objects.get(user=user, kind=kind)


def test_a_reply_to_a_rating_reaches_each_rater_in_their_language(station_factory, personas, english_member):
    station = station_factory(name="鹭江道快递小哥驿站")
    english_rating, chinese_rating = rate(station, english_member), rate(station, personas.member)
    with translation.override("zh-hans"):
        services.rating_reply(actor=personas.manager_a, rating_id=english_rating.pk, reply="谢谢您的评价。")
        services.rating_reply(actor=personas.manager_a, rating_id=chinese_rating.pk, reply="谢谢您的评价。")

    english = message(english_member, "stations.rating_replied")
    assert english.title == "The rest station replied to your rating"
    assert english.body == "谢谢您的评价。"  # the staff's own words are not translated
    assert message(personas.member, "stations.rating_replied").title == "驿站回复了您的评价"


def test_an_answered_need_reaches_each_member_in_their_language(station_factory, personas, english_member):
    station = station_factory(kind=Station.Kind.SERVICE, name="湖滨职工服务站")
    english_need = services.need_create(user=english_member, station_id=station.pk, category="legal",
                                        text="想咨询工伤认定")
    chinese_need = services.need_create(user=personas.member, station_id=station.pk, category="legal",
                                        text="想咨询劳动合同")
    with translation.override("zh-hans"):
        services.need_answer(actor=personas.manager_a, need_id=english_need.pk, answer="请周三下午来站咨询律师。")
    with translation.override("en"):
        services.need_answer(actor=personas.manager_a, need_id=chinese_need.pk, answer="请周三下午来站咨询律师。")

    english = message(english_member, "stations.need_answered")
    assert english.title == "Your need submitted at 湖滨职工服务站 has been answered"
    assert english.body == "请周三下午来站咨询律师。"
    assert message(personas.member, "stations.need_answered").title == "您在湖滨职工服务站提交的需求有了答复"
