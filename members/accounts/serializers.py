from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import User


class MeSerializer(serializers.ModelSerializer):
    """The signed-in account. `name`, `notify_by_email`, `notify_by_sms` and `language` (of the messages the
    portal sends this person) may be changed; the mobile number
    and email change only through their verification flows, so sending them is an error, not ignored."""

    class Meta:
        model = User
        fields = ("id", "name", "mobile", "email", "mobile_verified", "notify_by_email", "notify_by_sms", "language")
        read_only_fields = ("id", "mobile", "email", "mobile_verified")
        extra_kwargs = {"name": {"allow_blank": False, "trim_whitespace": True}}

    def to_internal_value(self, data):
        # DRF silently drops read-only fields; a client trying to change its mobile number here should hear no.
        errors = {}
        if hasattr(data, "keys"):
            message = _("此字段只读，不能在这里修改。")
            errors = {field: [message] for field in self.Meta.read_only_fields if field in data}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if isinstance(exc.detail, dict):
                errors.update(exc.detail)
            if not errors:
                raise
            raise serializers.ValidationError(errors) from exc
        if errors:
            raise serializers.ValidationError(errors)
        return value
