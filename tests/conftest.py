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


@pytest.fixture
def org_tree(db):
    """city ─ district A ─ base A1 / base A2 ; city ─ district B ─ base B1. The usual personas' branches."""
    from tests.factories import make_branch

    city = make_branch("示范市总工会", kind="city")
    district_a = make_branch("思明区总工会", parent=city, kind="district")
    district_b = make_branch("湖里区总工会", parent=city, kind="district")
    base_a1 = make_branch("鹭江机械有限公司工会", parent=district_a, kind="base")
    base_a2 = make_branch("厦门港务工会", parent=district_a, kind="base")
    base_b1 = make_branch("湖里物流工会", parent=district_b, kind="base")
    from types import SimpleNamespace

    return SimpleNamespace(
        city=city, district_a=district_a, district_b=district_b, base_a1=base_a1, base_a2=base_a2, base_b1=base_b1
    )


@pytest.fixture
def staff_of(db):
    """staff_of(branch, role="branch_admin") → a staff user holding that role on that branch."""
    from members.models import StaffRole
    from tests.factories import UserFactory

    def make(branch, role: str = StaffRole.Role.BRANCH_ADMIN, **user_fields):
        user = UserFactory(is_staff=True, **user_fields)
        StaffRole.objects.create(user=user, branch=branch, role=role)
        return user

    return make


@pytest.fixture
def member_factory(db):
    from tests.factories import MemberFactory

    return MemberFactory


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's language: a request in English leaves English active in the thread (the locale
    middleware activates a language and nothing deactivates it), which a later test would read."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters (allauth keeps them in the cache) never carry over from one test to another."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_user(db, django_user_model):
    """pytest-django's admin_user, with a real mobile number (the login field, checked by the database)."""
    return django_user_model.objects.create_superuser(mobile="13999999999", password="password", name="超级管理员")
@pytest.fixture
def personas(org_tree, staff_of, member_factory, user_factory):
    """The usual people: staff of branch A (district A's admin), staff of sibling branch B, staff of the
    parent (city), the owner member (of base A1), another member (of base B1), and an outsider."""
    from types import SimpleNamespace

    return SimpleNamespace(
        staff_a=staff_of(org_tree.district_a),
        staff_b=staff_of(org_tree.district_b),
        staff_parent=staff_of(org_tree.city),
        member=member_factory(branch=org_tree.base_a1),
        other_member=member_factory(branch=org_tree.base_b1),
        outsider=user_factory(),
    )


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def commits_each_request(monkeypatch, django_capture_on_commit_callbacks):
    """Each test-client request ends as a real one does: its transaction commits, so the work it left in the outbox
    (a code by SMS, a delivery) is published and, with in-process tasks, done before the next request. Without it,
    inside the test's own transaction, nothing a request queued would run."""
    from django.test.client import Client

    request = Client.request

    def request_then_commit(self, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return request(self, **kwargs)

    monkeypatch.setattr(Client, "request", request_then_commit)
