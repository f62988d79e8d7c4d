"""`{% load money %}` then `{{ amount|yuan }}` → ¥1,700.00 and `{{ amount|yuan_text }}` → 1,700.00 元
(core.money: the one format of the portal)."""

from django import template

from core import money

register = template.Library()

register.filter("yuan", money.yuan, is_safe=True)
register.filter("yuan_text", money.yuan_text, is_safe=True)
