"""The 403, 404 and 500 pages are friendly, in the site's layout, Chinese by default."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path

import portal.urls


def _forbidden(request):
    raise PermissionDenied


def _broken(request):
    raise RuntimeError("something deep broke")


urlpatterns = [path("test-forbidden/", _forbidden), path("test-broken/", _broken), *portal.urls.urlpatterns]
handler403 = portal.urls.handler403
handler404 = portal.urls.handler404
handler500 = portal.urls.handler500

PAGES = [
    ("/test-forbidden/", 403, "没有权限"),
    ("/no-such-page/", 404, "页面不存在"),
    ("/test-broken/", 500, "服务暂时出错"),
]


@pytest.fixture
def browser(db):
    return Client(raise_request_exception=False)


def _assert_in_layout(html: str) -> None:
    """base.html's landmarks: the skip link, the header with the brand and the footer."""
    assert 'class="skip-link"' in html
    assert 'class="site-header"' in html
    assert 'id="main"' in html
    assert 'class="site-footer"' in html
    assert 'href="/"' in html  # the way back home


@pytest.mark.urls("tests.portal.test_error_pages")
@pytest.mark.parametrize(("url", "status", "title"), PAGES)
def test_error_pages_are_friendly_and_chinese_by_default(browser, url, status, title):
    response = browser.get(url)
    assert response.status_code == status
    html = response.content.decode()
    assert f"<h1>{title}</h1>" in html
    assert 'lang="zh-hans"' in html
    _assert_in_layout(html)
    assert "Traceback" not in html
    assert "something deep broke" not in html


@pytest.mark.urls("tests.portal.test_error_pages")
@pytest.mark.parametrize(("url", "status", "title"), PAGES)
def test_error_pages_follow_the_chosen_language(browser, url, status, title):
    # Until the English catalogue exists the text stays Chinese; the page still answers in the chosen language
    # (html lang) and in the site's layout. The lead adds English text assertions with the catalogue.
    browser.cookies["django_language"] = "en"
    response = browser.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == status
    html = response.content.decode()
    assert 'lang="en"' in html
    _assert_in_layout(html)


@pytest.mark.urls("tests.portal.test_error_pages")
def test_error_pages_for_a_signed_in_member_keep_the_layout(browser, user_factory):
    browser.force_login(user_factory())
    response = browser.get("/no-such-page/")
    assert response.status_code == 404
    _assert_in_layout(response.content.decode())


@pytest.mark.urls("tests.portal.test_error_pages")
def test_the_500_page_still_answers_when_the_layout_cannot_render(browser, monkeypatch):
    def broken_render(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr("portal.views.render", broken_render)
    response = browser.get("/test-broken/")
    assert response.status_code == 500
    assert "服务暂时出错" in response.content.decode()


def test_a_form_posted_without_its_csrf_token_gets_the_friendly_page(db):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/i18n/setlang/", {"language": "en"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>页面已过期</h1>" in html
    _assert_in_layout(html)
    assert "CSRF verification failed" not in html
