"""The yearly statistics report (年度统计报告) of a branch, in Chinese: key figures, charts drawn with reportlab's own
canvas (bars and a line, labels in the embedded font, so every viewer shows the same page), the fund's health, and
the issuing union and date. Like the decision letters it is the union's document: fixed Chinese text whatever the
page's language. Its figures are the dashboard's (stats.selectors.dashboard over the year)."""

import io
from decimal import Decimal

from django.utils import timezone
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from benefits.review.letter_pdf import GREY, LEFT, Letter, date_text
from core.typesetting import draw_text, pdf_font, text_width

INK = Color(0, 0, 0)
BAR_COLOURS = [Color(0.70, 0.13, 0.13), Color(0.20, 0.40, 0.70), Color(0.35, 0.60, 0.30)]
CHART_HEIGHT = 52 * mm


def _number_text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float | Decimal):
        return f"{value:,.2f}"
    return f"{value:,}"


def _bar_chart(letter: Letter, chart: dict, series: list[int], *, title: str, limit: int = 12) -> None:
    """Grouped bars of `series` (column indexes of the chart's table) per row, at most `limit` rows, with a
    value scale and the row labels under the bars."""
    rows = chart["rows"][:limit]
    letter.room(CHART_HEIGHT + 16 * mm)
    letter.gap(8 * mm)
    pdf = letter.pdf
    draw_text(pdf, LEFT, letter.y, title, 11)
    if not rows:
        letter.gap(7 * mm)
        pdf.setFillColor(GREY)
        draw_text(pdf, LEFT, letter.y, "本年度没有数据。", 9)
        pdf.setFillColor(INK)
        return
    top = letter.y - 6 * mm
    bottom = top - CHART_HEIGHT + 12 * mm
    width = letter.text_width
    most = max((float(r[i] or 0) for r in rows for i in series), default=0) or 1.0
    pdf.setStrokeColor(GREY)
    pdf.setLineWidth(0.4)
    for step in range(5):
        y = bottom + (top - bottom) * step / 4
        pdf.line(LEFT + 18 * mm, y, LEFT + width, y)
        pdf.setFillColor(GREY)
        tick = most * step / 4
        draw_text(pdf, LEFT + 16 * mm, y - 2.5, f"{tick:,.0f}" if most >= 20 else f"{tick:.1f}", 7, align="right")
    slot = (width - 20 * mm) / len(rows)
    bar = min(slot * 0.8 / len(series), 12 * mm)
    for index, row in enumerate(rows):
        x = LEFT + 20 * mm + index * slot + (slot - bar * len(series)) / 2
        for k, column in enumerate(series):
            height = (top - bottom) * float(row[column] or 0) / most
            pdf.setFillColor(BAR_COLOURS[k % len(BAR_COLOURS)])
            pdf.rect(x + k * bar, bottom, bar * 0.92, height, stroke=0, fill=1)
        pdf.setFillColor(INK)
        label = str(row[0])
        while label and text_width(label, 7) > slot - 2:
            label = label[:-1]
        draw_text(pdf, LEFT + 20 * mm + index * slot + slot / 2, bottom - 9, label, 7, align="centre")
    # The legend: which colour is which column.
    x = LEFT + 20 * mm
    for k, column in enumerate(series):
        pdf.setFillColor(BAR_COLOURS[k % len(BAR_COLOURS)])
        pdf.rect(x, bottom - 22, 8, 6, stroke=0, fill=1)
        pdf.setFillColor(INK)
        x += 10 + draw_text(pdf, x + 10, bottom - 22, chart["columns"][column], 7) + 12
    letter.y = bottom - 26


def _monthly(rows: list[list], value_index: int) -> list[list]:
    """Daily rows summed by month (the visits chart), as [YYYY-MM, total]."""
    months: dict[str, int] = {}
    for row in rows:
        months[str(row[0])[:7]] = months.get(str(row[0])[:7], 0) + int(row[value_index] or 0)
    return [[month[5:] + "月", total] for month, total in sorted(months.items())]


def yearly_report_pdf(*, data: dict, year: int, issuer: str) -> bytes:
    charts = {c["id"]: c for c in data["charts"]}
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=pdf_font())
    branch = data["branch"]["name"]
    pdf.setTitle(f"{branch}{year}年度统计报告")
    pdf.setAuthor(issuer)
    today = timezone.localdate()
    letter = Letter(pdf, title=f"{year}年度统计报告", number=f"{data['branch']['id']}-{year}", issuer=issuer)

    letter.y -= 6 * mm
    draw_text(pdf, letter.width / 2, letter.y, branch, 14, align="centre")
    letter.y -= 11 * mm
    draw_text(pdf, letter.width / 2, letter.y, f"{year}年度工会服务统计报告", 18, align="centre")
    letter.y -= 9 * mm
    pdf.setFillColor(GREY)
    period = f"{date_text(data['date_from'])}至{date_text(data['date_to'])}"
    draw_text(pdf, letter.width / 2, letter.y, f"统计范围：{branch}及全部下级组织　统计期间：{period}", 9,
              align="centre")
    pdf.setFillColor(INK)

    members = charts["members_time"]["rows"]
    claims = charts["claims_kind"]["rows"]
    visits = charts["visits_day"]["rows"]
    culture = charts["culture_category"]["rows"]
    aid = charts["aid"]["rows"]
    hardship = charts["hardship"]["rows"]
    enrolment = [r for r in charts["enrolment"]["rows"] if str(r[0]).startswith(str(year))]
    letter.gap(4 * mm)
    letter.lines("一、主要数字", size=12)
    for label, value in [
        ("年末会员人数", _number_text(members[-1][1]) + " 人" if members else "—"),
        ("入会率", f"{members[-1][2]}%" if members and members[-1][2] is not None else "—"),
        ("医疗互助参保", f"{_number_text(sum(r[1] for r in enrolment))} 人" if enrolment else "—"),
        ("补助申请", f"{_number_text(sum(r[1] for r in claims))} 件"),
        ("核定补助金额", f"{_number_text(sum(Decimal(str(r[2])) for r in claims))} 元"),
        ("已发放补助", f"{_number_text(sum(Decimal(str(r[3])) for r in claims))} 元"),
        ("驿站到访", f"{_number_text(sum(r[1] for r in visits))} 人次"),
        ("文化宫预订", f"{_number_text(sum(r[1] for r in culture))} 人次"),
        ("困难职工家庭", f"{_number_text(sum(r[1] for r in hardship))} 户"),
        ("金秋助学", f"{_number_text(sum(r[1] for r in aid))} 件，核定 "
                     f"{_number_text(sum(Decimal(str(r[2])) for r in aid))} 元"),
    ]:
        letter.row(label, value, size=10)

    letter.gap(4 * mm)
    letter.lines("二、图表", size=12)
    _bar_chart(letter, charts["claims_kind"], [1], title="补助申请件数（按补助项目）")
    _bar_chart(letter, charts["claims_amounts"], [1, 2], title="每月核定和发放的补助金额（元）")
    _bar_chart(letter, {"rows": _monthly(visits, 1), "columns": ["月份", "到访人次"]}, [1],
               title="驿站每月到访人次")
    _bar_chart(letter, charts["culture_category"], [1, 2], title="文化宫预订和到场人次（按类别）")

    letter.room(40 * mm)
    letter.gap(6 * mm)
    letter.lines("三、互助基金运行情况", size=12)
    years = [y for y in data["fund"]["years"] if y["year"] == year]
    if not years:
        letter.lines("本年度没有互助方案的收支。", size=10)
    for row in years:
        letter.lines(row["plan"], size=10.5)
        letter.row("缴费和补贴收入", f"{_number_text(row['income'])} 元", size=10)
        letter.row("已发放", f"{_number_text(row['paid'])} 元", size=10)
        letter.row("已核准未发放", f"{_number_text(row['approved_unpaid'])} 元", size=10)
        letter.row("结余", f"{_number_text(row['balance'])} 元", size=10)
        letter.row("赔付率", f"{row['loss_ratio']}%" if row["loss_ratio"] is not None else "—", size=10)
        if row["projected_balance"] is not None:
            letter.row("预计年末结余", f"{_number_text(row['projected_balance'])} 元", size=10)
            letter.lines(f"预测方法：{row['method']}", size=8.5)
        if row["warning"]:
            letter.lines(f"预警：预计年末结余低于方案设定的预警余额 {_number_text(row['threshold'])} 元。", size=10)

    letter.room(30 * mm)
    letter.gap(14 * mm)
    draw_text(pdf, letter.width - LEFT, letter.y, issuer, 12, align="right")
    letter.gap(8 * mm)
    draw_text(pdf, letter.width - LEFT, letter.y, date_text(today), 11, align="right")
    letter.finish()
    pdf.save()
    return buffer.getvalue()
