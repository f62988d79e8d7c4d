"""Punctuation around values in templates, in the page's language: Chinese pages take full-width marks
（value）and "：", English pages " (value)" and ": ". A full-width mark written around a value in a template would
show on English pages too."""

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language

from core import text

register = template.Library()


def _chinese() -> bool:
    return (get_language() or "zh-hans").startswith("zh")


@register.filter
def book_title(value):
    """《title》 on Chinese pages, “title” on English ones; a title holding its own marks is left as it is
    (core.text.book_title), so none is ever doubled."""
    return text.book_title(value)


@register.simple_tag
def paren(value):
    """（value） or (value), the value escaped."""
    return format_html("（{}）", value) if _chinese() else format_html(" ({})", value)


@register.simple_tag
def colon():
    return "：" if _chinese() else ": "


@register.simple_tag
def comma():
    return "，" if _chinese() else ", "


@register.simple_tag
def list_sep():
    """Between the items of a list written out: 、 or ", "."""
    return "、" if _chinese() else ", "


@register.filter
def join_list(values):
    return ("、" if _chinese() else ", ").join(str(v) for v in values)


@register.simple_tag
def lparen():
    """The opening mark of a bracket whose content is markup ({% paren %} takes a value): （ or " (" ."""
    return "（" if _chinese() else " ("


@register.simple_tag
def rparen():
    return "）" if _chinese() else ")"


@register.simple_tag
def semicolon():
    return "；" if _chinese() else "; "


@register.simple_tag
def full_stop():
    return "。" if _chinese() else "."
