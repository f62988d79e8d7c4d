"""The bank transfer file of a payout batch (every kind of application in it), as CSV (UTF-8 with BOM, for
spreadsheet programs) or XLSX."""

import io

from django.http import HttpResponse
from openpyxl import Workbook

from core.spreadsheets import csv_writer, xlsx_append

from ..models import PayoutBatch, PayoutItem
from .payouts import batch_items

HEADER = ["序号", "户名", "开户银行", "银行账号", "金额", "申请编号", "摘要"]
ACCOUNT_COLUMN = 3


def batch_rows(batch: PayoutBatch) -> list[list]:
    rows = []
    for index, item in enumerate(
        (i for i in batch_items(batch) if i.status != PayoutItem.Status.FAILED), start=1
    ):
        application = item.application
        rows.append([index, application.account_holder, application.bank_name, application.bank_account, item.amount,
                     application.number, f"{item.kind.bank_memo} {batch.number}"])
    return rows


def batch_response(batch: PayoutBatch, fmt: str) -> HttpResponse:
    rows = batch_rows(batch)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv_writer(out, identifiers=(ACCOUNT_COLUMN,))
        writer.writerow(HEADER)
        writer.writerows([[*row[:4], f"{row[4]:.2f}", *row[5:]] for row in rows])
        response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    else:
        book = Workbook(write_only=True)
        sheet = book.create_sheet("转账")
        sheet.append(HEADER)
        for row in rows:
            # The account number stays text (a number cell would lose digits); the amount a Decimal number.
            xlsx_append(sheet, row, identifiers=(ACCOUNT_COLUMN,))
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="payout-{batch.number}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
