"""Language choice: the portal is Chinese first."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

# Apps calling these may ask for a language with Accept-Language; pages follow the person's own choice.
NEGOTIATED_PREFIXES = ("/api/", "/_allauth/")


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Pages are in Chinese unless the person picked English with the language switch (its cookie): a phone
    or browser set to English still shows a Chinese member the portal their union uses, with the switch at
    the top. The API and the app endpoints keep Accept-Language negotiation."""

    def process_request(self, request):
        if request.path_info.startswith(NEGOTIATED_PREFIXES):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        try:
            language = translation.get_supported_language_variant(chosen) if chosen else settings.LANGUAGE_CODE
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
