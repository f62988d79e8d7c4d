from django import forms
from django.utils.translation import gettext_lazy as _


class NotificationPreferencesForm(forms.Form):
    """The channels a user wants besides the inbox. A channel without an address (no email, mobile number
    not yet verified) is shown but disabled, with the reason, since nothing could be sent over it."""

    notify_by_email = forms.BooleanField(label=_("通过电子邮件通知"), required=False)
    notify_by_sms = forms.BooleanField(label=_("通过短信通知"), required=False)

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {"notify_by_email": user.notify_by_email, "notify_by_sms": user.notify_by_sms})
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
        return {name: value for name, value in self.cleaned_data.items() if not self.fields[name].disabled}
