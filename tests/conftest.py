import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded files of one test never leak into another or into the project."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def user_factory(db):
    from tests.factories import UserFactory

    return UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters (allauth keeps them in the cache) never carry over from one test to another."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
