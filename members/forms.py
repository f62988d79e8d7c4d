from django import forms

from .models import User


class NotificationPreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["notify_by_email", "notify_by_sms"]
