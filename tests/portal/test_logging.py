"""No password, verification code, token or ID number reaches a log line, whichever way it was logged."""

import io
import json
import logging
import re

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import path

import portal.urls
from portal.logging import MASK, RedactSecretsFilter, redact_text

ID_WITH_X = "11010519491231002X"
ID_DIGITS = "110105194912310021"
PASSWORD = "S3cret pass phrase!"


def _boom(request):
    raise RuntimeError("the view broke while handling the form")


def _ok(request):
    return HttpResponse("ok")


urlpatterns = [path("boom/", _boom), path("ok/", _ok), *portal.urls.urlpatterns]


@pytest.fixture
def log_lines():
    """Captures what the configured console handler would print: its JSON formatter and its filters."""
    root = logging.getLogger()
    configured = next(h for h in root.handlers if any(isinstance(f, RedactSecretsFilter) for f in h.filters))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(configured.formatter)
    for f in configured.filters:
        handler.addFilter(f)
    root.addHandler(handler)

    def lines():
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    try:
        yield lines
    finally:
        root.removeHandler(handler)


@pytest.fixture
def log():
    logger = logging.getLogger("tests.redaction")
    logger.setLevel(logging.INFO)
    return logger


def _text(lines) -> str:
    return "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)


def test_the_configured_console_handler_writes_json_lines_with_the_filter(log_lines, log):
    log.warning("hello %s", "world")
    (line,) = log_lines()
    assert line["message"] == "hello world"
    assert line["level"] == "WARNING"
    assert line["logger"] == "tests.redaction"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", line["time"])


def _own_handlers(logger_name):
    """The handlers our LOGGING installed (pytest adds capturing handlers of its own while tests run)."""
    return [h for h in logging.getLogger(logger_name).handlers if not type(h).__module__.startswith("_pytest")]


def test_every_handler_redacts_and_django_keeps_no_handler_of_its_own():
    assert _own_handlers(None)
    for handler in _own_handlers(None) + _own_handlers("django.server"):
        assert any(isinstance(f, RedactSecretsFilter) for f in handler.filters)
    # Django's own defaults (plain console when DEBUG, mail_admins with the POST data) are removed.
    assert _own_handlers("django") == []


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("code=123456", "123456"),
        ("sms_code=654321&mobile=13900000002", "654321"),
        ("login failed password=hunter2 for 13900000002", "hunter2"),
        ('{"password": "' + PASSWORD + '", "mobile": "139"}', "pass phrase"),
        ("{'password1': 'abc def', 'password2': 'abc def'}", "abc def"),
        ('"token": "eyJhbGciOi.payload.sig"', "eyJhbGciOi"),
        ("Authorization: Bearer-abc123", "Bearer-abc123"),
        ("GET /api?access_token=tok123&page=2", "tok123"),
        ("otp: 778899", "778899"),
        ("session cookie=sessionid=abcd1234", "abcd1234"),
        (f"member {ID_WITH_X} joined", ID_WITH_X),
        (f"member {ID_WITH_X.lower()} joined", ID_WITH_X.lower()),
        (f"id_number={ID_DIGITS}", ID_DIGITS),
        (f"身份证号：{ID_WITH_X}", ID_WITH_X),
        ("您的验证码是 482913，5 分钟内有效", "482913"),
        ("验证码：482913", "482913"),
        ("新密码为Abc12345", "Abc12345"),
        ("Not Found: /accounts/password/reset/key/3-c4f5e6a7b8/", "3-c4f5e6a7b8"),
        ("GET /accounts/confirm-email/MQ:1uK2xy:abcdef/", "MQ:1uK2xy:abcdef"),
    ],
)
def test_redact_text_removes_the_secret(text, secret):
    redacted = redact_text(text)
    assert secret not in redacted
    assert MASK in redacted


@pytest.mark.parametrize(
    "text",
    [
        "status_code=500",
        "GET /culture/sessions/?page=2 200",
        "mobile 13900000002 signed up",  # 11 digits: a phone number, not an ID number
        "order 1234567890123456789 paid",  # 19 digits: not an ID number
        "language_code=zh-hans",
    ],
)
def test_redact_text_leaves_ordinary_text_alone(text):
    assert redact_text(text) == text


def test_redaction_is_idempotent():
    once = redact_text(f"password=abc code=123456 {ID_WITH_X} \"token\": \"t o k\"")
    assert redact_text(once) == once
    assert once.count(MASK) == 4


def test_secrets_in_message_arguments_are_redacted(log_lines, log):
    log.warning("sign-up by %s with password=%s and code %s", "13900000002", PASSWORD, "code=135790")
    log.warning("payload %s", {"password": PASSWORD, "id_number": ID_WITH_X})
    log.warning("member %(name)s %(id)s", {"name": "李明", "id": ID_WITH_X})
    text = _text(log_lines())
    assert "13900000002" in text
    assert "李明" in text
    for secret in ("S3cret", "135790", ID_WITH_X):
        assert secret not in text


def test_secret_extra_fields_are_masked_whole_and_others_kept(log_lines, log):
    log.warning(
        "verification sent",
        extra={
            "sms_code": "246810",
            "password": PASSWORD,
            "api_token": "tok-abc",
            "id_number": ID_DIGITS,
            "user_id": 42,
            "status_code": 400,
            "note": f"card {ID_WITH_X}",
            "raw_id": int(ID_DIGITS),
        },
    )
    (line,) = log_lines()
    assert line["sms_code"] == line["password"] == line["api_token"] == line["id_number"] == MASK
    assert line["user_id"] == 42
    assert line["status_code"] == 400
    assert line["note"] == f"card {MASK}"
    assert line["raw_id"] == MASK
    assert "246810" not in _text([line])


def test_nested_dicts_lists_and_objects_in_extra_are_redacted(log_lines, log):
    class Credentials:
        def __str__(self):
            return f"Credentials(password='{PASSWORD}', mobile='13900000002')"

    log.warning(
        "form invalid",
        extra={
            "data": {"form": {"new_password1": PASSWORD, "mobile": "13900000002"}, "codes": ["code=112233"]},
            "members": [{"name": "李明", "idNumber": ID_WITH_X}, (f"{ID_DIGITS}",)],
            "creds": Credentials(),
        },
    )
    (line,) = log_lines()
    assert line["data"]["form"] == {"new_password1": MASK, "mobile": "13900000002"}
    assert line["data"]["codes"] == MASK  # the key itself says code
    assert line["members"] == [{"name": "李明", "idNumber": MASK}, [MASK]]
    assert "S3cret" not in line["creds"] and "13900000002" in line["creds"]


def test_a_dict_message_stays_structured_and_is_redacted(log_lines, log):
    log.warning({"event": "login", "password": PASSWORD, "detail": f"id {ID_WITH_X}"})
    (line,) = log_lines()
    assert line["event"] == "login"
    assert line["password"] == MASK
    assert line["detail"] == f"id {MASK}"


def test_exception_text_and_traceback_are_redacted(log_lines, log):
    try:
        raise ValueError(f"cannot verify code=918273 for {ID_WITH_X}")
    except ValueError:
        log.exception("verification failed")
    (line,) = log_lines()
    assert "ValueError" in line["exc_info"]
    assert "918273" not in line["exc_info"]
    assert ID_WITH_X not in line["exc_info"]


def test_a_request_in_extra_is_logged_as_method_and_path_only(log_lines, log):
    request = RequestFactory().post(
        "/accounts/login/?next=/me/&token=abc999",
        {"login": "13900000002", "password": PASSWORD, "id_number": ID_WITH_X},
        HTTP_COOKIE="sessionid=sess-secret-1",
    )
    log.warning("odd request", extra={"request": request})
    (line,) = log_lines()
    assert line["request"]["method"] == "POST"
    assert line["request"]["path"].startswith("/accounts/login/?next=/me/&token=")
    text = _text([line])
    for secret in ("S3cret", ID_WITH_X, "abc999", "sess-secret-1"):
        assert secret not in text


@pytest.mark.urls("tests.portal.test_logging")
def test_django_request_error_log_of_a_post_never_shows_its_body(log_lines, db):
    client = Client(raise_request_exception=False)
    body = {"mobile": "13900000002", "password": PASSWORD, "code": "564738", "id_number": ID_WITH_X}
    response = client.post("/boom/?token=qs-tok-77", body, HTTP_COOKIE="sessionid=sess-secret-2")
    assert response.status_code == 500
    lines = [line for line in log_lines() if line["logger"] == "django.request"]
    assert lines, "Django logs the server error"
    (line,) = lines
    assert line["level"] == "ERROR"
    assert line["status_code"] == 500
    assert line["request"]["method"] == "POST"
    assert "RuntimeError" in line["exc_info"]
    text = _text(log_lines())
    for secret in ("S3cret", "564738", ID_WITH_X, "qs-tok-77", "sess-secret-2"):
        assert secret not in text


@pytest.mark.urls("tests.portal.test_logging")
def test_django_security_log_of_a_csrf_failure_never_shows_the_body(log_lines, db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/ok/", {"password": PASSWORD, "id_number": ID_WITH_X})
    assert response.status_code == 403
    lines = [line for line in log_lines() if line["logger"].startswith("django.security")]
    assert lines
    text = _text(log_lines())
    assert "S3cret" not in text
    assert ID_WITH_X not in text
