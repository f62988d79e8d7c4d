"""Helpers for the data-work tests: import files built in memory."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

HEADER_ZH = ["姓名", "身份证号", "手机号", "工作单位", "就业形态"]
HEADER_EN = ["name", "id_number", "mobile", "employer", "employment_type"]


def csv_bytes(rows, *, header=HEADER_ZH, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, *, header=HEADER_ZH) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if header is not None:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(content: bytes, name="workers.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def worker_row(serial: int, *, name=None, mobile=None, employer="鹭江机械有限公司", kind="标准劳动关系"):
    from tests.factories import id_number_for

    return [name or f"工人{serial}", id_number_for(serial, birth="19900101"), mobile or f"138{serial:08d}", employer,
            kind]
