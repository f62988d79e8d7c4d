"""Titles are set apart once: 《title》 in Chinese, “title” in English, and a title that holds its own marks
(周末亲子电影《熊出没·逆转时空》) as it is, never 《周末亲子电影《熊出没·逆转时空》》."""

import pytest
from django.template import Context, Template
from django.utils import translation

from core.text import book_title, book_title_lazy


@pytest.mark.parametrize("title, chinese, english", [
    ("新春职工文艺汇演", "《新春职工文艺汇演》", "“新春职工文艺汇演”"),
    ("周末亲子电影《熊出没·逆转时空》", "周末亲子电影《熊出没·逆转时空》", "周末亲子电影《熊出没·逆转时空》"),
    ("《长津湖》", "《长津湖》", "《长津湖》"),
    ("“劳动最光荣”主题演讲比赛", "“劳动最光荣”主题演讲比赛", "“劳动最光荣”主题演讲比赛"),
    ("Swan Lake", "《Swan Lake》", "“Swan Lake”"),
    ("", "", ""),
])
def test_book_title_wraps_once_in_each_language(title, chinese, english):
    assert book_title(title, language="zh-hans") == chinese
    assert book_title(title, language="en") == english
    with translation.override("en"):
        assert book_title(title) == english


def test_the_lazy_title_is_written_in_the_language_active_when_it_is_read():
    title = book_title_lazy("新春职工文艺汇演")
    with translation.override("en"):
        assert str(title) == "“新春职工文艺汇演”"
    with translation.override("zh-hans"):
        assert str(title) == "《新春职工文艺汇演》"


def test_the_template_filter_wraps_once_and_escapes():
    template = Template("{% load punctuation %}{{ a|book_title }}|{{ b|book_title }}")
    with translation.override("zh-hans"):
        assert template.render(Context({"a": "歌仔戏<专场>", "b": "歌仔戏专场《陈三五娘》"})) == (
            "《歌仔戏&lt;专场&gt;》|歌仔戏专场《陈三五娘》")
