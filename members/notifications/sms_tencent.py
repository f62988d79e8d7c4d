"""Tencent Cloud SMS (短信 API 2021-01-11, SendSms) on its maintained SDK `tencentcloud-sdk-python-sms`.

Tencent sends only approved templates with parameters, under an approved signature (签名). The portal's texts map
onto two templates (settings):
- SMS_TENCENT_TEMPLATE_CODE for every verification code (sign-up, login, reset, a visitor's verification), its
  parameters the code and the minutes it is valid ("您的验证码为{1}，{2}分钟内有效…");
- SMS_TENCENT_TEMPLATE_NOTICE for everything else (notifications, tickets, waiting-list offers), its one parameter
  the text without the portal's bracketed name ("{1}").
Any failure (Tencent's error code, a number refused, a timeout) raises SmsError: the delivery is retried by the
task that sends it. Every call has a timeout (SMS_TENCENT_TIMEOUT_SECONDS).
"""

import re
from urllib.parse import urlsplit

from django.conf import settings

from .sms import BaseSmsBackend, SmsError

_CODE_TEXT = re.compile(r"验证码[^0-9]{0,12}(\d{4,8})")
_MINUTES = re.compile(r"(\d+)\s*分钟")
_PORTAL_PREFIX = re.compile(r"^【[^】]*】")


def template_for(body: str) -> tuple[str, list[str]]:
    """(template id, parameters) for one of the portal's texts."""
    code = _CODE_TEXT.search(body)
    if code:
        minutes = _MINUTES.search(body)
        return settings.SMS_TENCENT_TEMPLATE_CODE, [code.group(1), minutes.group(1) if minutes else "10"]
    return settings.SMS_TENCENT_TEMPLATE_NOTICE, [_PORTAL_PREFIX.sub("", body).strip()[:300]]


class TencentSmsBackend(BaseSmsBackend):
    def _client(self):
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        endpoint = urlsplit(settings.SMS_TENCENT_ENDPOINT if "://" in settings.SMS_TENCENT_ENDPOINT
                            else f"https://{settings.SMS_TENCENT_ENDPOINT}")
        http = HttpProfile(protocol=endpoint.scheme, endpoint=endpoint.netloc,
                           reqTimeout=int(settings.SMS_TENCENT_TIMEOUT_SECONDS))
        return sms_client.SmsClient(
            credential.Credential(settings.SMS_TENCENT_SECRET_ID, settings.SMS_TENCENT_SECRET_KEY),
            settings.SMS_TENCENT_REGION, ClientProfile(httpProfile=http))

    def send(self, *, to: str, body: str) -> None:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111 import models

        template, params = template_for(body)
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [f"+86{to}"]
        request.SmsSdkAppId = settings.SMS_TENCENT_APP_ID
        request.SignName = settings.SMS_TENCENT_SIGN_NAME
        request.TemplateId = template
        request.TemplateParamSet = params
        try:
            response = self._client().SendSms(request)
        except TencentCloudSDKException as exc:  # Tencent's error, a timeout, a refused connection
            raise SmsError(f"Tencent SMS: {exc.code}") from exc
        statuses = response.SendStatusSet or []
        if not statuses or statuses[0].Code != "Ok":
            raise SmsError(f"Tencent SMS refused: {statuses[0].Code if statuses else 'no status'}")
