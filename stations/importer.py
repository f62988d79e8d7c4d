"""Bulk import of stations from CSV or XLSX, with a row-by-row error report.

All or nothing: every row is checked first and the errors listed as (row, column, message); only a file
without errors is saved. Coordinates may be GCJ-02 (picked on Amap/Tencent maps): a `coord_system` column
per row, or the option for the whole file, says which, and they are converted to WGS-84.

Columns (Chinese or English header): 编号 code, 类别 kind, 名称 name, 合作单位类型 partner_type,
合作单位 partner_name, 管理工会 branch, 所在区 district, 地址 address, 纬度 lat, 经度 lng, 坐标系 coord_system,
电话 phone, 设施 amenities (codes or names separated by 、,;), 开放时间 hours (see stations.hours).
"""

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from core.services import audit_log
from core.spreadsheets import csv_unneutralise
from members.selectors import branches_in_scope

from .hours import HoursError, hours_parse
from .models import AMENITIES, OpeningHours, Station, amenity_field
from .selectors import STATION_MANAGER_ROLES
from .services import StationError, coordinates_to_wgs84

MAX_ROWS = 50_000

COLUMNS = {
    "code": ["code", "编号", "站点编号"],
    "kind": ["kind", "类别", "类型"],
    "name": ["name", "名称", "站点名称"],
    "partner_type": ["partner_type", "合作单位类型"],
    "partner_name": ["partner_name", "合作单位"],
    "branch": ["branch", "管理工会"],
    "district": ["district", "所在区", "区"],
    "address": ["address", "地址"],
    "lat": ["lat", "纬度"],
    "lng": ["lng", "经度"],
    "coord_system": ["coord_system", "坐标系"],
    "phone": ["phone", "电话", "联系电话"],
    "amenities": ["amenities", "设施"],
    "hours": ["hours", "开放时间"],
}
REQUIRED = ["name", "district", "address", "lat", "lng"]
HEADER_ALIASES = {alias.lower(): key for key, aliases in COLUMNS.items() for alias in aliases}


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _read_rows(upload, filename: str) -> list[list[str]]:
    name = filename.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(upload, read_only=True, data_only=True)
        except Exception as e:
            raise StationError(_("无法读取 Excel 文件，请确认是 .xlsx 格式。")) from e
        sheet = workbook.worksheets[0]
        rows = [["" if v is None else str(v).strip() for v in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
        return rows
    if name.endswith(".csv"):
        raw = upload.read()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise StationError(_("无法识别 CSV 文件的编码，请另存为 UTF-8。"))
        # A file the portal exported has formula-like text behind an apostrophe (core/spreadsheets.py): taken off.
        return [[csv_unneutralise(c.strip()) for c in row] for row in csv.reader(io.StringIO(text))]
    raise StationError(_("只支持 .csv 和 .xlsx 文件。"))


def _choice(value: str, choices) -> str | None:
    """A choice given as its code or its label (in either language)."""
    value = value.strip()
    for code, label in choices:
        if value.lower() == code or value == str(label):
            return code
    return None


def _amenities(value: str) -> list[str]:
    codes = []
    for part in value.replace("、", ",").replace(";", ",").replace("；", ",").replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        code = _choice(part, AMENITIES)
        if code is None:
            raise StationError(_("未知设施“%(a)s”。") % {"a": part})
        codes.append(code)
    return codes


def stations_import(*, actor, upload, filename: str, default_branch=None, coord_system: str = "wgs84") -> ImportReport:
    """Checks every row of the file and, when none has an error, creates the stations and their hours."""
    report = ImportReport()
    rows = _read_rows(upload, filename)
    if not rows:
        report.errors.append(RowError(1, "", _("文件是空的。")))
        return report
    header = [HEADER_ALIASES.get(h.strip().lower()) for h in rows[0]]
    missing = [key for key in REQUIRED if key not in header]
    if "branch" not in header and default_branch is None:
        missing.append("branch")
    if missing:
        for key in missing:
            report.errors.append(RowError(1, key, _("缺少“%(column)s”列。") % {"column": COLUMNS[key][1]}))
        return report
    if len(rows) - 1 > MAX_ROWS:
        report.errors.append(RowError(1, "", _("一次最多导入 %(n)s 行。") % {"n": MAX_ROWS}))
        return report

    scope = list(branches_in_scope(actor, roles=STATION_MANAGER_ROLES))
    by_name: dict[str, list] = {}
    for branch in scope:
        by_name.setdefault(branch.name, []).append(branch)
    scope_ids = {b.pk for b in scope}
    if default_branch is not None and default_branch.pk not in scope_ids:
        report.errors.append(RowError(1, "branch", _("默认管理工会不在您的管理范围内。")))
        return report
    codes_in_file: set[str] = set()
    code_at = header.index("code") if "code" in header else None
    all_codes = [r[code_at].strip() for r in rows[1:] if code_at is not None and len(r) > code_at and r[code_at]]
    taken_codes = set(Station.objects.filter(code__in=all_codes).values_list("code", flat=True))

    prepared: list[tuple[Station, list]] = []
    for row_number, raw in enumerate(rows[1:], start=2):
        if not any(raw):
            continue
        values = {key: (raw[i] if i < len(raw) else "") for i, key in enumerate(header) if key}
        errors_before = len(report.errors)

        def error(column: str, message: str, row_number=row_number) -> None:
            report.errors.append(RowError(row_number, COLUMNS[column][1] if column in COLUMNS else column, message))

        for key in REQUIRED:
            if not values.get(key):
                error(key, _("必填。"))
        kind = Station.Kind.REST
        if values.get("kind"):
            kind = _choice(values["kind"], Station.Kind.choices)
            if kind is None:
                error("kind", _("类别只能是“户外劳动者驿站”(rest) 或“职工服务站”(service)。"))
        partner_type = ""
        if values.get("partner_type"):
            partner_type = _choice(values["partner_type"], Station.PartnerType.choices)
            if partner_type is None:
                error("partner_type", _("未知的合作单位类型。"))
        branch = default_branch
        if values.get("branch"):
            matches = by_name.get(values["branch"], [])
            if not matches:
                error("branch", _("工会“%(b)s”不存在或不在您的管理范围内。") % {"b": values["branch"]})
            elif len(matches) > 1:
                error("branch", _("有多个名为“%(b)s”的工会，请联系管理员。") % {"b": values["branch"]})
            else:
                branch = matches[0]
        code = values.get("code") or None
        if code:
            if code in codes_in_file:
                error("code", _("编号在文件中重复。"))
            elif code in taken_codes:
                error("code", _("编号已被其他站点使用。"))
            codes_in_file.add(code)
        lat = lng = None
        if values.get("lat") and values.get("lng"):
            try:
                lat, lng = float(values["lat"]), float(values["lng"])
            except ValueError:
                error("lat", _("经纬度须为数字。"))
            else:
                system = (values.get("coord_system") or coord_system).strip().lower()
                try:
                    lat, lng = coordinates_to_wgs84(lat, lng, system=system)
                except StationError as e:
                    error(e.field or "lat", e.message)
        amenity_codes: list[str] = []
        if values.get("amenities"):
            try:
                amenity_codes = _amenities(values["amenities"])
            except StationError as e:
                error("amenities", e.message)
        intervals: list = []
        if values.get("hours"):
            try:
                intervals = hours_parse(values["hours"])
            except HoursError as e:
                error("hours", e.message)
        for key, limit in (("name", 200), ("address", 255), ("district", 50), ("phone", 30), ("partner_name", 200)):
            if len(values.get(key, "")) > limit:
                error(key, _("最多 %(n)s 个字。") % {"n": limit})
        if len(report.errors) > errors_before:
            continue
        station = Station(
            code=code, kind=kind, name=values["name"], partner_type=partner_type or "",
            partner_name=values.get("partner_name", ""), branch=branch, district=values["district"],
            address=values["address"], lat=lat, lng=lng, phone=values.get("phone", ""),
            **{amenity_field(c): True for c in amenity_codes},
        )
        prepared.append((station, intervals))

    if report.errors:
        return report
    with transaction.atomic():
        created = Station.objects.bulk_create([s for s, _i in prepared], batch_size=1000)
        OpeningHours.objects.bulk_create(
            (
                OpeningHours(station=s, weekday=i.weekday, opens=i.opens, closes=i.closes,
                             closes_next_day=i.closes_next_day)
                for s, intervals in zip(created, (i for _s, i in prepared), strict=True)
                for i in intervals
            ),
            batch_size=2000,
        )
        audit_log(actor=actor, action="station.imported", data={"file": filename, "created": len(created)})
    report.created = len(created)
    return report
