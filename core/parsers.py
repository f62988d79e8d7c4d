"""The API's body parsers (a module of its own: DRF reads DEFAULT_PARSER_CLASSES while rest_framework.views is
being imported, so this must not import it, as core.api does)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class ObjectJSONParser(JSONParser):
    """Every JSON body the API takes is an object; `[null]`, `"text"` or `3` answer 400, never reach a view
    that would read them as a dict. (DRF's parser already refuses NaN and Infinity: strict JSON.)"""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if not isinstance(data, dict):
            raise ParseError(_("请求体必须是一个 JSON 对象（{…}）。"))
        return data
