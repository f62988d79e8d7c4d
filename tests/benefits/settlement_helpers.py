"""Building settlement files for the tests: rows in the documented layout, as CSV or XLSX uploads."""

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

HEADER = ["身份证号", "姓名", "医院", "入院日期", "出院日期", "医疗费用总额", "个人自付", "床位费", "结算单号",
          "诊断编码"]


def record_row(member, number: str, *, days_ago: int = 20, length: int = 4, **overrides) -> list:
    today = timezone.localdate()
    start = today - timedelta(days=days_ago)
    row = {
        "id_number": member.id_number, "name": member.name, "hospital": "市第一医院", "admission": start.isoformat(),
        "discharge": (start + timedelta(days=length)).isoformat(), "total": "12000.00", "self_paid": "5000.00",
        "bed": "300.00", "number": number, "code": "K35.9",
    }
    row.update(overrides)
    return [row["id_number"], row["name"], row["hospital"], row["admission"], row["discharge"], row["total"],
            row["self_paid"], row["bed"], row["number"], row["code"]]


def csv_upload(rows, *, header=None, name="records.csv") -> SimpleUploadedFile:
    lines = [",".join(header or HEADER)] + [",".join(str(v) for v in row) for row in rows]
    return SimpleUploadedFile(name, ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"), content_type="text/csv")


def xlsx_upload(rows, *, name="records.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def api_record(member, number: str, **overrides) -> dict:
    row = record_row(member, number, **overrides)
    keys = ["id_number", "name", "hospital", "admission_date", "discharge_date", "total_cost", "self_paid", "bed_fee",
            "settlement_number", "diagnosis_code"]
    return dict(zip(keys, row, strict=True))
