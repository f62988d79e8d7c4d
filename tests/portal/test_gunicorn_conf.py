"""gunicorn.conf.py: JSON logs through the portal's redaction, and the access log off unless asked for (README:
"its access log is off (the proxy keeps one)")."""

import runpy

from django.conf import settings
from gunicorn.config import Config


def _conf() -> dict:
    return runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))


def _logger(**options):
    conf = _conf()
    cfg = Config()
    for name in ("logconfig_dict", "logger_class"):
        cfg.set(name, conf[name])
    for name, value in options.items():
        cfg.set(name, value)
    return cfg.logger_class(cfg)


def test_the_access_log_is_off_though_the_log_config_is_set():
    assert not _logger().access_log_enabled


def test_an_access_logfile_turns_it_on():
    assert _logger(accesslog="-").access_log_enabled


def test_gunicorns_lines_are_json_and_redacted():
    handler = _conf()["logconfig_dict"]["handlers"]["console"]
    assert handler["formatter"] == "json" and handler["filters"] == ["redact"]
