"""Demo data of the mutual-aid plan, created by `manage.py seed_demo` after members.demo. Safe to run twice.

The reference plan (seed figures, docs/benefits-reference-plan.md; copied to the current year once the seed's
year has passed) run by the demo city federation, a
district subsidy for non-public enterprises, and an enrolment for each demo member who has a Member row (the
members demo may or may not create them), plus a company-union finance account.
"""

from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from members.demo import DEMO_PASSWORD, _user
from members.models import Branch, Member, StaffRole

from .aid import selectors as aid_selectors
from .aid import services as aid_services
from .hardship import services as hardship
from .models import (
    AidCampaign,
    CareVisit,
    EducationAidApplication,
    Enrolment,
    HardshipFamily,
    HardshipStandard,
    Plan,
    SettlementImport,
    SubsidyRule,
)
from .reference import reference_plan_build
from .services import BenefitsError, enrolment_create, payment_record_offline, plan_copy_to_year
from .settlement import services as settlement


def _plan_of_this_year(reference: Plan) -> Plan:
    """The reference plan is the seed's year (2026). In a later year the demo copies it to that year, as staff
    do with the admin's "copy to next year", so that `make run` still enrols the demo members; the copy is made
    once and found again on the next run."""
    year = timezone.localdate().year
    if year <= reference.year:
        return reference
    return Plan.objects.filter(previous=reference, year=year).first() or plan_copy_to_year(
        actor=None, plan_id=reference.pk, year=year)


@transaction.atomic
def seed() -> list[tuple[str, str, str]]:
    city = Branch.objects.get_root_nodes().filter(name="示范市总工会").first()
    if city is None:
        return []
    district = Branch.objects.get_children(city).filter(name="思明区总工会").first()
    base = Branch.objects.filter(name="鹭江机械有限公司工会", path__startswith=city.path).first()
    plan = reference_plan_build(federation=city)
    if plan.federation_id is None and not plan.has_enrolments():
        Plan.objects.filter(pk=plan.pk).update(federation=city)
        plan.refresh_from_db()
    plan = _plan_of_this_year(plan)
    if district:
        SubsidyRule.objects.get_or_create(
            plan=plan, paying_branch=district,
            defaults={"share": Decimal("0.5"), "non_public_only": True},
        )
    rows = []
    if base:
        finance = _user("13900000003", "财务陈静", is_staff=True)
        StaffRole.objects.get_or_create(user=finance, branch=base, role=StaffRole.Role.FINANCE)
        rows.append(("财务 finance（鹭江机械有限公司工会）", finance.mobile, DEMO_PASSWORD))
        # Claims review: one reviewer at the base union, one at the federation (one person may not do both).
        for mobile, name, branch, label in (
            ("13900000004", "审核员林芳", base, "互助审核员（鹭江机械有限公司工会）"),
            ("13900000005", "审核员黄伟", city, "互助审核员（示范市总工会）"),
        ):
            reviewer = _user(mobile, name, is_staff=True)
            StaffRole.objects.get_or_create(user=reviewer, branch=branch, role=StaffRole.Role.CLAIMS_REVIEWER)
            rows.append((label, reviewer.mobile, DEMO_PASSWORD))
        basic = plan.tiers.get(code="basic")
        # Only Member rows that exist: the members demo decides who is a member.
        members = Member.objects.filter(branch__path__startswith=city.path, status=Member.Status.ACTIVE).exclude(
            pk__in=Enrolment.objects.filter(plan=plan).values("member_id")
        )
        joined_on = _demo_enrolment_day(plan)
        for member in members.select_related("branch"):
            try:
                enrolment = enrolment_create(actor=None, plan_id=plan.pk, tier_id=basic.pk, member=member,
                                             employer_non_public=True, enrolled_on=joined_on)
                if enrolment.status == Enrolment.Status.PENDING and enrolment.branch.path.startswith(base.path):
                    payment_record_offline(actor=finance, enrolment_id=enrolment.pk, method="cash",
                                           amount=enrolment.member_part, reference=f"DEMO-{enrolment.pk}",
                                           paid_on=joined_on)
            except BenefitsError:
                continue  # not eligible: the demo leaves them unenrolled
    if base and district:
        rows += _hardship_seed(district=district, base=base)
    if city is not None:
        _seed_aid(city)
    if base:
        _seed_settlement(base)
    # Next year's plan, copied as staff do, so that from its renewal day members are invited to renew.
    if not Plan.objects.filter(previous=plan).exists():
        plan_copy_to_year(actor=None, plan_id=plan.pk, year=plan.year + 1)
    return rows


def _demo_enrolment_day(plan: Plan):
    """The demo members joined and paid long enough ago that, on whatever day `make run` is started, their cover
    has begun (a claim can be filed today) and, past the first months of the year, the waiting period is over."""
    today = timezone.localdate()
    day = max(plan.enrol_opens, today - timedelta(days=plan.waiting_days + 30))
    return min(day, plan.enrol_closes, today)


# The hardship register's demo: (member name, cause, income, household size, status it is brought to, household).
HARDSHIP_FAMILIES = [
    ("李明", "illness", "2600.00", 4, HardshipFamily.Status.CONFIRMED,
     [("王芳", "配偶", 38, "尿毒症，长期透析", "finished"), ("李小雨", "子女", 17, "", "high"),
      ("李小峰", "子女", 12, "", "primary")]),
    ("陈志强", "disaster", "1500.00", 3, HardshipFamily.Status.NOTICE, [("陈浩", "子女", 19, "", "undergraduate")]),
    ("林秀英", "disability", "1200.00", 2, HardshipFamily.Status.FILED, [("林母", "母亲", 71, "肢体残疾", "finished")]),
    ("黄建华", "low_income", "3200.00", 3, HardshipFamily.Status.LEFT, []),
]


def _hardship_seed(*, district, base) -> list[tuple[str, str, str]]:
    """A hardship officer at the demo company union, the district's standard for this year and a few families in
    different states (filed, under notice, confirmed with a care visit due, left). Families already there stay."""
    officer = _user("13900000006", "帮扶干部陈红", is_staff=True)
    StaffRole.objects.get_or_create(user=officer, branch=base, role=StaffRole.Role.HARDSHIP_OFFICER)
    today = timezone.localdate()
    HardshipStandard.objects.get_or_create(district=district, year=today.year,
                                           defaults={"minimum_living": Decimal("900.00"), "notice_days": 5})
    members = {m.name: m for m in Member.objects.filter(branch=base, status=Member.Status.ACTIVE,
                                                        name__in=[row[0] for row in HARDSHIP_FAMILIES])}
    with_family = set(HardshipFamily.objects.filter(member__in=members.values()).values_list("member_id", flat=True))
    S = HardshipFamily.Status
    for name, cause, income, size, status, household in HARDSHIP_FAMILIES:
        member = members.get(name)
        if member is None or member.pk in with_family:
            continue
        family = hardship.family_file(actor=member.user or officer, member_id=member.pk, cause=cause,
                                      monthly_income=income, household_size=size,
                                      situation="家庭主要劳动力患病或受灾，收入不能维持基本生活。")
        for person, relation, age, health, schooling in household:
            hardship.household_member_add(actor=officer, family_id=family.pk, name=person, relation=relation, age=age,
                                          health=health, schooling=schooling)
        if status == S.FILED:
            continue
        # A confirmed family was visited before its notice; the one under notice this week.
        visited_on = today if status == S.NOTICE else today - timedelta(days=8)
        hardship.home_visit_record(actor=officer, family_id=family.pk, visited_on=visited_on,
                                   notes="入户核实家庭人口、收入和住房情况，与申报一致。")
        hardship.notice_start(actor=officer, family_id=family.pk)
        if status == S.NOTICE:
            continue
        # The demo's notice has already run its days, so the family can be confirmed today.
        HardshipFamily.objects.filter(pk=family.pk).update(notice_starts_on=today - timedelta(days=7),
                                                           notice_ends_on=today - timedelta(days=3))
        hardship.family_confirm(actor=officer, family_id=family.pk, level="deep" if cause == "illness" else "relative")
        if status == S.LEFT:
            hardship.family_leave(actor=officer, family_id=family.pk, reason="家庭成员已就业，人均收入超过当地标准。")
            continue
        hardship.care_visit_plan(actor=officer, family_id=family.pk, kind=CareVisit.Kind.PSYCHOLOGICAL,
                                 due_on=today + timedelta(days=2), purpose="职工心理服务志愿者入户谈心")
        hardship.care_visit_plan(actor=officer, family_id=family.pk, kind=CareVisit.Kind.FESTIVAL,
                                 due_on=today + timedelta(days=30), purpose="节日慰问")
    return [("帮扶干部 hardship officer（鹭江机械有限公司工会）", officer.mobile, DEMO_PASSWORD)]


# A one-page PDF standing in for a scanned admission letter and ID (the demo's documents carry no one's data).
DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _seed_aid(city: Branch) -> None:
    """This year's education-aid campaign of the demo federation, open around today whatever day `make run` starts,
    and one submitted application of the demo member (13900000002) for their child, waiting for the base union's
    reviewer (13900000004)."""
    today = timezone.localdate()
    campaign, _created = AidCampaign.objects.get_or_create(
        federation=city, year=today.year,
        defaults={"name": f"{today.year}年金秋助学", "opens_on": today - timedelta(days=20),
                  "closes_on": today + timedelta(days=40), "amount_high_school": Decimal("1000.00"),
                  "amount_vocational": Decimal("1500.00"), "amount_undergraduate": Decimal("3000.00"),
                  "amount_graduate": Decimal("4000.00"), "review_service_days": 10,
                  "notes": "资助已建档困难职工家庭和本年度因病、因灾致困职工的在读子女。每名子女每年限资助一次。"},
    )
    member = Member.objects.filter(user__mobile="13900000002", status=Member.Status.ACTIVE).first()
    if member is None or EducationAidApplication.objects.filter(member=member, year=campaign.year).exists():
        return
    if not campaign.is_open(today):
        return
    # The demo member's family is on the hardship register (confirmed by the hardship demo above): that is the
    # ground, and the register's record stands for the proof of hardship.
    if aid_selectors.confirmed_family(member) is not None:
        ground, kinds = {"basis": "hardship"}, ("admission", "id_card")
    else:
        ground = {"basis": "illness", "basis_note": "今年春天本人因病住院两个月，收入减少。"}
        kinds = ("admission", "id_card", "hardship_proof")
    try:
        application = aid_services.aid_application_create(actor=member.user, campaign_id=campaign.pk, values={
            "child_name": "李小雨", "child_id_number": "350203200803152216", "school": "厦门第一中学",
            "stage": "high_school", "entry_year": str(today.year - 1), **ground, "bank_name": "工商银行",
            "bank_account": "6222020200112233445", "account_holder": member.name,
        })
        for kind in kinds:
            aid_services.aid_document_add(actor=member.user, application_id=application.pk, kind=kind,
                                          upload=SimpleUploadedFile(f"{kind}.pdf", DEMO_PDF))
        aid_services.aid_application_submit(actor=member.user, application_id=application.pk)
    except aid_services.ReviewError:
        return  # the demo member does not qualify (e.g. born after the demo child): no application


def _seed_settlement(base: Branch) -> None:
    """One settlement import (免申即享) at the demo company union, uploaded by its reviewer: a hospital stay of each
    of two enrolled members of the union, after their waiting period and before today, which become claims by
    themselves, and a row whose ID number fails its checksum, for the row-by-row report. Once only."""
    reviewer = StaffRole.objects.filter(branch=base, role=StaffRole.Role.CLAIMS_REVIEWER).select_related("user").first()
    if reviewer is None or SettlementImport.objects.filter(branch=base).exists():
        return
    today = timezone.localdate()
    rows = []
    active = Enrolment.objects.filter(branch=base, status=Enrolment.Status.ACTIVE).select_related("member")
    # The demo member (13900000002) first, so that their claims page shows claims that came from a record.
    demo_member = active.filter(member__user__mobile__endswith="13900000002").first()
    others = active.exclude(pk=getattr(demo_member, "pk", None)).order_by("pk")[:1]
    enrolments = [e for e in (demo_member, *others) if e is not None]
    for n, enrolment in enumerate(enrolments):
        admitted = max(enrolment.waiting_until + timedelta(days=1), today - timedelta(days=30))
        discharged = admitted + timedelta(days=6)
        if discharged >= today:
            continue  # early in the plan year the waiting period is not over yet: no stay to show
        rows.append(f"{enrolment.member.id_number},{enrolment.member.name},厦门大学附属第一医院,{admitted:%Y-%m-%d},"
                    f"{discharged:%Y-%m-%d},{12000 + 1000 * n}.00,{3600 + 500 * n}.00,420.00,"
                    f"DEMO-JS-{today:%Y}-{n + 1:04d},K35.9")
    if not rows:
        return
    rows.append(f"350203198806100033,王五,厦门市中医院,{today - timedelta(days=9):%Y-%m-%d},"
                f"{today - timedelta(days=7):%Y-%m-%d},3000.00,900.00,100.00,DEMO-JS-{today:%Y}-0099,")
    header = "身份证号,姓名,医院,入院日期,出院日期,医疗费用总额,个人自付,床位费,结算单号,诊断编码"
    text = "\n".join([header, *rows]) + "\n"
    upload = SimpleUploadedFile("demo-settlement.csv", text.encode("utf-8-sig"), content_type="text/csv")
    settlement.settlement_import_create(actor=reviewer.user, branch_id=base.pk, uploaded_file=upload)
