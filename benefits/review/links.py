"""Links to an application's documents (a claim's, an education-aid application's) that an app can open without
the browser's session cookie.

The API hands out each document's URL signed for the user who asked, valid CLAIM_DOCUMENT_URL_MAX_AGE seconds.
Opening it proves who the link was issued to; the view then checks that this user may still see the document
(`selectors.document_for`), on every request, so a link outlives neither a lost role nor a removed
document. Links without a signature keep working with the session, as on the portal's pages.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse
from django.utils.http import urlencode

_SALT = "benefits.claim-document-link"


def document_url(*, token, user, route: str = "benefits:claim-document") -> str:
    """The document's path (`route`: the view that serves this kind's documents), signed for `user` (anonymous:
    the plain path, which needs a session)."""
    path = reverse(route, args=[token])
    if not getattr(user, "is_authenticated", False):
        return path
    signature = signing.TimestampSigner(salt=_SALT).sign(f"{token}:{user.pk}")
    return f"{path}?{urlencode({'sig': signature})}"


def document_link_user(*, token, signature: str):
    """The active user `signature` was issued to for this document, or None when it is forged, for another
    document or older than CLAIM_DOCUMENT_URL_MAX_AGE."""
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(signature, max_age=settings.CLAIM_DOCUMENT_URL_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return None
    signed_token, _, user_id = value.rpartition(":")
    if signed_token != str(token) or not user_id.isdigit():
        return None
    return get_user_model().objects.filter(pk=int(user_id), is_active=True).first()
