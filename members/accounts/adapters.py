"""allauth adapters: mobile numbers live on our User; SMS codes go out through the SMS backend.

allauth keeps no phone numbers itself. It hands every number it receives to `clean_phone()`, and our answer
is the stored form, 11 digits (`members.models.normalize_mobile`): the web forms take "13800138000" as people
type it, the headless API takes the same or E.164 ("+8613800138000"; members/accounts/headless.py), and from then on
allauth, the SMS backend and `User.mobile` all see the same 11-digit string.
"""

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse, RateLimited
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.contrib import messages
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.services import audit_log

from ..http import client_ip
from ..models import User, normalize_mobile
from ..notifications.services import sms_queue
from ..notifications.sms_limits import sms_send_allowed
from .forms import MobileField
from .phone_codes import phone_code_sent

# Codes sent by SMS: the sign-up (phone verification) code and the password reset code. Never a password.
PHONE_VERIFICATION_SMS = _(
    "【工会服务门户】您的验证码 %(code)s，%(minutes)d 分钟内有效，用于验证手机号码。请勿告诉他人。"
)

SMS_TEMPLATES = {
    "account/email/password_reset_code": _(
        "【工会服务门户】您正在重设密码，验证码 %(code)s，%(minutes)d 分钟内有效。如非本人操作，请忽略本短信。"
    ),
}


def is_mobile_address(value: str) -> bool:
    """allauth's password reset keeps the address a code goes to under "email"; ours may be a mobile number."""
    return bool(value) and "@" not in value


def _signup_language(request) -> str:
    try:
        return translation.get_supported_language_variant(getattr(request, "LANGUAGE_CODE", "") or "")
    except LookupError:
        return settings.LANGUAGE_CODE


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": _("电子邮箱或密码不正确。"),
        "phone_password_mismatch": _("手机号码或密码不正确。"),
        # A login that is neither an email address nor a mobile number is tried as a username, which we lack.
        "username_password_mismatch": _("请输入注册时使用的手机号码或电子邮箱，并检查密码。"),
        "invalid_login": _("请输入注册时使用的手机号码或电子邮箱。"),
        "email_taken": _("该电子邮箱已被其他账户使用。请换一个邮箱，或直接登录。"),
        "phone_taken": _(
            "该手机号码已注册。请直接登录；如果这是您的号码但忘记了密码，请用“忘记密码”通过短信验证码重设。"
        ),
        "signup_conflict": _("该手机号码或电子邮箱刚刚已被注册。请直接登录，或换一个号码或邮箱再试。"),
        "unknown_email": _("没有使用该电子邮箱的账户。"),
        "unknown_phone": _("没有使用该手机号码的账户。"),
        "incorrect_code": _("验证码不正确，请核对短信或邮件中的验证码。"),
        "incorrect_password": _("密码不正确。"),
        "enter_current_password": _("请输入当前密码。"),
        "account_inactive": _("该账户已停用。"),
        "invalid_or_expired_key": _("链接无效或已过期。"),
        "invalid_password_reset": _("重设密码的链接无效或已过期，请重新申请。"),
        "too_many_login_attempts": _(
            "尝试次数过多。为保护账户安全，请过几分钟再试；需要验证码时请重新获取。"
        ),
        "rate_limited": _("操作过于频繁，请稍后再试（同一号码每分钟最多发送一条验证码短信）。"),
        "same_as_current": _("新的内容必须与当前的不同。"),
    }

    # --- Phone numbers: allauth asks, our User answers ------------------------------------------------------
    def phone_form_field(self, **kwargs):

        return MobileField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        return normalize_mobile(phone)

    def set_phone(self, user: User, phone: str, verified: bool) -> None:
        user.mobile = normalize_mobile(phone)
        user.mobile_verified = verified
        if user.pk:
            user.save(update_fields=["mobile", "mobile_verified"])

    def get_phone(self, user: User) -> tuple[str, bool] | None:
        return (user.mobile, user.mobile_verified) if user.mobile else None

    def set_phone_verified(self, user: User, phone: str) -> None:
        """A code sent to `phone` was entered: that number is the user's, verified. At sign-up it is the number
        already stored; when a member changes numbers, this is the moment the new one replaces the old."""
        mobile = normalize_mobile(phone)
        previous = user.masked_mobile if user.mobile != mobile else None
        with transaction.atomic():
            user.mobile = mobile
            user.mobile_verified = True
            user.save(update_fields=["mobile", "mobile_verified"])
            if previous:
                audit_log(actor=user, action="account.mobile_changed", target=user, data={"from": previous})
            else:
                audit_log(actor=user, action="account.mobile_verified", target=user)

    def get_user_by_phone(self, phone: str) -> User | None:
        try:
            mobile = normalize_mobile(phone)
        except ValidationError:
            return None
        return User.objects.filter(mobile=mobile).first()

    def send_verification_code_sms(self, user: User, phone: str, code: str, **kwargs) -> None:
        minutes = account_settings.PHONE_VERIFICATION_TIMEOUT // 60
        body = gettext(PHONE_VERIFICATION_SMS) % {"code": code, "minutes": minutes}
        self._sms_code_send(normalize_mobile(phone), body)
        phone_code_sent(user=user, phone=phone, code=code)

    def get_login_stages(self) -> list[str]:
        # Logging in again while the number's code is valid returns to that code (members/accounts/phone_codes.py).
        return ["members.accounts.phone_codes.PhoneVerificationStage"
                if path == "allauth.account.stages.PhoneVerificationStage"
                else path for path in super().get_login_stages()]

    def _sms_code_send(self, mobile: str, body: str) -> None:
        """Every code allauth sends by SMS passes the portal's SMS ceiling (members/notifications/sms_limits.py);
        beyond it the person gets the 429 page (RateLimitedMiddleware) and nothing is sent."""
        request = getattr(self, "request", None)
        if not sms_send_allowed(mobile=mobile, client_ip=client_ip(request) if request is not None else ""):
            raise RateLimited
        sms_queue(to=mobile, body=body)

    # --- Sign-up --------------------------------------------------------------------------------------------
    def save_user(self, request, user: User, form, commit: bool = True) -> User:
        """The mobile number is set before the first save: the row must never exist without one."""
        data = form.cleaned_data
        user.mobile = data["phone"]
        user.mobile_verified = False
        user.name = data.get("name", "").strip()
        user.email = data.get("email") or None
        # Messages to this person follow the language they signed up in until they choose another.
        user.language = _signup_language(request)
        password = data.get("password1") or data.get("password")
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        if commit:
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError:
                # Race: two sign-ups with the same number (or email) at once both pass the form's check; the
                # unique constraints decide, and the later one is sent back to the form with the reason.
                self.add_message(request, messages.ERROR, message=self.error_messages["signup_conflict"])
                raise ImmediateHttpResponse(redirect("account_signup")) from None
            audit_log(actor=user, action="account.signed_up", target=user, data={"with_email": bool(user.email)})
        return user

    # --- Password reset by mobile number: the code goes by SMS -----------------------------------------------
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        if not is_mobile_address(email):
            return super().send_mail(template_prefix, email, context)
        template = SMS_TEMPLATES.get(template_prefix)
        if template is None:
            # Nothing else allauth writes is meant for a phone; a mobile number never reaches the mail backend.
            return None
        minutes = account_settings.PASSWORD_RESET_BY_CODE_TIMEOUT // 60
        self._sms_code_send(email, gettext(template) % {"code": context["code"], "minutes": minutes})
        return None

    # --- Failed-login rate limit ------------------------------------------------------------------------------
    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth keys the per-account limit on email or username only; a phone login would share one empty key
        # with every other phone login. Key it on the stored form of the mobile number instead.
        phone = credentials.get("phone")
        if phone and not credentials.get("email"):
            try:
                login = normalize_mobile(phone)
            except ValidationError:
                login = phone
            return f"{get_current_site(request).domain}:{login}"
        return super()._get_login_attempts_cache_key(request, **credentials)


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": _("验证码不正确，请输入身份验证器应用中当前显示的 6 位数字，或一个恢复码。"),
        "unverified_email": _("请先验证您的电子邮箱，再开启两步验证。"),
        "cannot_delete_authenticator": _("不能关闭两步验证。"),
        "cannot_generate_recovery_codes": _("请先开启两步验证，再生成恢复码。"),
        "add_email_blocked": _("开启两步验证的账户不能再添加电子邮箱。"),
    }

    def get_totp_label(self, user: User) -> str:
        # What the authenticator app lists the account as: the login people know, their mobile number.
        return user.mobile or super().get_totp_label(user)
