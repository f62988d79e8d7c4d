"""The start-up check of SMS_BACKEND: a deployment naming a backend that cannot be loaded (or the path it had before
members was split into packages) is stopped with a hint, not left to fail at the first message."""

from django.core.checks import run_checks


def _errors():
    return [e for e in run_checks() if e.id == "members.E001"]


def test_every_backend_the_portal_ships_passes(settings):
    for path in ("members.notifications.sms.ConsoleSmsBackend", "members.notifications.sms.DatabaseSmsBackend",
                 "members.notifications.sms_tencent.TencentSmsBackend", "tests.sms_backends.BrokenSmsBackend"):
        settings.SMS_BACKEND = path
        assert _errors() == [], path


def test_a_former_path_is_refused_with_the_new_one_as_hint(settings):
    settings.SMS_BACKEND = "members.sms_tencent.TencentSmsBackend"
    [error] = _errors()
    assert "members.sms_tencent.TencentSmsBackend" in error.msg
    assert error.hint == "The backends moved: set SMS_BACKEND=members.notifications.sms_tencent.TencentSmsBackend."


def test_a_class_that_is_no_sms_backend_is_refused(settings):
    settings.SMS_BACKEND = "members.models.User"
    assert len(_errors()) == 1
    settings.SMS_BACKEND = "nowhere.Backend"
    assert len(_errors()) == 1
