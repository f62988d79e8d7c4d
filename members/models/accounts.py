"""Accounts and what reaches them: users (signed in by mobile number), notifications, SMS."""

import re

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.digits import ascii_digits
from core.text import validate_visible

# [0-9], not \d: Python's \d also matches other scripts' digits. The same pattern is a database constraint.
MOBILE_PATTERN = r"^1[3-9][0-9]{9}$"
mobile_validator = RegexValidator(
    MOBILE_PATTERN, _("请输入 11 位中国大陆手机号码，例如 13800138000。"), code="invalid_mobile"
)
_MOBILE_SEPARATORS = re.compile(r"[\s\-().]")


def normalize_mobile(value: str) -> str:
    """The one stored form of a mobile number: 11 digits, like 13800138000.

    Accepts what people and apps type: full-width digits (Chinese input methods), spaces and dashes, and the
    country code as +86, 0086 or 86 (allauth's headless API sends E.164, "+8613800138000"). Anything else,
    including numbers of other countries, raises a ValidationError with a message people can read.
    """
    text = _MOBILE_SEPARATORS.sub("", ascii_digits(value))
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    else:
        if len(text) == 13 and text.startswith("86"):
            text = text[2:]
    if not re.fullmatch(MOBILE_PATTERN, text):
        raise ValidationError(mobile_validator.message, code="invalid_mobile")
    return text


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, mobile, password, **extra_fields):
        if not mobile:
            raise ValueError("A user needs a mobile number.")
        email = extra_fields.pop("email", None)
        user = self.model(mobile=mobile, email=self.normalize_email(email) or None, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, mobile, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(mobile, password, **extra_fields)

    def create_superuser(self, mobile, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(mobile, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. One `name` field fits Chinese names; the mobile number is the login."""

    name = models.CharField(_("姓名"), max_length=100, blank=True, validators=[validate_visible])
    mobile = models.CharField(_("手机号码"), max_length=11, unique=True, validators=[mobile_validator])
    mobile_verified = models.BooleanField(_("手机号已验证"), default=False)
    email = models.EmailField(_("电子邮箱"), blank=True, null=True, unique=True)
    is_staff = models.BooleanField(_("工作人员"), default=False)
    is_active = models.BooleanField(_("有效"), default=True)
    date_joined = models.DateTimeField(_("注册时间"), default=timezone.now)
    notify_by_email = models.BooleanField(_("通过电子邮件通知"), default=True)
    notify_by_sms = models.BooleanField(_("通过短信通知"), default=True)
    # Messages to this person (inbox, email, SMS) are written in it, whoever's action sends them.
    language = models.CharField(
        _("通知语言"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    objects = UserManager()

    USERNAME_FIELD = "mobile"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = ["name"]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(condition=Q(mobile__regex=MOBILE_PATTERN), name="user_mobile_cn_format"),
            # No email is NULL, never "": the unique constraint then allows any number of users without one.
            models.CheckConstraint(condition=~Q(email=""), name="user_email_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name or self.masked_mobile

    def save(self, *args, **kwargs):
        # Admin forms and allauth hand over "" for "no email"; stored lower-case as allauth compares it.
        self.email = self.email.strip().lower() if self.email else None
        super().save(*args, **kwargs)

    @property
    def masked_mobile(self) -> str:
        return f"{self.mobile[:3]}****{self.mobile[-4:]}" if self.mobile else ""

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name


class Notification(models.Model):
    """One message to one user: always in the inbox; by email and SMS too where the user chose them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("类型"), max_length=60)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


class NotificationDelivery(models.Model):
    """The sending of one notification over one outside channel; at most one per channel, sent at most once."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("电子邮件")
        SMS = "sms", _("短信")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("地址"), max_length=254)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    # When it was last tried: a failed delivery not tried again within the longest retry countdown lost its retry
    # (the broker restarted empty while the retry waited in a worker), and the sweep queues it again.
    attempted_at = models.DateTimeField(_("最近尝试时间"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知投递")
        verbose_name_plural = _("通知投递")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_one_per_channel"),
        ]
        indexes = [models.Index(fields=["attempted_at"], condition=models.Q(status="failed"),
                                name="members_delivery_failed_idx")]

    def __str__(self) -> str:
        return f"{self.notification_id}/{self.channel}/{self.status}"


class SmsMessage(models.Model):
    """A text message to a number with no account behind it (a visitor's code or ticket link, a sign-up or
    password-reset code): written with the change that needs it, sent by a task (`members.tasks.sms_send`) on the
    messages' queue, never from inside a web request. Sent once: the task locks the row and skips a sent one.
    Once sent its text is kept with codes and ticket tokens masked (no one's business afterwards)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    to = models.CharField(_("手机号"), max_length=20)
    body = models.TextField(_("内容"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    attempted_at = models.DateTimeField(_("最近尝试时间"), null=True, blank=True)  # as NotificationDelivery's
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.CharField(_("最近的错误"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("短信（无账号号码）")
        verbose_name_plural = _("短信（无账号号码）")
        ordering = ["-id"]
        indexes = [models.Index(fields=["created_at"], condition=models.Q(status="pending"),
                                name="members_sms_pending_idx"),
                   models.Index(fields=["attempted_at"], condition=models.Q(status="failed"),
                                name="members_sms_failed_idx")]

    def __str__(self) -> str:
        return f"{self.to[:3]}****{self.to[-4:]} · {self.get_status_display()}"


class OutboundSms(models.Model):
    """Text messages written by the database SMS backend (tests, demo): the phone the message went to."""

    to = models.CharField(max_length=20, db_index=True)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("短信记录")
        verbose_name_plural = _("短信记录")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.to}: {self.body[:30]}"
