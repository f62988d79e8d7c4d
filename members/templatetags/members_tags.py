"""Template helpers of the members app: `{{ member.id_number|mask_id_number }}`."""

from django import template

from ..id_numbers import mask_id_number as _mask_id_number

register = template.Library()


@register.filter
def mask_id_number(value: str) -> str:
    return _mask_id_number(value or "")
