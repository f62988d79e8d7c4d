"""Education aid through its doors: the member's pages, the private documents, the staff figures and downloads, the
admin's review screen and the API. Personas: the member, their spouse (another member), the base and federation
reviewers, a sibling branch's reviewer, finance, a signed-in user with no member row, a signed-out visitor."""

import io

import pytest
from openpyxl import load_workbook

from benefits.models import EducationAidApplication
from tests.benefits.aid_helpers import aid_facts, approved, draft, submitted, with_documents
from tests.benefits.claims_helpers import PDF_BYTES, upload

pytestmark = pytest.mark.django_db


def form_data(**overrides) -> dict:
    data = {key: ("on" if value is True else "" if value is False else value) for key, value in aid_facts().items()}
    data.update(overrides)
    return data


class TestMemberPages:
    def test_signed_out_visitors_are_sent_to_sign_in(self, client, aid_world):
        for path in ("/benefits/aid/", "/benefits/aid/new/"):
            response = client.get(path)
            assert response.status_code == 302 and "login" in response["Location"]

    def test_the_list_shows_the_open_campaign_with_its_amounts(self, client, aid_world):
        client.force_login(aid_world.member.user)
        page = client.get("/benefits/aid/").content.decode()
        assert aid_world.campaign.name in page and "¥3,000.00" in page and "您还没有助学申请" in page

    def test_a_member_files_uploads_and_submits_from_the_pages(self, client, aid_world):
        client.force_login(aid_world.member.user)
        response = client.post("/benefits/aid/new/", {"campaign": aid_world.campaign.pk, **form_data()})
        application = EducationAidApplication.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/benefits/aid/{application.pk}/edit/"
        for kind in ("admission", "id_card", "hardship_proof"):
            answer = client.post(f"/benefits/aid/{application.pk}/documents/",
                                 {"kind": kind, "file": upload(PDF_BYTES, f"{kind}.pdf", "application/pdf")},
                                 HTTP_ACCEPT="application/json")
            assert answer.status_code == 200, answer.content
            assert answer.json()["added"][0]["url"].startswith("/benefits/aid/documents/")
        client.post(f"/benefits/aid/{application.pk}/submit/")
        application.refresh_from_db()
        assert application.state == "base_review"
        page = client.get(f"/benefits/aid/{application.pk}/").content.decode()
        assert "基层工会审核中" in page and "350203" not in page  # the child's ID shown masked

    def test_bad_input_is_shown_on_the_form_and_nothing_is_saved(self, client, aid_world):
        client.force_login(aid_world.member.user)
        response = client.post("/benefits/aid/new/", {"campaign": aid_world.campaign.pk,
                                                      **form_data(child_id_number="350203200709017010")})
        assert response.status_code == 400 and "校验位" in response.content.decode()
        assert not EducationAidApplication.objects.exists()

    def test_another_members_application_is_not_found(self, client, aid_world):
        application = with_documents(aid_world.member, draft(aid_world.member, aid_world.campaign))
        document = application.documents.first()
        client.force_login(aid_world.spouse.user)
        for path in (f"/benefits/aid/{application.pk}/", f"/benefits/aid/{application.pk}/edit/",
                     f"/benefits/aid/documents/{document.token}/"):
            assert client.get(path).status_code == 404
        assert client.post(f"/benefits/aid/{application.pk}/submit/").status_code == 404
        application.refresh_from_db()
        assert application.state == "draft"

    def test_documents_open_for_the_member_and_reviewers_of_the_branch_only(self, client, aid_world):
        application = submitted(aid_world.member, aid_world.campaign)
        path = f"/benefits/aid/documents/{application.documents.first().token}/"
        for user, status in ((aid_world.member.user, 200), (aid_world.reviewer_base, 200),
                             (aid_world.reviewer_sibling, 404), (aid_world.nobody, 404)):
            client.force_login(user)
            response = client.get(path)
            assert response.status_code == status
            if status == 200:
                assert response["Cache-Control"] == "private, no-store" and "sandbox" in response[
                    "Content-Security-Policy"]

    def test_the_letter_is_the_members_and_the_reviewers(self, client, aid_world):
        application = approved(aid_world)
        path = f"/benefits/aid/{application.pk}/letter.pdf"
        client.force_login(aid_world.member.user)
        assert client.get(path)["Content-Type"] == "application/pdf"
        client.force_login(aid_world.spouse.user)
        assert client.get(path).status_code == 404
        client.force_login(aid_world.reviewer_sibling)
        assert client.get(path).status_code == 404

    def test_the_list_costs_the_same_queries_for_one_or_many(self, client, aid_world, django_assert_max_num_queries):
        client.force_login(aid_world.member.user)
        draft(aid_world.member, aid_world.campaign)
        with django_assert_max_num_queries(12) as one:
            client.get("/benefits/aid/")
        for serial in range(2, 8):
            draft(aid_world.member, aid_world.campaign, child_id_number=_child(serial), child_name=f"孩子{serial}")
        with django_assert_max_num_queries(len(one.captured_queries)):
            client.get("/benefits/aid/")


def _child(serial):
    from tests.benefits.aid_helpers import child_id

    return child_id(serial)


class TestStaffFigures:
    def test_reviewers_see_aid_granted_by_branch_and_stage_and_download_it(self, client, aid_world):
        approved(aid_world)
        client.force_login(aid_world.reviewer_fed)
        page = client.get("/benefits/aid/figures/").content.decode()
        assert "鹭江机械有限公司工会" in page and "本科" in page and "¥3,000.00" in page
        book = load_workbook(io.BytesIO(client.get("/benefits/aid/figures/?format=xlsx").content))
        rows = list(book.active.values)
        assert rows[0] == ("年度", "基层工会", "就读阶段", "资助人数", "资助金额（元）")
        assert rows[1][1:4] == ("鹭江机械有限公司工会", "本科", 1)
        csv_text = client.get("/benefits/aid/figures/?format=csv").content.decode("utf-8-sig")
        assert "鹭江机械有限公司工会" in csv_text

    def test_a_sibling_branch_sees_none_of_it_and_members_no_page(self, client, aid_world):
        approved(aid_world)
        client.force_login(aid_world.reviewer_sibling)
        assert "鹭江机械有限公司工会" not in client.get("/benefits/aid/figures/").content.decode()
        client.force_login(aid_world.member.user)
        assert client.get("/benefits/aid/figures/").status_code == 404

    def test_a_far_future_or_garbled_year_is_said_not_crashed(self, client, aid_world):
        client.force_login(aid_world.reviewer_fed)
        for year in ("99999", "２０２６", "-1"):
            response = client.get(f"/benefits/aid/figures/?year={year}")
            assert response.status_code == 200 and "四位数字" in response.content.decode()

    def test_the_figures_cost_the_same_queries_for_one_or_many(self, client, aid_world, org_tree, member_factory,
                                                               django_assert_max_num_queries):
        approved(aid_world)
        client.force_login(aid_world.reviewer_fed)
        with django_assert_max_num_queries(12) as one:
            client.get("/benefits/aid/figures/")
        for serial in range(2, 6):
            member = member_factory(branch=org_tree.base_b1)
            submitted(member, aid_world.campaign, child_id_number=_child(serial))
        with django_assert_max_num_queries(len(one.captured_queries)):
            client.get("/benefits/aid/figures/")


class TestAdmin:
    def test_the_queue_is_scoped_and_the_review_page_acts(self, client, aid_world):
        application = submitted(aid_world.member, aid_world.campaign)
        client.force_login(aid_world.reviewer_sibling)
        assert application.number not in client.get("/admin/benefits/educationaidapplication/").content.decode()
        assert client.get(f"/admin/benefits/educationaidapplication/{application.pk}/change/").status_code == 404
        client.force_login(aid_world.reviewer_base)
        assert application.number in client.get("/admin/benefits/educationaidapplication/").content.decode()
        page = client.get(f"/admin/benefits/educationaidapplication/{application.pk}/change/").content.decode()
        assert "通过，报上级复核" in page and "核准" not in page.split("通过，报上级复核")[1][:40]
        client.post(f"/admin/benefits/educationaidapplication/{application.pk}/change/",
                    {"action": "pass", "version": application.version, "message": "情况属实"})
        application.refresh_from_db()
        assert application.state == "federation_review"

    def test_aid_declared_elsewhere_is_shown_and_overridden_from_the_page(self, client, aid_world, staff_of):
        application = submitted(aid_world.member, aid_world.campaign, other_aid_declared=True,
                                other_aid_source="区教育局", other_aid_amount="800")
        from benefits.aid import services as aid

        application = aid.aid_pass(actor=aid_world.reviewer_base, application_id=application.pk,
                                   version=application.version)
        client.force_login(aid_world.reviewer_fed)
        path = f"/admin/benefits/educationaidapplication/{application.pk}/change/"
        page = client.get(path).content.decode()
        assert "区教育局" in page and "核实前不能核准" in page and 'value="override"' in page
        assert 'value="approve"' not in page
        client.post(path, {"action": "override", "version": application.version, "message": "核实为奖学金"})
        application.refresh_from_db()
        assert application.other_aid_override_reason == "核实为奖学金"
        assert 'value="approve"' not in client.get(path).content.decode()  # four eyes: another approves
        client.force_login(staff_of(aid_world.tree.city, role="claims_reviewer"))
        assert 'value="approve"' in client.get(path).content.decode()

    def test_finance_builds_one_batch_and_its_page_lists_the_aid(self, client, aid_world):
        application = approved(aid_world)
        client.force_login(aid_world.finance)
        response = client.post("/admin/benefits/payoutbatch/add/", {"branch": aid_world.tree.district_a.pk})
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert application.number in page and aid_world.member.name in page


class TestApi:
    def test_a_member_files_and_submits_through_the_api(self, api_client, aid_world):
        api_client.force_authenticate(aid_world.member.user)
        campaigns = api_client.get("/api/v1/aid/education/campaigns/").json()
        assert [c["id"] for c in campaigns] == [aid_world.campaign.pk]
        created = api_client.post("/api/v1/aid/education/", {"campaign": aid_world.campaign.pk, **aid_facts()},
                                  format="json")
        assert created.status_code == 201, created.content
        body = created.json()
        assert body["state"] == "draft" and body["child_id_number"].count("*") == 11
        for kind in ("admission", "id_card", "hardship_proof"):
            answer = api_client.post(f"/api/v1/aid/education/{body['id']}/documents/",
                                     {"kind": kind, "file": upload(PDF_BYTES, "a.pdf", "application/pdf")},
                                     format="multipart")
            assert answer.status_code == 201 and "sig=" in answer.json()["url"]
        submitted_now = api_client.post(f"/api/v1/aid/education/{body['id']}/submit/")
        assert submitted_now.json()["state"] == "base_review"

    def test_bad_input_answers_400_naming_the_fields(self, api_client, aid_world):
        api_client.force_authenticate(aid_world.member.user)
        answer = api_client.post("/api/v1/aid/education/", {"campaign": aid_world.campaign.pk,
                                                            **aid_facts(entry_year="1900")}, format="json")
        assert answer.status_code == 400 and "entry_year" in answer.json()["error"]["fields"]
        assert not EducationAidApplication.objects.exists()

    def test_another_member_and_a_visitor_see_nothing(self, api_client, aid_world):
        application = draft(aid_world.member, aid_world.campaign)
        api_client.force_authenticate(aid_world.spouse.user)
        assert api_client.get(f"/api/v1/aid/education/{application.pk}/").status_code == 404
        assert api_client.get("/api/v1/aid/education/").json()["results"] == []
        api_client.force_authenticate(None)
        assert api_client.get("/api/v1/aid/education/").status_code in (401, 403)

    def test_reviewers_decide_in_their_scope_only(self, api_client, aid_world):
        application = submitted(aid_world.member, aid_world.campaign)
        api_client.force_authenticate(aid_world.reviewer_sibling)
        assert api_client.get(f"/api/v1/aid/education/review/{application.pk}/").status_code == 404
        api_client.force_authenticate(aid_world.reviewer_base)
        detail = api_client.get(f"/api/v1/aid/education/review/{application.pk}/").json()
        assert detail["actions_allowed"] == ["pass", "return", "reject", "adjust"]
        refused = api_client.post(f"/api/v1/aid/education/review/{application.pk}/decide/",
                                  {"action": "approve", "version": detail["version"]}, format="json")
        assert refused.status_code in (400, 403)
        passed = api_client.post(f"/api/v1/aid/education/review/{application.pk}/decide/",
                                 {"action": "pass", "version": detail["version"]}, format="json")
        assert passed.status_code == 200 and passed.json()["state"] == "federation_review"
        not_theirs = api_client.post(f"/api/v1/aid/education/review/{application.pk}/decide/",
                                     {"action": "reject", "version": passed.json()["version"],
                                      "reason": "documents"}, format="json")
        assert not_theirs.status_code == 403 and "上级工会审核员" in not_theirs.json()["error"]["message"]
        api_client.force_authenticate(aid_world.reviewer_fed)
        stale = api_client.post(f"/api/v1/aid/education/review/{application.pk}/decide/",
                                {"action": "return", "version": detail["version"], "items": ["document:admission"]},
                                format="json")
        assert stale.status_code == 409
