"""Mutual aid end to end, as people walk it on a phone and in the admin: a worker signs up by mobile number, joins
a branch (its admin approves), enrols in the year's plan and pays, files one hospital stay with photographed
invoices chosen from files and sees each line assessed; the base-union reviewer and the federation reviewer decide
them in the admin, finance pays them in a batch, and the member sees them paid and opens the decision letter.
Personas: the worker (owner), the branch admin, the base reviewer, the federation reviewer, finance."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.browser.conftest import page_check, sign_in, sms_code, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "journey-pass-2026"
MOBILE = "13800138123"


@pytest.fixture
def federation(org_tree, staff_of):
    from benefits.models import Plan
    from tests.benefits.factories import make_plan, require_documents

    today = timezone.localdate()
    # Cover for everyone from 60 days ago, no waiting period: a stay of last week is covered the day one pays.
    plan = make_plan(federation=org_tree.city, cover_start_rule=Plan.CoverStart.PLAN_START,
                     cover_starts=today - timedelta(days=60), waiting_days=0)
    require_documents(plan, "inpatient_self_pay", ["invoice", "discharge_summary"])
    require_documents(plan, "hospital_daily", ["discharge_summary"])
    staff = {
        "branch_admin": staff_of(org_tree.base_a1, role="branch_admin"),
        "base_reviewer": staff_of(org_tree.base_a1, role="claims_reviewer"),
        "federation_reviewer": staff_of(org_tree.city, role="claims_reviewer"),
        "finance": staff_of(org_tree.base_a1, role="finance"),
    }
    for user in staff.values():
        user.set_password(PASSWORD)
        user.is_staff = True
        user.save()
    return org_tree, plan, staff


def _photo(colour) -> dict:
    out = io.BytesIO()
    Image.new("RGB", (1200, 1600), colour).save(out, format="JPEG", quality=80)
    return {"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def _sign_up_and_join(browsing, tree) -> None:
    from members.demo import demo_id_number

    page = browsing.open()
    page.goto("/accounts/signup/")
    page_check(page)
    page.fill("input[name=phone]", "138 0013 8123")
    page.fill("input[name=name]", "王建国")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("input[name=code]")
    page_check(page)
    page.fill("input[name=code]", sms_code(MOBILE))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(reverse("members:branch-list"))
    page_check(page)
    page.goto(reverse("members:branch-join", args=[tree.base_a1.pk]))
    page_check(page)
    page.fill("input[name=name]", "王建国")
    page.fill("input[name=id_number]", demo_id_number("350203", "19850312", 7, "M"))
    page.fill("input[name=employer]", "鹭江机械有限公司")
    page.check("input[name=employment_type][value=standard]")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**" + reverse("members:membership"))
    assert "审核" in page.inner_text("main")
    page_check(page)
    return page


def test_a_worker_joins_enrols_claims_one_stay_and_is_paid(browsing, federation):
    tree, plan, staff = federation
    member_page = _sign_up_and_join(browsing, tree)

    # The branch admin approves the application from the staff page.
    admin_page = browsing.open()
    sign_in(admin_page, staff["branch_admin"].mobile, PASSWORD)
    admin_page.goto(reverse("members:staff-applications"))
    page_check(admin_page)
    admin_page.locator("input[name=application]").first.check()
    admin_page.get_by_role("button", name="批准所选").click()
    admin_page.wait_for_load_state()
    from members.models import Member

    wait_until(lambda: Member.objects.filter(user__mobile=MOBILE, status="active").exists(), what="the approval")

    # Enrol and pay (the sandbox gateway in tests).
    member_page.goto(f"/benefits/plans/{plan.pk}/")
    page_check(member_page)
    member_page.locator("input[name=tier]").first.check()
    member_page.get_by_role("button", name="提交参保").click()
    member_page.wait_for_url("**/benefits/enrolments/*/")
    page_check(member_page)
    member_page.get_by_role("button", name="在线缴费").click()
    member_page.wait_for_url("**/pay/sandbox/**")
    page_check(member_page)
    member_page.get_by_role("button", name="确认支付").click()
    member_page.wait_for_load_state()
    from benefits.models import Enrolment

    wait_until(lambda: Enrolment.objects.filter(member__user__mobile=MOBILE, status="active").exists(),
               what="the payment to put the enrolment in force")

    # One hospital stay, entered once.
    today = timezone.localdate()
    member_page.goto("/benefits/claims/new/")
    page_check(member_page)
    member_page.get_by_role("link", name="一次填写住院情况，住院津贴和住院自付费用补助一并申请").click()
    member_page.wait_for_url("**/claims/stays/new/")
    page_check(member_page)
    member_page.fill("input[name=diagnosis]", "肺炎")
    member_page.fill("input[name=hospital]", "厦门市第一医院")
    member_page.fill("input[name=admission_date]", (today - timedelta(days=14)).isoformat())
    member_page.fill("input[name=discharge_date]", (today - timedelta(days=4)).isoformat())
    member_page.fill("input[name=total_cost]", "12000")
    member_page.fill("input[name=self_paid]", "5000")
    member_page.fill("input[name=bed_fee]", "500")
    member_page.fill("input[name=invoice_numbers]", "FP88001234 FP88001235")
    member_page.fill("input[name=bank_name]", "工商银行")
    member_page.fill("input[name=bank_account]", "６２２２ ０２０２ ００１１ ２２３３ ４４５")  # full-width, grouped
    member_page.fill("input[name=account_holder]", "王建国")
    member_page.get_by_role("button", name="下一步：上传材料").click()
    member_page.wait_for_url("**/claims/stays/*/")
    page_check(member_page)
    # The file field must open the picker (album and files), not the camera only.
    file_input = member_page.locator("input[name=file]")
    capture = file_input.get_attribute("capture")
    assert capture is None, f"the upload field opens the camera only (capture={capture!r}): no photo can be chosen"
    assert file_input.get_attribute("multiple") is not None, "the upload field takes one file at a time"
    for kind, photos in (("invoice", [_photo((250, 250, 240)), _photo((240, 240, 250))]),
                         ("discharge_summary", [_photo((255, 255, 255))])):
        member_page.select_option("select[name=kind]", kind)
        member_page.set_input_files("input[name=file]", photos)
        member_page.locator("form[data-upload-form] button[type=submit]").click()
        member_page.wait_for_function(
            "kind => document.querySelector(`[data-checklist] [data-kind='${kind}']`).classList.contains('present')"
            " && !document.querySelector('form[data-upload-form] button[type=submit]').disabled",
            arg=kind)
    page_check(member_page)
    member_page.get_by_role("button", name="一并提交 2 项申请").click()
    member_page.wait_for_load_state()

    from benefits.models import Claim

    lines = wait_until(lambda: list(Claim.objects.filter(member__user__mobile=MOBILE, state="base_review")
                                    .order_by("kind")) if Claim.objects.filter(
                                        member__user__mobile=MOBILE, state="base_review").count() == 2 else None,
                       what="both lines to be assessed")
    amounts = {line.kind: line.proposed_amount for line in lines}
    assert amounts == {"hospital_daily": Decimal("500.00"), "inpatient_self_pay": Decimal("900.00")}
    member_page.reload()
    text = member_page.inner_text("main")
    assert "¥500.00" in text and "¥900.00" in text
    page_check(member_page)
    member_page.get_by_role("link", name="住院自付费用补助").click()
    member_page.wait_for_load_state()
    assert "核算明细" in member_page.inner_text("main")
    page_check(member_page)

    # The base reviewer passes both, the federation reviewer approves them, in the admin.
    for role, button in (("base_reviewer", "pass"), ("federation_reviewer", "approve")):
        reviewer = browsing.open(viewport={"width": 1280, "height": 900})
        sign_in(reviewer, staff[role].mobile, PASSWORD)
        for line in lines:
            reviewer.goto(f"/admin/benefits/claim/{line.pk}/change/")
            page_check(reviewer)
            reviewer.locator(f"button[name=action][value={button}]").click()
            reviewer.wait_for_load_state()
    wait_until(lambda: Claim.objects.filter(member__user__mobile=MOBILE, state="approved").count() == 2,
               what="both lines approved")

    # Finance pays them in a batch.
    finance = browsing.open(viewport={"width": 1280, "height": 900})
    sign_in(finance, staff["finance"].mobile, PASSWORD)
    finance.goto("/admin/benefits/payoutbatch/add/")
    page_check(finance)
    finance.select_option("select[name=branch]", str(tree.base_a1.pk))
    finance.get_by_role("button", name="生成批次").click()
    finance.wait_for_url("**/admin/benefits/payoutbatch/*/change/")
    page_check(finance)
    assert "¥1,400.00" in finance.inner_text("#content") or "1,400.00" in finance.inner_text("#content")
    finance.get_by_role("button", name="银行已转账：标记本批次已发放").click()
    finance.wait_for_load_state()
    wait_until(lambda: Claim.objects.filter(member__user__mobile=MOBILE, state="paid").count() == 2,
               what="both lines paid")

    # The member sees them paid and opens the decision letter.
    member_page.goto("/benefits/claims/")
    page_check(member_page)
    assert member_page.inner_text("main").count("已发放") >= 2
    member_page.get_by_role("link", name=lines[1].number).click()
    member_page.wait_for_load_state()
    page_check(member_page)
    # The letter as the member's browser fetches it (the link opens the PDF viewer, which headless Chromium lacks).
    assert member_page.get_by_role("link", name="下载审核决定书（PDF）").count() == 1
    letter = member_page.request.get(f"/benefits/claims/{lines[1].pk}/letter.pdf")
    assert letter.status == 200 and letter.headers["content-type"] == "application/pdf"
    assert letter.body().startswith(b"%PDF")
