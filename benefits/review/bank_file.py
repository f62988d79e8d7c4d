"""The bank transfer file of a payout batch (every kind of application in it), as CSV (UTF-8 with BOM, for
spreadsheet programs) or XLSX."""

from django.http import HttpResponse

from core.spreadsheets import spreadsheet_response

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
        rows = [[*row[:4], f"{row[4]:.2f}", *row[5:]] for row in rows]
    return spreadsheet_response(fmt=fmt, filename=f"payout-{batch.number}", sheet="转账", header=HEADER, rows=rows,
                                identifiers=(ACCOUNT_COLUMN,))
