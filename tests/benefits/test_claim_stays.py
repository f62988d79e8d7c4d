"""One application per hospital stay (#15.2): the stay is entered once, a claim line is filed for each kind the
facts qualify for, documents are uploaded once for every line, one submit submits all, and each line is then
assessed, reviewed and paid on its own. Personas: the claimant (owner), another member (outsider), the base and
federation reviewers, a signed-out visitor."""

from decimal import Decimal

import pytest

from benefits.claims import services as claims
from benefits.claims import stays
from benefits.models import Claim, ClaimDocument, ClaimStay
from tests.benefits.claims_helpers import PDF_BYTES, png_bytes, stay_facts, upload
from tests.benefits.factories import require_documents

pytestmark = pytest.mark.django_db
S = Claim.State


@pytest.fixture
def world(claim_world):
    require_documents(claim_world.plan, "hospital_daily", ["discharge_summary", "id_card"])
    return claim_world


def _stay(world, **overrides) -> ClaimStay:
    return stays.stay_create(actor=world.claimant.user, enrolment_id=world.enrolment.pk,
                             facts=stay_facts(**overrides))


def _lines(stay) -> dict[str, Claim]:
    return {line.kind: line for line in Claim.objects.filter(stay=stay).exclude(state=S.WITHDRAWN)}


def _give_documents(world, stay):
    for kind, data, name in (("invoice", PDF_BYTES, "invoice.pdf"), ("discharge_summary", png_bytes(), "d.png"),
                             ("id_card", png_bytes(), "id.png")):
        stays.stay_document_add(actor=world.claimant.user, stay_id=stay.pk, kind=kind, upload=upload(data, name))


def test_one_stay_with_costs_files_both_kinds_with_their_own_facts(world):
    stay = _stay(world)
    lines = _lines(stay)
    assert set(lines) == {"hospital_daily", "inpatient_self_pay"}
    daily, self_pay = lines["hospital_daily"], lines["inpatient_self_pay"]
    assert daily.hospital == self_pay.hospital == "市第一医院"
    assert daily.admission_date == self_pay.admission_date and daily.state == self_pay.state == S.DRAFT
    assert daily.self_paid is None and daily.invoice_numbers == []  # the allowance asks no costs
    assert self_pay.self_paid == Decimal("5000.00") and self_pay.invoice_numbers == ["FP20260001", "FP20260002"]
    assert daily.bank_account == self_pay.bank_account == "6222020200112233445"


def test_a_stay_without_self_paid_costs_files_the_allowance_only_and_says_why(client, world):
    stay = _stay(world, total_cost="", self_paid="", bed_fee="", invoice_numbers="")
    assert set(_lines(stay)) == {"hospital_daily"}
    client.force_login(world.claimant.user)
    page = client.get(f"/benefits/claims/stays/{stay.pk}/").content.decode()
    assert "住院津贴" in page and "本次住院没有填写个人自付费用，不申请住院自付费用补助。" in page


def test_documents_are_uploaded_once_and_every_line_holds_them(world):
    stay = _stay(world)
    _give_documents(world, stay)
    lines = _lines(stay)
    for line in lines.values():
        assert sorted(ClaimDocument.objects.filter(claim=line).values_list("kind", flat=True)) == [
            "discharge_summary", "id_card", "invoice"]
    files = set(ClaimDocument.objects.filter(claim__stay=stay).values_list("file", flat=True))
    assert len(files) == 3  # each file stored once, a row of it on both lines
    # Removing it once takes it off both lines.
    token = ClaimDocument.objects.filter(claim=lines["hospital_daily"], kind="id_card").get().token
    stays.stay_document_remove(actor=world.claimant.user, stay_id=stay.pk, token=token)
    assert not ClaimDocument.objects.filter(claim__stay=stay, kind="id_card", removed_at__isnull=True).exists()
    assert "身份证" in stays.stay_missing(list(lines.values()))


def test_one_submit_submits_every_line_or_none(world, django_capture_on_commit_callbacks):
    stay = _stay(world)
    stays.stay_document_add(actor=world.claimant.user, stay_id=stay.pk, kind="invoice",
                            upload=upload(PDF_BYTES, "invoice.pdf"))
    with pytest.raises(claims.ClaimError) as refused:
        stays.stay_submit(actor=world.claimant.user, stay_id=stay.pk)
    assert "出院小结" in refused.value.message and "身份证" in refused.value.message
    assert {line.state for line in _lines(stay).values()} == {S.DRAFT}  # nothing submitted half-way
    _give_documents(world, stay)
    with django_capture_on_commit_callbacks(execute=True):
        stays.stay_submit(actor=world.claimant.user, stay_id=stay.pk)
    lines = _lines(stay)
    # Each line assessed on its own: 10 days × 50.00, and (5000 − 500) × 20 %.
    assert {kind: (line.state, line.proposed_amount) for kind, line in lines.items()} == {
        "hospital_daily": (S.BASE_REVIEW, Decimal("500.00")),
        "inpatient_self_pay": (S.BASE_REVIEW, Decimal("900.00")),
    }
    with pytest.raises(claims.ClaimError) as again:
        stays.stay_submit(actor=world.claimant.user, stay_id=stay.pk)
    assert again.value.code == "wrong_state"


def test_after_submission_each_line_is_reviewed_returned_and_paid_on_its_own(world,
                                                                             django_capture_on_commit_callbacks):
    stay = _stay(world)
    _give_documents(world, stay)
    with django_capture_on_commit_callbacks(execute=True):
        stays.stay_submit(actor=world.claimant.user, stay_id=stay.pk)
    lines = _lines(stay)
    daily, self_pay = lines["hospital_daily"], lines["inpatient_self_pay"]
    claims.claim_return(actor=world.reviewer_base, claim_id=self_pay.pk, version=self_pay.version,
                        message="发票不清晰", items=["document:invoice"])
    daily = claims.claim_pass(actor=world.reviewer_base, claim_id=daily.pk, version=daily.version)
    claims.claim_approve(actor=world.reviewer_fed, claim_id=daily.pk, version=daily.version)
    lines = _lines(stay)
    assert (lines["hospital_daily"].state, lines["inpatient_self_pay"].state) == (S.APPROVED, S.RETURNED)
    # The stay can no longer be changed as one: the returned line is amended on its own.
    with pytest.raises(claims.ClaimError) as refused:
        stays.stay_update(actor=world.claimant.user, stay_id=stay.pk, facts={"hospital": "市第二医院"})
    assert refused.value.code == "wrong_state"
    claims.document_add(actor=world.claimant.user, claim_id=self_pay.pk, kind="invoice",
                        upload=upload(PDF_BYTES, "clear.pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        claims.claim_submit(actor=world.claimant.user, claim_id=self_pay.pk)
    assert _lines(stay)["inpatient_self_pay"].state == S.BASE_REVIEW
    # The returned line's new invoice is its own: the approved allowance's documents are untouched.
    assert ClaimDocument.objects.filter(claim=daily, kind="invoice").count() == 1


def test_changing_the_facts_before_submitting_changes_every_line_and_the_lines_that_apply(world):
    stay = _stay(world, total_cost="", self_paid="", bed_fee="", invoice_numbers="")
    _give_documents(world, stay)
    stays.stay_update(actor=world.claimant.user, stay_id=stay.pk,
                      facts={"hospital": "市第二医院", "total_cost": "8000", "self_paid": "3000",
                             "invoice_numbers": "FP1234"})
    lines = _lines(stay)
    assert set(lines) == {"hospital_daily", "inpatient_self_pay"}
    assert {line.hospital for line in lines.values()} == {"市第二医院"}
    # The new line holds the documents already given.
    assert ClaimDocument.objects.filter(claim=lines["inpatient_self_pay"], removed_at__isnull=True).count() == 3
    # Taking the cost away again withdraws that line, saying why; a later cost files a new one.
    stays.stay_update(actor=world.claimant.user, stay_id=stay.pk, facts={"self_paid": "", "invoice_numbers": []})
    withdrawn = Claim.objects.get(stay=stay, kind="inpatient_self_pay", state=S.WITHDRAWN)
    assert "没有填写个人自付费用" in withdrawn.events.get(action="withdraw").message
    stays.stay_update(actor=world.claimant.user, stay_id=stay.pk, facts={"self_paid": "100",
                                                                         "invoice_numbers": ["FP9999"]})
    assert Claim.objects.filter(stay=stay, kind="inpatient_self_pay").count() == 2
    assert set(_lines(stay)) == {"hospital_daily", "inpatient_self_pay"}


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"admission_date": "2026-03-10", "discharge_date": "2026-03-01"}, "discharge_date", "出院日期不能早于入院日期"),
    ({"self_paid": "13000"}, "self_paid", "个人自付金额不能超过医疗费用总额"),
    ({"bed_fee": "6000"}, "bed_fee", "床位费不能超过个人自付金额"),
    ({"hospital": ""}, "hospital", "请填写这一项"),
    ({"discharge_date": ""}, "discharge_date", "请填写这一项"),
    ({"total_cost": "１２ab"}, "total_cost", "请填写金额"),
])
def test_a_stay_that_contradicts_itself_is_refused_by_field_and_nothing_is_saved(world, overrides, field, message):
    with pytest.raises(claims.ClaimError) as refused:
        _stay(world, **overrides)
    assert message in str(refused.value.fields[field])
    assert not ClaimStay.objects.exists() and not Claim.objects.exists()


def test_an_outsider_cannot_see_change_add_to_or_submit_anothers_stay(client, world):
    stay = _stay(world)
    outsider = world.other.user
    for call in (lambda: stays.stay_update(actor=outsider, stay_id=stay.pk, facts={"hospital": "X"}),
                 lambda: stays.stay_submit(actor=outsider, stay_id=stay.pk),
                 lambda: stays.stay_document_add(actor=outsider, stay_id=stay.pk, kind="invoice",
                                                 upload=upload(PDF_BYTES, "a.pdf"))):
        with pytest.raises(claims.ClaimError) as refused:
            call()
        assert refused.value.code == "not_found"
    with pytest.raises(claims.ClaimError):
        stays.stay_create(actor=outsider, enrolment_id=world.enrolment.pk, facts=stay_facts())
    client.force_login(outsider)
    assert client.get(f"/benefits/claims/stays/{stay.pk}/").status_code == 404
    assert client.post(f"/benefits/claims/stays/{stay.pk}/submit/").status_code == 404
    assert client.get(f"/api/v1/claims/stays/{stay.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/benefits/claims/stays/{stay.pk}/").status_code == 302  # to sign in
    assert client.get("/api/v1/claims/stays/").status_code in (401, 403)


def test_the_pages_enter_upload_and_submit_a_stay(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.claimant.user)
    page = client.get("/benefits/claims/stays/new/")
    assert page.status_code == 200 and "一次住院只填一次" in page.content.decode()
    bad = client.post("/benefits/claims/stays/new/", {"enrolment": world.enrolment.pk,
                                                      **stay_facts(discharge_date="2000-01-01")})
    assert bad.status_code == 400 and "出院日期不能早于入院日期" in bad.content.decode()
    assert not ClaimStay.objects.exists()
    answer = client.post("/benefits/claims/stays/new/", {"enrolment": world.enrolment.pk, **stay_facts()})
    stay = ClaimStay.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/benefits/claims/stays/{stay.pk}/"
    page = client.get(answer["Location"]).content.decode()
    assert "住院津贴" in page and "住院自付费用补助" in page and "一并提交 2 项申请" in page
    assert "****" not in page or "6222020200112233445" not in page
    uploaded = client.post(f"/benefits/claims/stays/{stay.pk}/documents/",
                           {"kind": "invoice", "file": [upload(PDF_BYTES, "a.pdf"), upload(png_bytes(), "b.png")]},
                           HTTP_ACCEPT="application/json")
    body = uploaded.json()
    assert uploaded.status_code == 200 and len(body["added"]) == 2
    assert {item["kind"]: item["present"] for item in body["checklist"]} == {
        "invoice": True, "discharge_summary": False, "id_card": False}
    for kind in ("discharge_summary", "id_card"):
        client.post(f"/benefits/claims/stays/{stay.pk}/documents/", {"kind": kind, "file": upload(png_bytes())})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/benefits/claims/stays/{stay.pk}/submit/")
    page = client.get(f"/benefits/claims/stays/{stay.pk}/").content.decode()
    assert page.count("基层工会审核中") == 2 and "¥500.00" in page and "¥900.00" in page
    line = Claim.objects.filter(stay=stay).first()
    assert f"/benefits/claims/stays/{stay.pk}/" in client.get(f"/benefits/claims/{line.pk}/").content.decode()


def test_the_api_enters_uploads_and_submits_a_stay(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.claimant.user)
    bad = client.post("/api/v1/claims/stays/", {"enrolment": world.enrolment.pk,
                                                          **stay_facts(self_paid="99999", invoice_numbers=["FP1"])},
                      content_type="application/json")
    assert bad.status_code == 400 and "self_paid" in bad.json()["error"]["fields"]
    made = client.post("/api/v1/claims/stays/", {"enrolment": world.enrolment.pk,
                                                           **stay_facts(invoice_numbers=["FP20260001"])},
                       content_type="application/json")
    assert made.status_code == 201, made.content
    stay = made.json()
    assert [line["kind"] for line in stay["lines"]] == ["hospital_daily", "inpatient_self_pay"]
    assert stay["editable"] and "发票" in "".join(stay["missing"])
    for kind, data in (("invoice", PDF_BYTES), ("discharge_summary", png_bytes()), ("id_card", png_bytes())):
        answer = client.post(f"/api/v1/claims/stays/{stay['id']}/documents/",
                             {"kind": kind, "file": upload(data, "f.pdf" if data == PDF_BYTES else "f.png")})
        assert answer.status_code == 201, answer.content
    changed = client.patch(f"/api/v1/claims/stays/{stay['id']}/", {"hospital": "市第三医院"},
                           content_type="application/json")
    assert {line["hospital"] for line in changed.json()["lines"]} == {"市第三医院"}
    assert len(changed.json()["documents"]) == 3
    with django_capture_on_commit_callbacks(execute=True):
        submitted = client.post(f"/api/v1/claims/stays/{stay['id']}/submit/")
    assert submitted.status_code == 200
    assert [line["state"] for line in submitted.json()["lines"]] == ["submitted", "submitted"]
    assert set(Claim.objects.filter(stay_id=stay["id"]).values_list("state", flat=True)) == {S.BASE_REVIEW}
    assert not submitted.json()["editable"]
    listed = client.get("/api/v1/claims/stays/").json()
    assert [item["id"] for item in listed["results"]] == [stay["id"]]
    client.force_login(world.other.user)
    assert client.get("/api/v1/claims/stays/").json()["results"] == []


def test_a_stay_draft_line_is_not_changed_or_submitted_on_its_own(client, world):
    stay = _stay(world)
    line = _lines(stay)["hospital_daily"]
    for call in (lambda: claims.claim_update(actor=world.claimant.user, claim_id=line.pk, facts={"hospital": "X"}),
                 lambda: claims.claim_submit(actor=world.claimant.user, claim_id=line.pk),
                 lambda: claims.document_add(actor=world.claimant.user, claim_id=line.pk, kind="invoice",
                                             upload=upload(PDF_BYTES, "a.pdf"))):
        with pytest.raises(claims.ClaimError) as refused:
            call()
        assert refused.value.code == "stay_draft"
    assert Claim.objects.get(pk=line.pk).hospital == "市第一医院"
    client.force_login(world.claimant.user)
    assert client.get(f"/benefits/claims/{line.pk}/edit/")["Location"] == f"/benefits/claims/stays/{stay.pk}/"
    answer = client.patch(f"/api/v1/claims/{line.pk}/", {"hospital": "X"}, content_type="application/json")
    assert answer.status_code == 400 and "住院申请" in answer.json()["error"]["message"]


def test_the_stay_page_gives_the_pickers_their_dates_and_the_payee_in_order(client, world):
    """A date picker left empty by a display format ("2026/11/02") would lose the date on the next save."""
    stay = _stay(world)
    client.force_login(world.claimant.user)
    page = client.get(f"/benefits/claims/stays/{stay.pk}/").content.decode()
    admission = Claim.objects.filter(stay=stay).first().admission_date.isoformat()
    assert f'name="admission_date" value="{admission}"' in page
    assert page.index('name="bank_name"') < page.index('name="bank_account"') < page.index('name="account_holder"')
