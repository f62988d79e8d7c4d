"""Settlement records' doors (#20): the staff pages (upload, progress, report, where each month stands), the
member's page (confirm with an account, or decline), the integration API (its token, its branch scope), and the
payout gate (a record's claim is paid only once the member confirmed it). Personas: the claimant, another member,
the base reviewer, a sibling base's reviewer, a reviewer of district B, finance of district A, an outsider,
signed out."""

from decimal import Decimal

import pytest

from benefits.claims import services as claims
from benefits.models import BenefitRule, Claim, SettlementImport, SettlementRecord
from benefits.review import payouts
from benefits.settlement import selectors, services
from tests.benefits.settlement_helpers import api_record, csv_upload, record_row

pytestmark = pytest.mark.django_db
S = Claim.State


@pytest.fixture
def world(claim_world):
    return claim_world


def _imported(world, django_capture_on_commit_callbacks, rows=None) -> SettlementImport:
    with django_capture_on_commit_callbacks(execute=True):
        upload = csv_upload(rows or [record_row(world.claimant, "JS0001")])
        job = services.settlement_import_create(actor=world.reviewer_base, branch_id=world.tree.base_a1.pk,
                                                uploaded_file=upload)
    job.refresh_from_db()
    return job


# --- staff pages ------------------------------------------------------------------------------------------


def test_staff_upload_and_follow_an_import(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.reviewer_base)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/benefits/staff/settlement/", {
            "branch": world.tree.base_a1.pk,
            "file": csv_upload([record_row(world.claimant, "JS0001"), record_row(world.claimant, "JS0002",
                                                                                 discharge="bad")])})
    job = SettlementImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/benefits/staff/settlement/{job.pk}/"
    page = client.get(f"/benefits/staff/settlement/{job.pk}/").content.decode()
    assert "已完成" in page and "日期格式应为" in page
    report = client.get(f"/benefits/staff/settlement/{job.pk}/report.csv")
    assert report.status_code == 200 and "日期格式应为" in report.content.decode("utf-8-sig")
    assert client.get(f"/benefits/staff/settlement/{job.pk}/report.xlsx").status_code == 200
    months = client.get("/benefits/staff/settlement/").content.decode()
    assert "按月统计" in months


def test_a_file_with_wrong_headers_is_refused_on_the_page(client, world):
    client.force_login(world.reviewer_base)
    response = client.post("/benefits/staff/settlement/", {
        "branch": world.tree.base_a1.pk, "file": csv_upload([["x", "y"]], header=["姓名", "医院"])})
    assert response.status_code == 400 and "缺少必需的列" in response.content.decode()
    assert not SettlementImport.objects.exists()


def test_who_sees_an_import(client, world, django_capture_on_commit_callbacks):
    job = _imported(world, django_capture_on_commit_callbacks)
    url = f"/benefits/staff/settlement/{job.pk}/"
    client.force_login(world.finance)  # district A: the import's branch is in its subtree
    assert client.get(url).status_code == 200
    for user, code in ((world.reviewer_sibling, 404), (world.reviewer_b, 404), (world.nobody, 403),
                       (world.claimant.user, 403)):
        client.force_login(user)
        assert client.get(url).status_code == code
        assert client.get(f"{url}report.csv").status_code == code
    client.logout()
    assert client.get(url).status_code == 302


def test_the_list_pages_queries_do_not_grow_with_imports(client, world, django_capture_on_commit_callbacks,
                                                         django_assert_max_num_queries):
    _imported(world, django_capture_on_commit_callbacks)
    client.force_login(world.reviewer_base)
    client.get("/benefits/staff/settlement/")
    with django_assert_max_num_queries(20) as few:
        client.get("/benefits/staff/settlement/")
    for n in range(2, 6):
        _imported(world, django_capture_on_commit_callbacks, rows=[record_row(world.claimant, f"JS000{n}",
                                                                              days_ago=10 * n)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/benefits/staff/settlement/")


# --- the member -------------------------------------------------------------------------------------------


def test_the_claims_page_says_which_claims_came_from_a_record(client, world, django_capture_on_commit_callbacks):
    _imported(world, django_capture_on_commit_callbacks)
    client.force_login(world.claimant.user)
    page = client.get("/benefits/claims/").content.decode()
    assert page.count("来自医保结算记录") == 2


def test_the_member_confirms_with_an_account_and_finance_may_then_pay(client, world,
                                                                    django_capture_on_commit_callbacks):
    BenefitRule.objects.filter(tier__plan=world.plan).update(settlement_auto_approve_up_to=Decimal("100000.00"))
    _imported(world, django_capture_on_commit_callbacks)
    record = SettlementRecord.objects.get()
    assert set(Claim.objects.values_list("state", flat=True)) == {S.APPROVED}
    with pytest.raises(claims.ClaimError):  # not confirmed: nothing to pay yet
        claims.payout_batch_create(actor=world.finance, branch_id=world.tree.district_a.pk)
    client.force_login(world.other.user)
    assert client.get(f"/benefits/settlement/stays/{record.stay_id}/").status_code == 404
    assert client.post(f"/benefits/settlement/stays/{record.stay_id}/confirm/").status_code == 302
    record.refresh_from_db()
    assert record.answer == "waiting"
    client.force_login(world.claimant.user)
    page = client.get(f"/benefits/settlement/stays/{record.stay_id}/").content.decode()
    assert "确认申请" in page
    client.post(f"/benefits/settlement/stays/{record.stay_id}/confirm/", {
        "bank_name": "工商银行", "bank_account": "６２２２０２０２００１１２２３３４４５", "account_holder": "张三"})
    record.refresh_from_db()
    assert record.answer == "confirmed"
    assert set(Claim.objects.values_list("bank_account", flat=True)) == {"6222020200112233445"}
    result = claims.payout_batch_create(actor=world.finance, branch_id=world.tree.district_a.pk)
    assert result.count == 2
    # Where it stands, for the import and its month: 1 record received and matched, both lines paid, none waiting.
    payouts.payout_batch_mark_paid(actor=world.finance, batch_id=result.batch.pk)
    lines = Claim.objects.filter(stay=record.stay)
    paid_amount = sum(line.paid_amount for line in lines)
    standing = selectors.import_standing(record.job)
    assert (standing.received, standing.matched, standing.paid, standing.paid_amount, standing.waiting) == (
        1, 1, 2, paid_amount, 0)
    [month] = selectors.monthly_standing(world.reviewer_base)
    assert (month.received, month.matched, month.paid, month.paid_amount, month.waiting) == (1, 1, 2, paid_amount, 0)
    assert selectors.monthly_standing(world.reviewer_b) == []  # another district's reviewer: nothing of it


def test_confirming_without_an_account_says_what_is_missing(client, world, django_capture_on_commit_callbacks):
    _imported(world, django_capture_on_commit_callbacks)
    record = SettlementRecord.objects.get()
    with pytest.raises(services.SettlementError, match="收款银行账户"):
        services.settlement_record_confirm(actor=world.claimant.user, stay_id=record.stay_id, bank={})
    record.refresh_from_db()
    assert record.answer == "waiting"


def test_the_member_can_decline(client, world, django_capture_on_commit_callbacks):
    _imported(world, django_capture_on_commit_callbacks)
    record = SettlementRecord.objects.get()
    client.force_login(world.claimant.user)
    client.post(f"/benefits/settlement/stays/{record.stay_id}/decline/")
    record.refresh_from_db()
    assert record.answer == "declined"
    assert set(Claim.objects.values_list("state", flat=True)) == {S.WITHDRAWN}
    response = client.post(f"/benefits/settlement/stays/{record.stay_id}/confirm/", {"bank_account": "1"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.answer == "declined"


# --- the integration API ----------------------------------------------------------------------------------


@pytest.fixture
def integration(world):
    integration, token = services.settlement_integration_create(
        actor=_branch_admin(world), name="市医保中心", branch_id=world.tree.district_a.pk)
    return integration, token


def _branch_admin(world):
    from members.models import StaffRole
    from tests.factories import UserFactory

    user = UserFactory(is_staff=True)
    StaffRole.objects.create(user=user, branch=world.tree.district_a, role=StaffRole.Role.BRANCH_ADMIN)
    return user


def test_an_integration_posts_records_with_its_token(api_client, world, integration,
                                                     django_capture_on_commit_callbacks):
    _integration, token = integration
    body = {"branch": world.tree.base_a1.pk, "records": [api_record(world.claimant, "JS0001")]}
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post("/api/v1/settlement/records/", body, format="json",
                                   HTTP_X_INTEGRATION_TOKEN=token)
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    status = api_client.get(f"/api/v1/settlement/imports/{job_id}/", HTTP_X_INTEGRATION_TOKEN=token).json()
    assert (status["status"], status["matched_count"]) == ("done", 1)
    assert Claim.objects.filter(source=Claim.Source.SETTLEMENT).count() == 2
    # Posting the same records again creates nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        again = api_client.post("/api/v1/settlement/records/", body, format="json", HTTP_X_INTEGRATION_TOKEN=token)
    assert api_client.get(f"/api/v1/settlement/imports/{again.json()['id']}/",
                          HTTP_X_INTEGRATION_TOKEN=token).json()["duplicate_count"] == 1
    assert Claim.objects.count() == 2


def test_no_token_a_wrong_token_or_a_branch_outside_its_scope_is_refused(api_client, world, integration):
    _integration, token = integration
    body = {"branch": world.tree.base_a1.pk, "records": [api_record(world.claimant, "JS0001")]}
    assert api_client.post("/api/v1/settlement/records/", body, format="json").status_code == 401
    assert api_client.post("/api/v1/settlement/records/", body, format="json",
                           HTTP_X_INTEGRATION_TOKEN="not-the-token").status_code == 401
    api_client.force_authenticate(world.reviewer_base)  # a signed-in staff member is not the integration
    assert api_client.post("/api/v1/settlement/records/", body, format="json").status_code in (401, 403)
    api_client.force_authenticate(None)
    outside = {**body, "branch": world.tree.base_b1.pk}
    response = api_client.post("/api/v1/settlement/records/", outside, format="json", HTTP_X_INTEGRATION_TOKEN=token)
    assert response.status_code == 403 and response.json()["error"]["message"]
    assert api_client.post("/api/v1/settlement/records/", {"branch": world.tree.base_a1.pk, "records": []},
                           format="json", HTTP_X_INTEGRATION_TOKEN=token).status_code == 400
    assert not SettlementImport.objects.exists()


def test_an_integration_sees_only_its_own_imports(api_client, world, integration, django_capture_on_commit_callbacks):
    _integration, token = integration
    job = _imported(world, django_capture_on_commit_callbacks)  # uploaded by staff, not by the integration
    assert api_client.get(f"/api/v1/settlement/imports/{job.pk}/", HTTP_X_INTEGRATION_TOKEN=token).status_code == 404


def test_the_settlement_pages_read_as_english(client, world, django_capture_on_commit_callbacks):
    """The member's record page and the staff's import page, in English: no Chinese punctuation or dates (the
    data's own Chinese, the hospital and the branch names, taken out)."""
    from django.conf import settings

    from tests.portal.test_english_pages import chinese_marks, visible_text

    world.reviewer_base.language = "en"  # the report is written in the uploader's language
    world.reviewer_base.save(update_fields=["language"])
    job = _imported(world, django_capture_on_commit_callbacks, rows=[
        record_row(world.claimant, "JS0001", hospital="City Hospital"),
        record_row(world.claimant, "JS0002", admission="bad")])
    record = SettlementRecord.objects.get()
    data = [world.tree.base_a1.name, str(world.reviewer_base), "K35.9", "bad"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.claimant.user)
    page = visible_text(client.get(f"/benefits/settlement/stays/{record.stay_id}/").content.decode(), data)
    assert "Aid claimed for you" in page and not chinese_marks(page)
    claims_page = visible_text(client.get("/benefits/claims/").content.decode(), data)
    assert "From a settlement record" in claims_page and not chinese_marks(claims_page)
    client.force_login(world.reviewer_base)
    staff = visible_text(client.get(f"/benefits/staff/settlement/{job.pk}/").content.decode(), data)
    assert "Records without a claim" in staff and not chinese_marks(staff), chinese_marks(staff)
