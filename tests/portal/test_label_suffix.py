"""A form label is followed by the reader's colon: "姓名：" in Chinese (Django's own zh_Hans catalogue leaves the
ASCII one; locale/zh_Hans holds the full-width one) and "Name:" in English.

Persona: a member filling in any of the portal's forms, in either language."""

import pytest
from django import forms
from django.utils import translation


class _Form(forms.Form):
    name = forms.CharField(label="姓名")


def test_chinese_labels_end_with_a_full_width_colon_and_english_ones_with_an_ascii_one():
    with translation.override("zh-hans"):
        assert '>姓名：</label>' in _Form().as_p()
    with translation.override("en"):
        assert '>姓名:</label>' in _Form().as_p()  # the label's own text is the form's; the suffix is the language's


@pytest.mark.django_db
def test_a_page_of_the_portal_writes_chinese_colons_after_its_labels(client):
    """A signed-out visitor asked to verify their mobile number (a form rendered with Django's labels)."""
    page = client.get("/culture/verify-mobile/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    text = page.content.decode()
    assert "：</label>" in text and ":</label>" not in text


def test_a_label_that_is_a_sentence_takes_no_colon_after_its_full_stop():
    class Confirm(forms.Form):
        confirm = forms.BooleanField(label="我确认撤回：撤回后不能恢复。")
        question = forms.CharField(label="是否住院？")

    with translation.override("zh-hans"):
        html = Confirm().as_div()
    assert "不能恢复。</label>" in html and "是否住院？</label>" in html
