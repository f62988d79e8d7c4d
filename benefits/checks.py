"""Deployment checks of the mutual-aid service."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def sandbox_payments_check(app_configs=None, **kwargs) -> list[Error]:
    """The sandbox gateway activates cover without any money moving: never in a deployment."""
    if not settings.BENEFITS_SANDBOX_PAYMENTS:
        return []
    return [Error(
        "BENEFITS_SANDBOX_PAYMENTS is on: any member can activate cover without paying.",
        hint="Turn it off in production and configure WeChat Pay (WECHATPAY_MCHID and its keys, README).",
        id="benefits.E001",
    )]
