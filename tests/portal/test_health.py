import os

import pytest
from django.db import OperationalError


def test_healthz_reports_database_and_in_process_broker(client, db, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "in-process"}


def test_healthz_is_503_when_the_broker_is_down(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "down"


def test_home_page_is_chinese_by_default(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "工会服务门户" in response.content.decode()
    assert 'lang="zh-hans"' in response.content.decode()


class _BrokenConnection:
    """Stands in for django.db.connection when the database server is gone."""

    def cursor(self):
        raise OperationalError("could not connect to server: Connection refused")


def test_healthz_is_503_when_the_database_is_down(client, db, settings, monkeypatch, caplog):
    settings.CELERY_BROKER_URL = ""
    monkeypatch.setattr("portal.views.connection", _BrokenConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "down", "broker": "in-process"}
    assert "database unreachable" in caplog.text


def test_healthz_is_never_cached(client, db):
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.skipif(not os.environ.get("CELERY_BROKER_URL"), reason="needs a live broker in CELERY_BROKER_URL")
def test_healthz_reports_a_live_broker_as_ok(client, db, settings):
    settings.CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
