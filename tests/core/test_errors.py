"""The one error type and the two doors that turn it into words: the API's exception handler and the pages'
page_errors / error_show."""

import pytest
from django import forms
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.urls import reverse
from django.utils.translation import gettext_lazy
from rest_framework.permissions import AllowAny
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from benefits.claims.services import ClaimChanged, ClaimError
from core.errors import ApplicationError, error_show, page_errors
from culture.models import Rating
from culture.services import CheckInError, CultureError, NotInScope, SessionFull
from members.organisation.services import MembershipError
from stations.services import StationError


def _api_answer(error: Exception):
    """What the API answers when a view's service raises `error`."""

    class Refusing(APIView):
        permission_classes = [AllowAny]
        authentication_classes: list = []

        def post(self, request):
            raise error

    return Refusing.as_view()(APIRequestFactory().post("/api/v1/anything/", {}, format="json"))


# --- the API's handler ---------------------------------------------------------------------------------------


def test_an_unknown_code_answers_400_with_that_code_and_the_message():
    response = _api_answer(ApplicationError("不能这样做。", "made_up_code"))
    assert response.status_code == 400
    assert response.data == {"error": {"code": "made_up_code", "message": "不能这样做。", "fields": {}}}


def test_without_a_code_the_error_is_invalid():
    response = _api_answer(ApplicationError("不能这样做。"))
    assert (response.status_code, response.data["error"]["code"]) == (400, "invalid")


@pytest.mark.parametrize(("code", "status"), [
    ("not_found", 404), ("forbidden", 403), ("conflict", 409), ("rate_limited", 429), ("wrong_state", 400),
])
def test_codes_map_to_their_status(code, status):
    response = _api_answer(ApplicationError("x", code))
    assert response.status_code == status
    assert response.data["error"]["code"] == code


def test_fields_are_lists_of_strings_under_their_names():
    response = _api_answer(ApplicationError(gettext_lazy("请填写姓名。"), fields={"name": gettext_lazy("请填写姓名。"),
                                                                              "items.0": ["太多", "太少"]}))
    assert response.status_code == 400
    assert response.data["error"] == {"code": "invalid", "message": "请填写姓名。",
                                      "fields": {"name": ["请填写姓名。"], "items.0": ["太多", "太少"]}}


def test_one_field_at_fault_is_named_with_the_message():
    response = _api_answer(StationError("本小时内您已登记过。", field="mobile"))
    assert response.data["error"] == {"code": "invalid", "message": "本小时内您已登记过。",
                                      "fields": {"mobile": ["本小时内您已登记过。"]}}


def test_every_app_error_is_an_application_error_with_the_status_its_api_always_answered():
    # members and claims: not found 404, forbidden 403, conflict 409 (as their error helpers answered).
    assert _api_answer(MembershipError("没有找到。", code="not_found")).status_code == 404
    assert _api_answer(MembershipError("无权。", code="forbidden")).status_code == 403
    assert _api_answer(ClaimChanged("已变更。")).status_code == 409
    assert _api_answer(ClaimError("缺材料。", fields={"file": "太大"})).data["error"]["fields"] == {"file": ["太大"]}
    # The palace answered every refusal 400 but not found (404) and a used ticket at the door (409).
    assert _api_answer(NotInScope()).status_code == 400
    assert _api_answer(SessionFull()).data["error"]["code"] == "full"
    assert _api_answer(CultureError("没有找到。", code="not_found")).status_code == 404
    assert _api_answer(CheckInError("已检票。", code="used")).status_code == 409
    assert _api_answer(CheckInError("票不对。", code="not_found")).status_code == 400


def test_a_bug_is_not_swallowed_into_an_envelope():
    # Anything that is not an ApplicationError rises: Django answers it 500 and logs it.
    with pytest.raises(ZeroDivisionError):
        _api_answer(ZeroDivisionError("a bug"))


def test_a_real_endpoint_answers_its_services_refusal_in_the_envelope(client, django_user_model):
    # The view no longer catches: an outsider rating a booking that is not theirs meets the service's 404.
    outsider = django_user_model.objects.create_user(mobile="13800138123", password="pw-long-enough-1")
    client.force_login(outsider)
    response = client.post(reverse("api:culture-booking-rate", args=[123456]), {"score": 5},
                           content_type="application/json")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "找不到该预约。", "fields": {}}}
    assert not Rating.objects.exists()


# --- pages ---------------------------------------------------------------------------------------------------


class NameForm(forms.Form):
    name = forms.CharField()
    mobile = forms.CharField()


def _request():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _messages(request) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in request._messages]


def test_a_field_error_lands_on_its_field_once():
    form = NameForm({"name": "x", "mobile": "1"})
    form.is_valid()
    error_show(_request(), MembershipError("号码已被使用。", field="mobile"), form=form)
    assert form.errors == {"mobile": ["号码已被使用。"]}


def test_a_field_the_form_lacks_and_the_message_become_non_field_errors():
    form = NameForm({"name": "x", "mobile": "1"})
    form.is_valid()
    error_show(_request(), ClaimError("请检查材料。", fields={"file": "文件太大。"}), form=form)
    assert form.non_field_errors() == ["文件太大。", "请检查材料。"]
    assert "name" not in form.errors and "mobile" not in form.errors


def test_without_a_form_the_error_is_a_message_of_the_chosen_level():
    request = _request()
    error_show(request, SessionFull())
    error_show(request, ApplicationError("稍后再试。"), level=messages.WARNING)
    assert _messages(request) == [(messages.ERROR, "该场次已满，可以加入候补名单。"), (messages.WARNING, "稍后再试。")]


def test_page_errors_shows_the_refusal_and_ends_the_block():
    request, ran_on = _request(), []
    with page_errors(request) as outcome:
        raise StationError("只有职工服务站受理需求。")
        ran_on.append("after")
    assert outcome.error is not None and outcome.error.message == "只有职工服务站受理需求。"
    assert ran_on == []
    assert _messages(request) == [(messages.ERROR, "只有职工服务站受理需求。")]


def test_page_errors_without_a_refusal_leaves_no_error_and_no_message():
    request = _request()
    with page_errors(request, form=NameForm({})) as outcome:
        pass
    assert outcome.error is None
    assert _messages(request) == []


def test_page_errors_lets_a_bug_rise():
    request = _request()
    with pytest.raises(KeyError), page_errors(request):
        raise KeyError("a bug")
    assert _messages(request) == []
