"""The client's address, the one way every door reads it (rate limits, payment orders, audit)."""

from allauth.account.adapter import get_adapter


def client_ip(request) -> str:
    """The address of the person's device: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the X-Forwarded-For
    entry that many places from the right (allauth's reading, so rate limits and everything else agree)."""
    return get_adapter(request).get_client_ip(request) or ""
