"""XLSX export of a plan's enrolments in the staff member's scope (openpyxl, write-only: constant memory)."""

from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.spreadsheets import xlsx_append

from . import selectors
from .models import Enrolment, Plan


def enrolments_xlsx(user, *, plan: Plan, stream) -> None:
    workbook = Workbook(write_only=True)
    summary = selectors.enrolment_summary(user, plan=plan)
    sheet = workbook.create_sheet(_("汇总"))
    xlsx_append(sheet, [_("工会"), _("档次"), _("年缴费"), _("已生效人数"), _("待缴费人数"), _("已收个人/单位缴费"),
                  _("补贴金额"), _("未缴金额")])
    for row in summary["rows"]:
        xlsx_append(sheet, [row["branch__name"], row["tier__name"], row["tier__fee"], row["active"], row["pending"],
                      row["collected"], row["subsidies"], row["unpaid"]])
    totals = summary["totals"]
    if totals:
        xlsx_append(sheet, [_("合计"), "", "", totals["active"], totals["pending"], totals["collected"],
                      totals["subsidies"], totals["unpaid"]])
    sheet = workbook.create_sheet(_("补贴"))
    xlsx_append(sheet, [_("补贴单位"), _("人数"), _("补贴金额")])
    for row in summary["subsidies_by_payer"]:
        xlsx_append(sheet, [row["subsidy_rule__paying_branch__name"], row["count"], row["amount"]])
    sheet = workbook.create_sheet(_("参保名单"))
    xlsx_append(sheet, [_("会员号"), _("姓名"), _("工会"), _("档次"), _("状态"), _("应缴"), _("个人/单位缴纳"),
                  _("补贴"), _("补贴单位"), _("缴费单号"), _("集体缴费"), _("保障开始"), _("保障结束"), _("等待期至")])
    rows = (
        selectors.enrolments_in_scope(user).filter(plan=plan)
        .order_by("branch__path", "member__member_number")
        .values_list("member__member_number", "member__name", "branch__name", "tier__name", "status", "fee",
                     "member_part", "subsidy_part", "subsidy_rule__paying_branch__name", "payment__number",
                     "payment__is_group", "cover_start", "cover_end", "waiting_until")
    )
    labels = dict(Enrolment.Status.choices)
    for row in rows.iterator(chunk_size=2000):
        row = list(row)
        row[4] = str(labels.get(row[4], row[4]))
        row[10] = _("是") if row[10] else ""
        xlsx_append(sheet, row, identifiers=(0, 9))  # member and payment numbers
    workbook.save(stream)
