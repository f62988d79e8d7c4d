"""Pages, with personas: the enrolled member (owner), another member, staff of the branch (A1), of the sibling
branch (A2), of the parent (district A), of the other district (B), and anonymous."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from benefits import services
from benefits.models import Enrolment, Payment
from benefits.payments import SandboxProvider
from tests.benefits.factories import make_subsidy
from tests.benefits.pdf import page_count, pdf_text


@pytest.fixture
def enrolment(plan, people):
    return services.enrolment_create(actor=None, plan_id=plan.pk, tier_id=plan.tiers.get(code="basic").pk,
                                     member=people.owner)


@pytest.fixture
def paid(enrolment, people):
    services.payment_record_offline(actor=people.staff_a1, enrolment_id=enrolment.pk, method="cash", amount="36")
    enrolment.refresh_from_db()
    return enrolment


class TestMemberPages:
    def test_anonymous_sees_plans_and_is_asked_to_log_in(self, client, plan):
        response = client.get(reverse("benefits:plan", args=[plan.pk]))
        assert response.status_code == 200 and "登录后参保" in response.content.decode()
        assert client.get(reverse("benefits:plans")).status_code == 200
        assert client.get(reverse("benefits:my-cover")).status_code == 302

    def test_plan_page_describes_benefits_in_words(self, client, plan, people):
        client.force_login(people.owner.user)
        body = client.get(reverse("benefits:plan", args=[plan.pk])).content.decode()
        assert "住院每天补助 50.00 元，每年最多 30 天。" in body and "提交参保" in body

    def test_enrol_pay_online_and_see_cover(self, client, plan, people):
        client.force_login(people.owner.user)
        response = client.post(reverse("benefits:plan-enrol", args=[plan.pk]),
                               {"tier": plan.tiers.get(code="enhanced").pk})
        enrolment = Enrolment.objects.get(member=people.owner)
        assert response.url == reverse("benefits:enrolment", args=[enrolment.pk])
        response = client.post(reverse("benefits:enrolment-pay", args=[enrolment.pk]), {"amount": "60.00"})
        payment = Payment.objects.get()
        assert response.url == reverse("benefits:sandbox-gateway", args=[payment.token])
        assert "¥60.00" in client.get(response.url).content.decode()
        client.post(response.url, {"confirm": "1"})
        enrolment.refresh_from_db()
        assert enrolment.status == "active"
        body = client.get(reverse("benefits:my-cover")).content.decode()
        assert "本年度剩余额度" in body and "30 天" in body and "¥200,000.00" in body

    def test_enrol_twice_shows_a_message(self, client, plan, people, enrolment):
        client.force_login(people.owner.user)
        response = client.post(reverse("benefits:plan-enrol", args=[plan.pk]),
                               {"tier": plan.tiers.get(code="basic").pk}, follow=True)
        assert "不能重复参保" in response.content.decode()
        assert Enrolment.objects.count() == 1

    def test_pay_wrong_amount_shows_a_message(self, client, people, enrolment):
        client.force_login(people.owner.user)
        response = client.post(reverse("benefits:enrolment-pay", args=[enrolment.pk]), {"amount": "1"}, follow=True)
        assert "缴费金额应为 36.00 元" in response.content.decode()
        assert not Payment.objects.exists()

    def test_user_without_member_row(self, client, plan, people):
        client.force_login(people.nobody)
        response = client.post(reverse("benefits:plan-enrol", args=[plan.pk]),
                               {"tier": plan.tiers.get(code="basic").pk}, follow=True)
        assert "还不是工会会员" in response.content.decode()

    def test_another_member_cannot_see_my_enrolment_or_pay_page(self, client, people, enrolment):
        payment = services.payment_start_online(user=people.owner.user, enrolment_id=enrolment.pk, amount="36")
        client.force_login(people.other.user)
        assert client.get(reverse("benefits:enrolment", args=[enrolment.pk])).status_code == 404
        assert client.get(reverse("benefits:sandbox-gateway", args=[payment.token])).status_code == 404
        assert client.post(reverse("benefits:enrolment-pay", args=[enrolment.pk]), {"amount": "36"}).status_code == 404

    def test_enrolment_shows_who_paid_what(self, client, plan, org_tree, people):
        make_subsidy(plan, org_tree.district_a, share=Decimal("0.5"))
        enrolment = services.enrolment_create(actor=None, plan_id=plan.pk, tier_id=plan.tiers.get(code="basic").pk,
                                              member=people.owner, employer_non_public=True)
        client.force_login(people.owner.user)
        body = client.get(reverse("benefits:enrolment", args=[enrolment.pk])).content.decode()
        assert "思明区总工会补贴" in body and "18.00" in body

    def test_plan_list_queries_do_not_grow(self, client, org_tree, people, django_assert_max_num_queries):
        from tests.benefits.factories import make_plan

        for i in range(5):
            make_plan(federation=org_tree.city, code=f"p{i}")
        client.force_login(people.owner.user)
        with django_assert_max_num_queries(10):
            response = client.get(reverse("benefits:plans"))
        assert response.content.decode().count("基础档 ¥36.00") == 5


class TestCallbackEndpoint:
    def post(self, client, body, signature):
        return client.post(reverse("benefits:sandbox-callback"), body, content_type="application/json",
                           headers={"X-Sandbox-Signature": signature})

    def test_signed_then_replayed(self, client, people, enrolment):
        payment = services.payment_start_online(user=people.owner.user, enrolment_id=enrolment.pk, amount="36")
        sandbox = SandboxProvider()
        body = sandbox.callback_body(payment, reference="T1")
        first = self.post(client, body, sandbox.sign(body))
        again = self.post(client, body, sandbox.sign(body))
        assert first.status_code == 200 and first.json()["recorded"] is True
        assert again.status_code == 200 and again.json()["recorded"] is False
        assert Payment.objects.filter(status="paid").count() == 1

    def test_forged_and_wrong_amount(self, client, people, enrolment):
        payment = services.payment_start_online(user=people.owner.user, enrolment_id=enrolment.pk, amount="36")
        sandbox = SandboxProvider()
        body = sandbox.callback_body(payment)
        assert self.post(client, body, "forged").status_code == 400
        wrong = sandbox.callback_body(payment, amount="3.60")
        response = self.post(client, wrong, sandbox.sign(wrong))
        assert response.status_code == 400 and "不符" in response.json()["message"]
        payment.refresh_from_db()
        assert payment.status == "pending"


class TestReceiptDownload:
    def test_owner_downloads_own_receipt(self, client, people, paid):
        client.force_login(people.owner.user)
        response = client.get(reverse("benefits:receipt", args=[paid.payment_id]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert paid.payment.number in pdf_text(response.content)

    @pytest.mark.parametrize(("who", "status"), [
        ("other", 404), ("staff_a2", 404), ("staff_b", 404), ("staff_a1", 200), ("staff_parent", 200),
    ])
    def test_who_else(self, client, people, paid, who, status):
        user = getattr(people, who)
        client.force_login(getattr(user, "user", user))
        assert client.get(reverse("benefits:receipt", args=[paid.payment_id])).status_code == status

    def test_anonymous(self, client, paid):
        assert client.get(reverse("benefits:receipt", args=[paid.payment_id])).status_code == 302


class TestStaffPages:
    @pytest.fixture
    def data(self, plan, org_tree, people, member_factory, paid):
        make_subsidy(plan, org_tree.district_a, share=Decimal("0.5"))
        member_factory.create_batch(3, branch=org_tree.base_a2)
        services.group_enrolment_create(actor=people.staff_a2, plan_id=plan.pk,
                                        tier_id=plan.tiers.get(code="enhanced").pk, branch_id=org_tree.base_a2.pk,
                                        employer_non_public=True)
        services.enrolment_create(actor=None, plan_id=plan.pk, tier_id=plan.tiers.get(code="basic").pk,
                                  member=people.other)
        return plan

    def test_report_scoped_to_subtree(self, client, people, data, django_assert_max_num_queries):
        client.force_login(people.staff_a1)
        with django_assert_max_num_queries(12):
            body = client.get(reverse("benefits:staff") + f"?plan={data.pk}").content.decode()
        assert "鹭江机械有限公司工会" in body and "厦门港务工会" not in body
        client.force_login(people.staff_parent)
        with django_assert_max_num_queries(12):
            body = client.get(reverse("benefits:staff") + f"?plan={data.pk}").content.decode()
        assert "鹭江机械有限公司工会" in body and "厦门港务工会" in body and "思明区总工会" in body
        client.force_login(people.staff_b)
        body = client.get(reverse("benefits:staff") + f"?plan={data.pk}").content.decode()
        assert "还没有参保记录" in body

    def test_members_and_anonymous_are_kept_out(self, client, people, data):
        client.force_login(people.owner.user)
        assert client.get(reverse("benefits:staff")).status_code == 403
        client.force_login(people.events_manager_a1)
        assert client.get(reverse("benefits:staff")).status_code == 403
        client.logout()
        assert client.get(reverse("benefits:staff")).status_code == 302

    def test_export(self, client, people, data):
        client.force_login(people.staff_parent)
        response = client.get(reverse("benefits:staff-export") + f"?plan={data.pk}")
        workbook = load_workbook(io.BytesIO(response.content))
        names = [row[1] for row in workbook["参保名单"].iter_rows(min_row=2, values_only=True)]
        assert len(names) == 5
        totals = list(workbook["汇总"].iter_rows(values_only=True))[-1]
        assert totals[0] == "合计" and totals[3] == 4 and totals[4] == 1  # four active, one unpaid
        client.force_login(people.staff_a1)
        response = client.get(reverse("benefits:staff-export") + f"?plan={data.pk}")
        workbook = load_workbook(io.BytesIO(response.content))
        assert len(list(workbook["参保名单"].iter_rows(min_row=2))) == 2

    def test_unpaid_and_record_payment(self, client, people, data, django_assert_max_num_queries):
        client.force_login(people.staff_a1)
        with django_assert_max_num_queries(12):
            body = client.get(reverse("benefits:staff-unpaid") + f"?plan={data.pk}").content.decode()
        assert people.other.name in body
        pending = Enrolment.objects.get(member=people.other)
        url = reverse("benefits:staff-record-payment", args=[pending.pk])
        response = client.post(url, {"method": "cash", "amount": "35"})
        assert response.status_code == 400 and "应为 36.00" in response.content.decode()
        client.post(url, {"method": "cash", "amount": "36.00"})
        pending.refresh_from_db()
        assert pending.status == "active"

    def test_sibling_staff_cannot_record_payment(self, client, people, data):
        pending = Enrolment.objects.get(member=people.other)
        client.force_login(people.staff_a2)
        response = client.post(reverse("benefits:staff-record-payment", args=[pending.pk]),
                               {"method": "cash", "amount": "36"})
        assert response.status_code == 404

    def test_batch_receipts(self, client, people, data):
        client.force_login(people.staff_parent)
        response = client.get(reverse("benefits:staff-receipts") + f"?plan={data.pk}")
        assert page_count(response.content) == 2  # the owner's cash payment and A2's group payment
        client.force_login(people.staff_a1)
        response = client.get(reverse("benefits:staff-receipts") + f"?plan={data.pk}")
        assert page_count(response.content) == 1

    def test_group_enrol_page(self, client, plan, org_tree, people, member_factory):
        member = member_factory(branch=org_tree.base_a1)
        client.force_login(people.staff_a1)
        assert client.get(reverse("benefits:staff-group")).status_code == 200
        form = {"plan": plan.pk, "tier_code": "basic", "branch": org_tree.base_a1.pk, "method": "transfer",
                "member_numbers": f"{member.member_number}\nNOPE", "amount": "36.00"}
        response = client.post(reverse("benefits:staff-group"), form)
        assert response.status_code == 400 and "NOPE" in response.content.decode()
        form["member_numbers"] = member.member_number
        response = client.post(reverse("benefits:staff-group"), form)
        assert response.status_code == 200 and "已办理 1 人" in response.content.decode()
        form["branch"] = org_tree.base_a2.pk
        response = client.post(reverse("benefits:staff-group"), form)
        assert response.status_code == 400  # not a branch in scope: not a valid choice
