"""Demo data of the members app, created by `manage.py seed_demo`. Safe to run twice (get-or-create)."""

from django.db import transaction

from .models import Branch, StaffRole, User

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 — demo accounts on a developer's machine only


def _branch(parent: Branch | None, **fields) -> Branch:
    existing = (parent.get_children() if parent else Branch.get_root_nodes()).filter(name=fields["name"]).first()
    if existing:
        return existing
    return parent.add_child(**fields) if parent else Branch.add_root(**fields)


def _user(mobile: str, name: str, **fields) -> User:
    user, created = User.objects.get_or_create(mobile=mobile, defaults={"name": name, **fields})
    if created:
        user.set_password(DEMO_PASSWORD)
    if created or not user.mobile_verified:
        # Demo numbers count as verified, so the demo accounts log in without an SMS code.
        user.mobile_verified = True
        user.save()
    return user


@transaction.atomic
def seed() -> list[tuple[str, str, str]]:
    """Creates the demo federation and accounts; returns (who, login, password) rows to print."""
    city = _branch(None, name="示范市总工会", kind=Branch.Kind.CITY, region="示范市")
    district = _branch(city, name="思明区总工会", kind=Branch.Kind.DISTRICT, region="思明区")
    street = _branch(district, name="鹭江街道总工会", kind=Branch.Kind.STREET, region="思明区")
    base = _branch(street, name="鹭江机械有限公司工会", kind=Branch.Kind.BASE, region="思明区", worker_count=320)

    superuser = _user("13900000000", "系统管理员", is_staff=True, is_superuser=True, email="admin@example.com")
    reviewer = _user("13900000001", "审核员王芳", is_staff=True)
    StaffRole.objects.get_or_create(user=reviewer, branch=district, role=StaffRole.Role.CLAIMS_REVIEWER)
    StaffRole.objects.get_or_create(user=reviewer, branch=district, role=StaffRole.Role.BRANCH_ADMIN)
    member_user = _user("13900000002", "职工李明")
    _ = (superuser, base)
    return [
        ("超级管理员 superuser", superuser.mobile, DEMO_PASSWORD),
        ("审核员 reviewer（思明区总工会）", reviewer.mobile, DEMO_PASSWORD),
        ("会员 member", member_user.mobile, DEMO_PASSWORD),
    ]
