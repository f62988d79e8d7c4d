"""Template helpers of the cultural palace's pages."""

from django import template

from culture.selectors import viewer_is_palace_staff

register = template.Library()


@register.simple_tag(takes_context=True)
def palace_staff(context) -> bool:
    """Whether the viewer holds a palace role (events manager or branch admin) somewhere: the staff links of the
    palace's navigation are for them only (an is_staff flag alone, or a station manager's role, meets a 404
    there)."""

    request = context.get("request")
    return viewer_is_palace_staff(request) if request is not None else False
