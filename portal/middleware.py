"""Language choice: the portal is Chinese first."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_cache_control

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


class PrivatePagesNoStoreMiddleware:
    """Every response to a signed-in person (page, API answer, document) may show personal data: their name in the
    header, a claim, an ID number. Browsers and proxies must keep none of it, so the back button or a shared
    computer shows nothing after sign-out. Responses that say how to be cached themselves (static files, public
    pages cached on purpose) are left alone; anonymous pages stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
