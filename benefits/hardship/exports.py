"""The register's statistics as a spreadsheet (XLSX) or CSV, through core.spreadsheets like every file the
portal writes (a branch name typed as a formula stays text)."""

from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.spreadsheets import csv_writer, xlsx_append

from .selectors import Statistics


def _header(stats: Statistics) -> list:
    return [_("工会"), *[str(label) for _value, label in stats.levels], *[str(label) for _value, label in stats.causes],
            _("在册合计"), _("核实中")]


def _rows(stats: Statistics):
    for row in stats.rows:
        yield [row["branch"], *row["levels"], *row["causes"], row["total"], row["in_progress"]]
    totals = stats.totals
    yield [_("合计"), *totals["levels"], *totals["causes"], totals["total"], totals["in_progress"]]


def statistics_xlsx(stats: Statistics, *, stream) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("困难职工家庭"))
    xlsx_append(sheet, _header(stats))
    for row in _rows(stats):
        xlsx_append(sheet, row)
    workbook.save(stream)


def statistics_csv(stats: Statistics, *, out) -> None:
    writer = csv_writer(out)
    writer.writerow(_header(stats))
    writer.writerows(_rows(stats))
