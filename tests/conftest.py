import pytest

# The real Celery worker for tests marked `worker`, and in-process tasks for every other test.
pytest_plugins = ["tests.worker"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded files of one test never leak into another or into the project."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def user_factory(db):
    from tests.factories import UserFactory

    return UserFactory
