def test_healthz_reports_database_and_in_process_broker(client, db, settings):
    settings.CELERY_BROKER_URL = ""  # also when the suite runs with a broker (CI's second run)
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
