"""Forms of the members app. The sign-up and login forms are allauth's, with our mobile field and labels."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.text import validate_visible


class MobileField(forms.CharField):
    """A mainland mobile number, cleaned to the 11 digits we store (see `members.models.normalize_mobile`).

    allauth builds its phone fields through `AccountAdapter.phone_form_field()`, so sign-up, login and
    phone-change all use this field; allauth's own field would demand E.164 ("+86…")."""

    def __init__(self, **kwargs):
        kwargs["label"] = _("手机号码")
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "type": "tel",
                    "inputmode": "numeric",
                    "autocomplete": "tel-national",
                    "placeholder": "13800138000",
                }
            ),
        )
        kwargs.setdefault("error_messages", {"required": _("请填写手机号码。")})
        super().__init__(**kwargs)

    def clean(self, value):
        from allauth.account.adapter import get_adapter

        value = super().clean(value)
        return get_adapter().clean_phone(value) if value else value


class SignupExtraFields(forms.Form):
    """ACCOUNT_SIGNUP_FORM_CLASS: what we ask at sign-up beyond allauth's fields, on the web and in the
    headless API alike. It must not import allauth's forms (allauth builds its sign-up form on top of it)."""

    name = forms.CharField(
        label=_("姓名"),
        max_length=100,
        validators=[validate_visible],
        error_messages={"required": _("请填写您的姓名。")},
        widget=forms.TextInput(attrs={"autocomplete": "name", "placeholder": _("与身份证一致的姓名")}),
    )
    field_order = ["phone", "name", "email", "password1", "password2"]

    def signup(self, request, user):
        """The adapter's `save_user()` has already stored the name with the rest of the new account."""


class NotificationPreferencesForm(forms.Form):
    """The channels a user wants besides the inbox. A channel without an address (no email, mobile number
    not yet verified) is shown but disabled, with the reason, since nothing could be sent over it."""

    notify_by_email = forms.BooleanField(label=_("通过电子邮件通知"), required=False)
    notify_by_sms = forms.BooleanField(label=_("通过短信通知"), required=False)
    language = forms.ChoiceField(label=_("通知语言"), choices=settings.LANGUAGES, required=False,
                                 help_text=_("站内消息、邮件和短信用这种语言书写。"))

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {"notify_by_email": user.notify_by_email, "notify_by_sms": user.notify_by_sms,
                                      "language": user.language})
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.email:
            self._unavailable("notify_by_email", _("您还没有填写电子邮箱，填写后才能接收邮件通知。"))
        if not user.mobile_verified:
            self._unavailable("notify_by_sms", _("您的手机号尚未验证，验证后才能接收短信通知。"))

    def _unavailable(self, name: str, reason: str) -> None:
        # Shown unticked (nothing is sent over it) and left out of the changes, so the stored choice
        # applies again once the address exists.
        self.fields[name].disabled = True
        self.fields[name].help_text = reason
        self.initial[name] = False

    def changes(self) -> dict:
        """The choices the user could make, for `user_profile_update`."""
        changes = {name: value for name, value in self.cleaned_data.items() if not self.fields[name].disabled}
        if not changes.get("language"):  # not sent: left as it is
            changes.pop("language", None)
        return changes
