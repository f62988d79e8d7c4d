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
            self.fields["notify_by_email"].disabled = True
            self.fields["notify_by_email"].help_text = _("您还没有填写电子邮箱，填写后才能接收邮件通知。")
        if not user.mobile_verified:
            self.fields["notify_by_sms"].disabled = True
            self.fields["notify_by_sms"].help_text = _("您的手机号尚未验证，验证后才能接收短信通知。")
