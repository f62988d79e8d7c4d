"""allauth's forms with Chinese labels, and the password reset that takes a mobile number or an email address.

Named in ACCOUNT_FORMS. Kept apart from members/accounts/forms.py, which allauth imports while it builds these forms."""

from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from ..models import User, normalize_mobile


def _relabel(form: forms.Form, labels: dict) -> None:
    form.label_suffix = ""  # labels stand on their own line; no trailing colon
    for name, (label, placeholder) in labels.items():
        field = form.fields.get(name)
        if field is None:
            continue
        field.label = label
        if placeholder is not None:
            field.widget.attrs["placeholder"] = placeholder
        else:
            field.widget.attrs.pop("placeholder", None)


class SignupForm(allauth_forms.SignupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(
            self,
            {
                "email": (_("电子邮箱（选填）"), _("用于找回密码和接收通知")),
                "password1": (_("密码"), None),
                "password2": (_("再次输入密码"), None),
            },
        )


class LoginForm(allauth_forms.LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(
            self,
            {
                "login": (_("手机号码或电子邮箱"), _("例如 13800138000")),
                "password": (_("密码"), None),
                "remember": (_("在这台设备上保持登录"), None),
            },
        )
        self.fields["login"].widget.attrs["autocomplete"] = "username"
        self.fields["login"].error_messages["required"] = _("请填写手机号码或电子邮箱。")
        self.fields["password"].error_messages["required"] = _("请填写密码。")


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    """Takes a mobile number (the code goes by SMS) or an email address (the code goes by email).

    The field keeps allauth's name "email": allauth's view keys its rate limit on cleaned_data["email"], and
    its code process keeps the address the code went to under that name. The adapter's `send_mail()` sends
    the code by SMS when that address is a mobile number."""

    email = forms.CharField(
        label=_("手机号码或电子邮箱"),
        max_length=254,
        error_messages={"required": _("请填写注册时使用的手机号码或电子邮箱。")},
        widget=forms.TextInput(attrs={"autocomplete": "username", "placeholder": _("例如 13800138000")}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {})

    def clean_email(self) -> str:
        value = self.cleaned_data["email"].strip()
        if "@" in value:
            try:
                validate_email(value)
            except ValidationError:
                raise ValidationError(_("请输入有效的电子邮箱地址。"), code="invalid_email") from None
            self.cleaned_data["email"] = value.lower()
            return super().clean_email()
        mobile = normalize_mobile(value)
        self.users = list(User.objects.filter(mobile=mobile, is_active=True))
        if not self.users:
            raise get_adapter().validation_error("unknown_phone")
        return mobile


class ResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"password1": (_("新密码"), None), "password2": (_("再次输入新密码"), None)})


class ChangePasswordForm(allauth_forms.ChangePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(
            self,
            {
                "oldpassword": (_("当前密码"), None),
                "password1": (_("新密码"), None),
                "password2": (_("再次输入新密码"), None),
            },
        )


class ConfirmPasswordResetCodeForm(allauth_forms.ConfirmPasswordResetCodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"code": (_("验证码"), _("6 位数字"))})


class VerifyPhoneForm(allauth_forms.VerifyPhoneForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"code": (_("短信验证码"), _("6 位数字"))})



class ReauthenticateForm(allauth_forms.ReauthenticateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"password": (_("密码"), None)})
