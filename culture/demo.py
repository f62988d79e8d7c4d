"""Demo data of the cultural palace, created by `manage.py seed_demo` after members.demo. Idempotent.

A palace under 示范市总工会, its venues, a season of items in every category with sessions over the next
weeks, and photos drawn with Pillow (coloured cards, nothing downloaded)."""

import io
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from members.demo import DEMO_PASSWORD, _user
from members.models import Branch, StaffRole

from .models import Category, ItemImage, MenuItem, Session, Venue

PALACE = "示范市职工文化宫"

VENUES = [
    ("大剧场", Venue.Kind.HALL, 800), ("小剧场", Venue.Kind.HALL, 200), ("一号影厅", Venue.Kind.CINEMA, 120),
    ("工人展览馆", Venue.Kind.GALLERY, 300), ("羽毛球馆1号场", Venue.Kind.COURT, 4),
    ("羽毛球馆2号场", Venue.Kind.COURT, 4), ("室内篮球场", Venue.Kind.COURT, 20),
    ("多功能教室301", Venue.Kind.CLASSROOM, 40), ("书画教室", Venue.Kind.CLASSROOM, 30),
    ("职工服务中心接待室", Venue.Kind.OTHER, 10),
]

# (title, category, venue, tags, audience, booking, price, member price, capacity, description, extra)
ITEMS = [
    ("劳动者之歌——工匠精神主题摄影展", Category.EXHIBITION, "工人展览馆", "摄影 免费 工匠", "everyone", False,
     "0", "0", 300, "百余幅作品记录本市产业工人、快递小哥、环卫工人的日常与坚守。", {}),
    ("海丝文化书画作品展", Category.EXHIBITION, "工人展览馆", "书画 海丝 免费", "everyone", True,
     "0", "0", 60, "职工书画爱好者作品联展，分时段预约入场。", {}),
    ("新春职工文艺汇演", Category.PERFORMANCE, "大剧场", "演出 春节 合唱 舞蹈", "everyone", True,
     "80", "20", 800, "全市各基层工会选送节目，歌舞、小品、戏曲同台。", {}),
    ("歌仔戏专场《陈三五娘》", Category.PERFORMANCE, "小剧场", "戏曲 闽南 歌仔戏", "everyone", True,
     "60", "30", 200, "市歌仔戏剧团经典剧目。", {}),
    ("交响音乐会：致敬劳动者", Category.PERFORMANCE, "大剧场", "音乐会 交响", "everyone", True,
     "120", "60", 800, "市交响乐团演奏《黄河》《红旗颂》等。", {}),
    ("职工电影周：《长津湖》", Category.FILM, "一号影厅", "电影 爱国", "everyone", True,
     "30", "10", 120, "会员凭会员价观影。", {}),
    ("周末亲子电影《熊出没·逆转时空》", Category.FILM, "一号影厅", "电影 亲子 周末", "everyone", True,
     "25", "10", 120, "职工子女暑期观影专场。", {}),
    ("职工合唱大赛", Category.CONTEST, "大剧场", "合唱 比赛 团体", "members", False,
     "0", "0", 800, "以基层工会为单位组队参赛，每队 20–60 人。", {
         "entry_mode": "team", "entry_fields": [
             {"name": "song", "label": "参赛曲目", "type": "text", "required": True},
             {"name": "conductor", "label": "指挥姓名", "type": "text", "required": True},
             {"name": "size", "label": "合唱人数", "type": "number", "required": True}]}),
    ("“劳动最光荣”主题演讲比赛", Category.CONTEST, "小剧场", "演讲 比赛", "members", False,
     "0", "0", 200, "讲述身边的劳模故事，个人报名。", {
         "entry_mode": "individual", "entry_fields": [
             {"name": "topic", "label": "演讲题目", "type": "text", "required": True},
             {"name": "group", "label": "组别", "type": "choice", "choices": ["青年组", "中年组"], "required": True}]}),
    ("羽毛球场地预约", Category.SPORTS, "羽毛球馆1号场", "羽毛球 运动 场地", "everyone", True,
     "40", "20", 4, "每时段一小时，每次最多 4 人。", {"courts": ["羽毛球馆1号场", "羽毛球馆2号场"], "max": 4}),
    ("篮球场地预约", Category.SPORTS, "室内篮球场", "篮球 运动 场地", "members", True,
     "100", "50", 20, "半场/全场按时段预约，会员专享。", {"max": 10}),
    ("职工书法基础班（8 课时）", Category.COURSE, "书画教室", "书法 培训 公益", "members", True,
     "0", "0", 30, "一次报名，八节课全程参加；每节课签到。", {"lessons": 8}),
    ("电工技能提升培训", Category.COURSE, "多功能教室301", "技能 电工 培训 证书", "members", True,
     "200", "0", 40, "面向一线电工，含实操与考证辅导。", {"lessons": 4}),
    ("摄影入门公益课", Category.COURSE, "多功能教室301", "摄影 培训", "everyone", True,
     "50", "0", 40, "手机摄影与构图入门。", {"lessons": 3}),
    ("职工法律咨询服务日", Category.SERVICE, "职工服务中心接待室", "法律 维权 咨询 免费", "everyone", True,
     "0", "0", 10, "律师现场解答劳动合同、工伤、欠薪等问题。", {"max": 1}),
    ("职工心理健康咨询", Category.SERVICE, "职工服务中心接待室", "心理 咨询 免费", "members", True,
     "0", "0", 6, "专业心理咨询师一对一，严格保密。", {"max": 1}),
]

PALETTE = [(179, 38, 30), (11, 92, 173), (26, 127, 55), (191, 135, 0), (130, 80, 223), (207, 34, 46),
           (9, 105, 218), (154, 103, 0)]


def demo_image(index: int, *, size=(640, 360), fmt="JPEG") -> bytes:
    """A coloured card with a few shapes, the same bytes for the same index."""
    from PIL import Image, ImageDraw

    base = PALETTE[index % len(PALETTE)]
    image = Image.new("RGB", size, base)
    draw = ImageDraw.Draw(image)
    light = tuple(min(255, c + 70) for c in base)
    w, h = size
    draw.ellipse((w * 0.55, -h * 0.2, w * 1.1, h * 0.7), fill=light)
    draw.rectangle((0, h * 0.75, w, h), fill=tuple(max(0, c - 50) for c in base))
    for k in range(index % 4 + 2):
        x = 40 + k * 70
        draw.rectangle((x, h * 0.45, x + 40, h * 0.75), fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, quality=80)
    return buffer.getvalue()


def _at(day, hour: int, minute: int = 0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _sessions_for(item: MenuItem, extra: dict, venues: dict, spec) -> list[Session]:
    _, category, _, _, _, _, price, member_price, capacity, _, _ = spec
    today = timezone.localdate()
    price, member_price = Decimal(price), Decimal(member_price)
    rows = []

    def add(day, hour, hours=2, venue=None, cap=capacity, minute=0):
        start = _at(day, hour, minute)
        rows.append(Session(item=item, venue=venue, starts_at=start, ends_at=start + timedelta(hours=hours),
                            capacity=cap, price=price, member_price=member_price,
                            booking_opens_at=start - timedelta(days=21), booking_closes_at=start - timedelta(hours=1)))

    if category == Category.SPORTS:
        courts = [venues[name] for name in extra.get("courts", [item.venue.name])]
        for d in range(1, 15):
            for hour in (9, 10, 19, 20):
                for court in courts:
                    add(today + timedelta(days=d), hour, hours=1, venue=court, cap=court.capacity)
    elif category == Category.COURSE:
        for lesson in range(extra.get("lessons", 4)):
            add(today + timedelta(days=3 + 7 * lesson), 19, hours=2)
    elif category == Category.EXHIBITION:
        for d in range(1, 22, 2):
            add(today + timedelta(days=d), 9, hours=8)
    elif category == Category.FILM:
        for d in (2, 4, 6, 9, 11, 13):
            add(today + timedelta(days=d), 14, hours=2, minute=30)
            add(today + timedelta(days=d), 19, hours=2, minute=30)
    elif category == Category.SERVICE:
        for d in (3, 10, 17, 24):
            for hour in (9, 10, 14, 15):
                add(today + timedelta(days=d), hour, hours=1)
    else:
        for d in (5, 12, 19, 26):
            add(today + timedelta(days=d), 19, hours=2, minute=30)
    return rows


@transaction.atomic
def seed() -> list[tuple[str, str, str]]:
    city = Branch.objects.get_root_nodes().filter(name="示范市总工会").first()
    if city is None:
        return []
    palace_manager = _user("13900000010", "文化宫活动管理员", is_staff=True)
    StaffRole.objects.get_or_create(user=palace_manager, branch=city, role=StaffRole.Role.EVENTS_MANAGER)
    district = Branch.objects.get_children(city).filter(name="思明区总工会").first()
    rows = [("文化宫活动管理员 events manager（示范市总工会）", palace_manager.mobile, DEMO_PASSWORD)]
    if district is not None:
        # Its own number: 13900000011 and 13900000012 are members.demo's pending applicants.
        district_manager = _user("13900000013", "思明区活动专干", is_staff=True)
        StaffRole.objects.get_or_create(user=district_manager, branch=district, role=StaffRole.Role.EVENTS_MANAGER)
        rows.append(("区工会活动专干 events manager（思明区总工会，可团体点单）", district_manager.mobile,
                     DEMO_PASSWORD))

    venues = {}
    for name, kind, capacity in VENUES:
        venues[name], _ = Venue.objects.get_or_create(
            branch=city, name=name,
            defaults={"kind": kind, "capacity": capacity, "address": f"示范市思明区工人路 1 号 {PALACE}·{name}"})

    for index, spec in enumerate(ITEMS):
        title, category, venue_name, tags, audience, booking, _, _, _, description, extra = spec
        item, created = MenuItem.objects.get_or_create(
            branch=city, title=title,
            defaults={"category": category, "venue": venues[venue_name], "tags": tags, "audience": audience,
                      "booking_required": booking, "description": description, "status": MenuItem.Status.PUBLISHED,
                      "max_seats_per_booking": extra.get("max", 2 if category != Category.COURSE else 1),
                      "entry_mode": extra.get("entry_mode", ""), "entry_fields": extra.get("entry_fields", [])},
        )
        if not created:
            continue
        image = ItemImage(item=item, alt=title, position=0)
        image.image.save(f"demo-{index}.jpg", ContentFile(demo_image(index)), save=True)
        if index % 3 == 0:
            extra_image = ItemImage(item=item, alt=title, position=1)
            extra_image.image.save(f"demo-{index}-b.png", ContentFile(demo_image(index + 3, fmt="PNG")), save=True)
        Session.objects.bulk_create(_sessions_for(item, extra, venues, spec))
    return rows
