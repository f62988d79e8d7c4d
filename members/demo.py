"""Demo data of the members app, created by `manage.py seed_demo`. Safe to run twice (get-or-create)."""

import datetime

from django.db import transaction
from django.utils import timezone

from .id_numbers import checksum_char
from .models import Branch, Member, StaffRole, User
from .organisation.services import branch_create, member_number_next, membership_apply

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 — demo accounts on a developer's machine only

K = Branch.Kind
F = Branch.FederatedType

# (name, kind, federated type, region, address, workers, children) — a Xiamen-like city federation.
TREE = (
    "示范市总工会", K.CITY, "", "示范市", "示范市思明区湖滨北路 88 号", 0, [
        ("思明区总工会", K.DISTRICT, "", "思明区", "思明区湖滨南路 3 号", 0, [
            ("鹭江街道总工会", K.STREET, "", "思明区", "思明区鹭江道 100 号", 0, [
                ("鹭江机械有限公司工会", K.BASE, "", "思明区", "思明区鹭江道 168 号", 320, []),
                ("中山路商圈联合工会", K.FEDERATED, F.BUSINESS_DISTRICT, "思明区", "思明区中山路 200 号", 800, [
                    ("中山路老字号餐饮有限公司工会", K.BASE, "", "思明区", "思明区中山路 218 号", 120, []),
                ]),
            ]),
            ("筼筜街道总工会", K.STREET, "", "思明区", "思明区湖滨西路 9 号", 0, [
                ("观音山商务区楼宇联合工会", K.FEDERATED, F.BUILDING, "思明区", "思明区环岛东路 1800 号", 1500, [
                    ("鹭岛软件科技有限公司工会", K.BASE, "", "思明区", "思明区环岛东路 1811 号 12 层", 260, []),
                ]),
                ("筼筜社区联合工会", K.FEDERATED, F.COMMUNITY, "思明区", "思明区湖滨北路 56 号", 400, []),
            ]),
            ("思明区快递物流行业联合工会", K.FEDERATED, F.INDUSTRY, "思明区", "思明区莲前西路 2 号", 2200, []),
        ]),
        ("湖里区总工会", K.DISTRICT, "", "湖里区", "湖里区长岸路 1 号", 0, [
            ("殿前街道总工会", K.STREET, "", "湖里区", "湖里区殿前二路 5 号", 0, [
                ("殿前社区联合工会", K.FEDERATED, F.COMMUNITY, "湖里区", "湖里区殿前六路 30 号", 600, []),
                ("湖里港务物流有限公司工会", K.BASE, "", "湖里区", "湖里区东渡路 99 号", 540, []),
            ]),
            ("火炬高新区园区联合工会", K.FEDERATED, F.PARK, "湖里区", "湖里区火炬园信息光电园", 5000, [
                ("鹭芯电子有限公司工会", K.BASE, "", "湖里区", "湖里区火炬北路 20 号", 900, []),
                ("火炬光电科技有限公司工会", K.BASE, "", "湖里区", "湖里区火炬北路 36 号", 430, []),
            ]),
        ]),
        ("集美区总工会", K.DISTRICT, "", "集美区", "集美区集美大道 600 号", 0, [
            ("灌口镇总工会", K.STREET, "", "集美区", "集美区灌口镇灌口中路 1 号", 0, [
                ("后溪村联合工会", K.FEDERATED, F.VILLAGE, "集美区", "集美区后溪镇后溪村", 350, []),
                ("灌口食品有限公司工会", K.BASE, "", "集美区", "集美区灌口镇铁山路 8 号", 210, []),
            ]),
            ("集美区网约车行业联合工会", K.FEDERATED, F.INDUSTRY, "集美区", "集美区杏林湾路 2 号", 1800, []),
        ]),
    ],
)

# (name, base union, employer, employment type, birth date, gender) for the demo members.
MEMBERS = [
    ("陈志强", "鹭江机械有限公司工会", "鹭江机械有限公司", "standard", "19820314", "M"),
    ("林秀英", "鹭江机械有限公司工会", "鹭江机械有限公司", "standard", "19870722", "F"),
    ("黄建华", "鹭江机械有限公司工会", "鹭江机械有限公司", "standard", "19790105", "M"),
    ("吴丽娟", "鹭江机械有限公司工会", "鹭江机械有限公司", "standard", "19920918", "F"),
    ("郑海涛", "中山路老字号餐饮有限公司工会", "中山路老字号餐饮有限公司", "standard", "19900211", "M"),
    ("王美玲", "中山路老字号餐饮有限公司工会", "中山路老字号餐饮有限公司", "standard", "19950603", "F"),
    ("蔡国平", "中山路商圈联合工会", "", "flexible", "19850827", "M"),
    ("许晓燕", "中山路商圈联合工会", "", "flexible", "19981120", "F"),
    ("张伟", "鹭岛软件科技有限公司工会", "鹭岛软件科技有限公司", "standard", "19930417", "M"),
    ("李婷", "鹭岛软件科技有限公司工会", "鹭岛软件科技有限公司", "standard", "19960209", "F"),
    ("杨帆", "鹭岛软件科技有限公司工会", "鹭岛软件科技有限公司", "standard", "19911230", "M"),
    ("洪少华", "观音山商务区楼宇联合工会", "观音山某咨询事务所", "standard", "19880715", "M"),
    ("庄雅琴", "筼筜社区联合工会", "", "flexible", "19760308", "F"),
    ("苏文斌", "思明区快递物流行业联合工会", "某快递平台", "platform", "19940522", "M"),
    ("刘强", "思明区快递物流行业联合工会", "某外卖平台", "platform", "19970914", "M"),
    ("何俊杰", "思明区快递物流行业联合工会", "某快递平台", "platform", "20000101", "M"),
    ("曾淑芬", "殿前社区联合工会", "", "flexible", "19810619", "F"),
    ("谢志明", "湖里港务物流有限公司工会", "湖里港务物流有限公司", "standard", "19800412", "M"),
    ("邱丽华", "湖里港务物流有限公司工会", "湖里港务物流有限公司", "standard", "19860126", "F"),
    ("方国栋", "湖里港务物流有限公司工会", "湖里港务物流有限公司", "standard", "19780930", "M"),
    ("叶晓东", "鹭芯电子有限公司工会", "鹭芯电子有限公司", "standard", "19930803", "M"),
    ("钟慧敏", "鹭芯电子有限公司工会", "鹭芯电子有限公司", "standard", "19951011", "F"),
    ("罗振宇", "鹭芯电子有限公司工会", "鹭芯电子有限公司", "standard", "19890228", "M"),
    ("江月华", "火炬光电科技有限公司工会", "火炬光电科技有限公司", "standard", "19920707", "F"),
    ("傅建新", "火炬光电科技有限公司工会", "火炬光电科技有限公司", "standard", "19840516", "M"),
    ("颜春梅", "火炬高新区园区联合工会", "园区保洁服务", "flexible", "19730421", "F"),
    ("卢金水", "后溪村联合工会", "", "flexible", "19690812", "M"),
    ("白秀兰", "后溪村联合工会", "", "flexible", "19710303", "F"),
    ("施家豪", "灌口食品有限公司工会", "灌口食品有限公司", "standard", "19990624", "M"),
    ("康佳怡", "灌口食品有限公司工会", "灌口食品有限公司", "standard", "20010215", "F"),
    ("童永福", "集美区网约车行业联合工会", "某网约车平台", "platform", "19830118", "M"),
    ("欧阳俊", "集美区网约车行业联合工会", "某网约车平台", "platform", "19870409", "M"),
    ("柯雪莲", "集美区网约车行业联合工会", "某网约车平台", "platform", "19900925", "F"),
    ("纪文涛", "鹭江机械有限公司工会", "鹭江机械有限公司", "standard", "19751107", "M"),
]

# Area codes of the city's districts for the demo ID numbers (思明 350203, 湖里 350206, 集美 350211).
AREA_BY_REGION = {"思明区": "350203", "湖里区": "350206", "集美区": "350211"}


def demo_id_number(area: str, birth: str, serial: int, gender: str) -> str:
    """A valid ID number: the sequence digit's parity carries the gender (odd: male)."""
    sequence = serial * 2 + (1 if gender == "M" else 0)
    first17 = f"{area}{birth}{sequence % 1000:03d}"
    return first17 + checksum_char(first17)


def _branch(parent: Branch | None, name: str, kind: str, federated_type: str, region: str, address: str,
            workers: int) -> Branch:
    siblings = Branch.objects.get_children(parent) if parent else Branch.objects.get_root_nodes()
    existing = siblings.filter(name=name).first()
    if existing:
        return existing

    return branch_create(
        actor=None, parent=parent, name=name, kind=kind, federated_type=federated_type, region=region,
        address=address, worker_count=workers,
    )


def _tree(parent: Branch | None, node, by_name: dict[str, Branch]) -> None:
    name, kind, federated_type, region, address, workers, children = node
    branch = _branch(parent, name, kind, federated_type, region, address, workers)
    by_name[name] = branch
    for child in children:
        branch.refresh_from_db()  # treebeard keeps the child count on the parent row
        _tree(branch, child, by_name)


def _user(mobile: str, name: str, **fields) -> User:
    user, created = User.objects.get_or_create(mobile=mobile, defaults={"name": name, **fields})
    if created:
        user.set_password(DEMO_PASSWORD)
    if created or not user.mobile_verified:
        # Demo numbers count as verified, so the demo accounts log in without an SMS code.
        user.mobile_verified = True
        user.save()
    return user


def _member(*, name, branch, employer, employment_type, birth, gender, serial, mobile, user=None) -> Member:

    id_number = demo_id_number(AREA_BY_REGION.get(branch.region, "350203"), birth, serial, gender)
    existing = Member.objects.filter(id_number=id_number).first()
    if existing:
        return existing
    return Member.objects.create(
        user=user, name=name, id_number=id_number,
        birth_date=datetime.date(int(birth[:4]), int(birth[4:6]), int(birth[6:])), gender=gender,
        mobile=mobile, employer=employer, employment_type=employment_type, branch=branch,
        status=Member.Status.ACTIVE, member_number=member_number_next(), joined_at=timezone.now(),
    )


@transaction.atomic
def seed() -> list[tuple[str, str, str]]:
    """Creates the demo federation, members and accounts; returns (who, login, password) rows to print."""
    branches: dict[str, Branch] = {}
    _tree(None, TREE, branches)

    superuser = _user("13900000000", "系统管理员", is_staff=True, is_superuser=True, email="admin@example.com")
    reviewer = _user("13900000001", "审核员王芳", is_staff=True)
    district = branches["思明区总工会"]
    StaffRole.objects.get_or_create(user=reviewer, branch=district, role=StaffRole.Role.CLAIMS_REVIEWER)
    StaffRole.objects.get_or_create(user=reviewer, branch=district, role=StaffRole.Role.BRANCH_ADMIN)
    member_user = _user("13900000002", "职工李明")
    _member(
        name="李明", branch=branches["鹭江机械有限公司工会"], employer="鹭江机械有限公司", employment_type="standard",
        birth="19880610", gender="M", serial=1, mobile=member_user.mobile, user=member_user,
    )
    for serial, (name, branch_name, employer, employment_type, birth, gender) in enumerate(MEMBERS, start=10):
        _member(
            name=name, branch=branches[branch_name], employer=employer, employment_type=employment_type,
            birth=birth, gender=gender, serial=serial, mobile=f"137{serial:08d}",
        )
    _pending_applications(branches)
    return [
        ("超级管理员 superuser", superuser.mobile, DEMO_PASSWORD),
        ("审核员 reviewer（思明区总工会）", reviewer.mobile, DEMO_PASSWORD),
        ("会员 member（鹭江机械有限公司工会）", member_user.mobile, DEMO_PASSWORD),
    ]


def _pending_applications(branches: dict[str, Branch]) -> None:
    """Two people waiting for the reviewer's decision, so the staff queue has something in it."""

    applicants = [
        ("13900000011", "外卖骑手赵磊", "赵磊", "思明区快递物流行业联合工会", "", "platform", "19960418", "M", 90),
        ("13900000012", "职工周敏", "周敏", "鹭岛软件科技有限公司工会", "鹭岛软件科技有限公司", "standard",
         "19980730", "F", 91),
    ]
    for mobile, account_name, name, branch_name, employer, employment_type, birth, gender, serial in applicants:
        user = _user(mobile, account_name)
        if Member.objects.filter(user=user).exists():
            continue
        branch = branches[branch_name]
        membership_apply(
            user=user, branch_id=branch.pk, name=name,
            id_number=demo_id_number(AREA_BY_REGION[branch.region], birth, serial, gender),
            mobile=mobile, employer=employer, employment_type=employment_type,
        )
