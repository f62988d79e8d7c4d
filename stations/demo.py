"""Demo stations around Xiamen, created by `manage.py seed_demo` after members.demo.

Deterministic (random.Random(SEED)): the same ~300 stations every time, with codes XM-0001…, bulk-created;
running it again adds nothing. Each district's stations belong to that district's union, found by name
under the demo city union or created there."""

import math
import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from members.models import Branch, StaffRole, User

from .hours import hours_parse
from .models import (
    AMENITY_CODES,
    HoursException,
    JobType,
    Need,
    OpeningHours,
    Rating,
    ServiceCategory,
    Station,
    StationResource,
    StationService,
    Visit,
    amenity_field,
)

SEED = 20260501
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 — demo accounts on a developer's machine only
MANAGER_MOBILE = "13900000071"

# district: (count, centre lat, centre lng (WGS-84), spread km, roads, communities)
DISTRICTS = {
    "思明区": (
        70,
        24.4660,
        118.1190,
        3.5,
        [
            "湖滨南路",
            "厦禾路",
            "中山路",
            "莲前西路",
            "鹭江道",
            "思明南路",
            "禾祥西路",
            "嘉禾路",
            "湖滨北路",
            "莲花南路",
            "体育路",
            "文园路",
        ],
        ["莲花", "鹭江", "梧村", "筼筜", "嘉莲", "开元"],
    ),
    "湖里区": (
        65,
        24.5100,
        118.1350,
        3.0,
        ["江头北路", "湖里大道", "枋湖路", "金尚路", "五缘湾道", "殿前路", "高殿路", "华荣路", "仙岳路", "兴隆路"],
        ["江头", "禾山", "殿前", "金山", "湖里"],
    ),
    "集美区": (
        50,
        24.5950,
        118.0800,
        4.0,
        ["集美大道", "杏林湾路", "银江路", "乐海路", "侨英路", "杏滨路", "天马路", "诚毅北大街"],
        ["侨英", "杏林", "杏滨", "集美"],
    ),
    "海沧区": (
        40,
        24.4950,
        118.0300,
        3.5,
        ["海沧大道", "新阳路", "钟林路", "沧林路", "角嵩路", "霞阳路", "马青路"],
        ["海沧", "新阳", "嵩屿"],
    ),
    "同安区": (
        40,
        24.7300,
        118.1550,
        3.5,
        ["环城南路", "大同路", "银湖中路", "城南路", "西柯街", "同集中路", "祥平路"],
        ["大同", "祥平", "西柯"],
    ),
    "翔安区": (
        35,
        24.6200,
        118.2450,
        4.0,
        ["翔安南路", "翔安东路", "巷南路", "新店路", "洪钟大道", "民安大道"],
        ["新店", "马巷", "内厝"],
    ),
}

PARTNERS = [
    (Station.PartnerType.POST_OFFICE, "中国邮政{road}营业所", "1-5 08:30-17:30; 6,7 09:00-17:00", 30),
    (Station.PartnerType.BANK, "{bank}厦门{road}支行", "1-7 09:00-17:00", 20),
    (Station.PartnerType.SHOP, "{shop}（{road}店）", "1-7 00:00-次日00:00", 20),
    (Station.PartnerType.PETROL_STATION, "{oil}{road}加油站", "1-7 06:00-23:00", 15),
    (
        Station.PartnerType.COMMUNITY_CENTRE,
        "{community}社区党群服务中心",
        "1-5 08:30-12:00; 1-5 14:30-18:00; 6 09:00-12:00",
        15,
    ),
]
BANKS = ["中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "厦门银行", "兴业银行"]
SHOPS = ["美宜佳便利店", "见福便利店", "罗森", "全家"]
OILS = ["中国石化", "中国石油"]
NIGHT_SHIFT = "1-7 07:00-21:00; 1-7 22:00-次日06:00"
HOLIDAYS = [
    (date(2027, 1, 1), "元旦"),
    (date(2027, 2, 6), "春节"),
    (date(2027, 2, 7), "春节"),
    (date(2027, 2, 8), "春节"),
]


def _branch(root: Branch, name: str, region: str) -> Branch:
    existing = Branch.objects.filter(name=name).first()
    if existing:
        return existing
    root.refresh_from_db()
    return Branch.objects.add_child(root, {"name": name, "kind": Branch.Kind.DISTRICT, "region": region})


def _user(mobile: str, name: str, **fields) -> User:
    user, created = User.objects.get_or_create(mobile=mobile, defaults={"name": name, **fields})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _plan(rng: random.Random) -> list[dict]:
    """The stations as plain data; the same list on every run."""
    plan = []
    serial = 0
    for district, (count, c_lat, c_lng, spread, roads, communities) in DISTRICTS.items():
        for _i in range(count):
            serial += 1
            road = rng.choice(roads)
            partner_type, pattern, hours, _weight = rng.choices(PARTNERS, weights=[p[3] for p in PARTNERS])[0]
            community = rng.choice(communities)
            partner = pattern.format(
                road=road, bank=rng.choice(BANKS), shop=rng.choice(SHOPS), oil=rng.choice(OILS), community=community
            )
            is_service = partner_type == Station.PartnerType.COMMUNITY_CENTRE or rng.random() < 0.08
            kind = Station.Kind.SERVICE if is_service else Station.Kind.REST
            if partner_type == Station.PartnerType.SHOP and rng.random() < 0.3:
                hours = NIGHT_SHIFT
            # Uniform in a disc of `spread` km around the district centre.
            distance = spread * rng.random() ** 0.5
            bearing = rng.uniform(0, 6.283185307179586)
            lat = c_lat + distance / 111.2 * math.cos(bearing)
            lng = c_lng + distance / (111.2 * math.cos(math.radians(c_lat))) * math.sin(bearing)
            amenities = {"water", "rest_seats", "phone_charging"}
            amenities |= {code for code in AMENITY_CODES if rng.random() < 0.45}
            name = (
                f"{community}职工服务站"
                if is_service and partner_type == Station.PartnerType.COMMUNITY_CENTRE
                else f"{partner}户外劳动者驿站"
                if not is_service
                else f"{partner}职工服务站"
            )
            plan.append(
                {
                    "code": f"XM-{serial:04d}",
                    "kind": kind,
                    "name": name[:200],
                    "partner_type": partner_type,
                    "partner_name": partner,
                    "district": district,
                    "address": f"厦门市{district}{road}{rng.randint(1, 999)}号",
                    "lat": round(lat, 6),
                    "lng": round(lng, 6),
                    "phone": f"0592-{rng.randint(2000000, 7999999)}",
                    "amenities": sorted(amenities),
                    "hours": hours,
                }
            )
    return plan


@transaction.atomic
def seed() -> list[tuple[str, str, str]]:
    rng = random.Random(SEED)  # noqa: S311 — demo data, reproducible on purpose
    plan = _plan(rng)
    root = Branch.objects.filter(name="示范市总工会", depth=1).first() or Branch.objects.add_root(
        {"name": "示范市总工会", "kind": Branch.Kind.CITY, "region": "示范市"}
    )
    branches = {d: _branch(root, f"{d}总工会", d) for d in DISTRICTS}

    existing = set(Station.objects.filter(code__in=[p["code"] for p in plan]).values_list("code", flat=True))
    new_rows = [p for p in plan if p["code"] not in existing]
    created = Station.objects.bulk_create(
        [
            Station(
                code=p["code"],
                kind=p["kind"],
                name=p["name"],
                partner_type=p["partner_type"],
                partner_name=p["partner_name"],
                branch=branches[p["district"]],
                district=p["district"],
                address=p["address"],
                lat=p["lat"],
                lng=p["lng"],
                phone=p["phone"],
                **{amenity_field(c): True for c in p["amenities"]},
            )
            for p in new_rows
        ]
    )
    hours_rows, exception_rows, services, resources = [], [], [], []
    for station, p in zip(created, new_rows, strict=True):
        for i in hours_parse(p["hours"]):
            hours_rows.append(
                OpeningHours(
                    station=station,
                    weekday=i.weekday,
                    opens=i.opens,
                    closes=i.closes,
                    closes_next_day=i.closes_next_day,
                )
            )
        if p["partner_type"] in (Station.PartnerType.COMMUNITY_CENTRE, Station.PartnerType.POST_OFFICE):
            exception_rows += [
                HoursException(station=station, date=d, is_closed=True, note=note) for d, note in HOLIDAYS
            ]
        if station.kind == Station.Kind.SERVICE:
            services += [
                StationService(
                    station=station,
                    category=ServiceCategory.LEGAL,
                    title="劳动法律咨询",
                    schedule="每周三 14:30-17:30",
                    description="律师志愿者现场解答劳动合同、工资、工伤问题。",
                ),
                StationService(
                    station=station,
                    category=ServiceCategory.HARDSHIP,
                    title="困难职工帮扶申请",
                    description="代办困难职工建档、送温暖和助学申请。",
                ),
                StationService(
                    station=station, category=ServiceCategory.JOBS, title="就业岗位推荐", schedule="每月第一个周六上午"
                ),
                StationService(
                    station=station,
                    category=ServiceCategory.CULTURE_SPORT,
                    title="职工文体活动",
                    description="书法、合唱、羽毛球兴趣小组。",
                ),
            ]
            resources += [
                StationResource(
                    station=station,
                    kind=StationResource.Kind.LIBRARY,
                    name="职工书屋",
                    description="藏书约 2000 册，可借阅。",
                ),
                StationResource(
                    station=station,
                    kind=StationResource.Kind.FITNESS_CHECK,
                    name="健康小屋",
                    description="血压、血糖自助检测。",
                ),
            ]
            if station.has_nursing_room:
                resources.append(
                    StationResource(station=station, kind=StationResource.Kind.NURSING_ROOM, name="爱心妈妈小屋")
                )
    OpeningHours.objects.bulk_create(hours_rows)
    HoursException.objects.bulk_create(exception_rows)
    StationService.objects.bulk_create(services)
    StationResource.objects.bulk_create(resources)

    manager = _user(MANAGER_MOBILE, "驿站管理员陈静", is_staff=True)
    StaffRole.objects.get_or_create(user=manager, branch=branches["思明区"], role=StaffRole.Role.STATION_MANAGER)

    # A little history for the demo member (members.demo's 13900000002): visits, a rating, a need.
    worker = User.objects.filter(mobile="13900000002").first()
    if created and worker is not None:
        now = timezone.now()
        first_rest = next((s for s in created if s.kind == Station.Kind.REST), None)
        first_service = next((s for s in created if s.kind == Station.Kind.SERVICE), None)
        visits = []
        for days_ago, station in enumerate(s for s in (first_rest, first_service) if s):
            at = now - timedelta(days=days_ago + 1)
            visits.append(
                Visit.objects.create(
                    station=station,
                    user=worker,
                    mobile=worker.mobile,
                    job_type=JobType.DELIVERY,
                    visited_at=at,
                    hour=at.replace(minute=0, second=0, microsecond=0),
                )
            )
        if visits:
            Rating.objects.create(
                visit=visits[0],
                station=visits[0].station,
                user=worker,
                score=5,
                comment="夏天有凉水和空调，能热饭，很方便。",
                reply="感谢支持，欢迎常来歇脚！",
                replied_by=manager,
                replied_at=now,
            )
        if first_service is not None:
            Need.objects.create(
                station=first_service,
                user=worker,
                category=ServiceCategory.LEGAL,
                text="平台扣了我两天的配送费，想咨询怎么维权。",
                status=Need.Status.CLOSED,
                answer="已联系律师志愿者，请于周三下午到站咨询，也可拨打 12351 职工热线。",
                answered_by=manager,
                answered_at=now,
            )
            Need.objects.create(
                station=first_service,
                user=worker,
                category=ServiceCategory.CULTURE_SPORT,
                text="希望周末晚上开放羽毛球场地。",
            )
    return [("驿站管理员 station manager（思明区总工会）", manager.mobile, DEMO_PASSWORD)]
