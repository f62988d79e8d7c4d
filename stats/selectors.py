"""Reads of the statistics app: the dashboard's charts and the fund's health, from the rollups only.

Every chart is a table first (`columns`, `rows`): the page shows it as a table a screen reader can read, the
downloads write it as CSV or XLSX, the API answers it, and stats.js draws it with ECharts from the same JSON.
The number of queries is fixed (the branch's own rows, its children's sums, and the names of the plans, tiers,
venues and stations those rows mention), whatever the number of claims, members or visits behind them.
"""

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from benefits.models import BenefitKind, HardshipFamily, Plan, ReviewState, Tier
from culture.models import Category, Venue
from members.models import Branch, StaffRole
from members.selectors import branches_in_scope
from stations.models import Station

from .models import Figure, Refresh

TIMELESS = datetime.date(2000, 1, 1)
REVIEW_DAYS_CAP = 60
MAX_RANGE_DAYS = 3 * 366  # three years of months (or of days for the visits) is what a phone can still read
STAFF_ROLES = None  # every staff role sees the figures of its branches (as the members' statistics)
CENT = Decimal("0.01")
LEVELS = {"base_review": gettext_lazy("基层工会审核"), "federation_review": gettext_lazy("上级工会复核")}
RANGED = ["visits.station", "culture", "culture.rating", "hardship", "aid", "review"]
ALL_PERIODS = ["members.flow", "members.now", "enrol", "claims"]


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, ROUND_HALF_UP)


def _month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _as_date(value) -> datetime.date:
    """SQLite hands dates of raw aggregates back as text."""
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


# --- who sees which branch ------------------------------------------------------------------------------------


def scope_for(user):
    return branches_in_scope(user)


def user_sees_statistics(user) -> bool:
    return scope_for(user).exists()


def branch_for(user, branch_id: int | None) -> Branch:
    """The branch asked for, or the top of the user's scope; a branch outside the scope answers 404, as a guessed
    id should."""
    scope = scope_for(user)
    branch = scope.order_by("depth", "path").first() if branch_id is None else scope.filter(pk=branch_id).first()
    if branch is None:
        raise Http404
    return branch


def branch_choices(user, branch: Branch) -> list[tuple[int, str]]:
    """The branches the filter offers: the branches where the user holds a role (every root for a superuser), the
    chosen branch's ancestors within the scope and its children — a path up and down the tree without listing
    thousands of base unions. Two queries."""
    held = Q(depth=1) if user.is_superuser else Q(pk__in=StaffRole.objects.filter(user=user).values("branch_id"))
    steplen = Branch.steplen
    ancestors = [branch.path[:end] for end in range(steplen, len(branch.path) + 1, steplen)]
    rows = (scope_for(user).filter(held | Q(path__in=ancestors) | Q(path__startswith=branch.path,
                                                                      depth=branch.depth + 1))
            .order_by("path").values_list("pk", "name", "depth"))
    rows = list(rows)
    top = min((depth for _pk, _name, depth in rows), default=1)
    return [(pk, ("\u00a0\u00a0" * (depth - top)) + name) for pk, name, depth in rows]


# --- the rows ---------------------------------------------------------------------------------------------------


def _branch_rows(branch: Branch, date_from: datetime.date, date_to: datetime.date) -> list[tuple]:
    months = (_month(date_from), _month(date_to))
    return list(
        Figure.objects.filter(branch=branch)
        .filter(Q(metric__in=ALL_PERIODS) | Q(metric__in=RANGED, period__range=months)
                | Q(metric="visits.day", period__range=(date_from, date_to)))
        .values_list("metric", "period", "k1", "k2", "k3", "n", "a1", "a2")
    )


def _children_rows(branch: Branch, date_from: datetime.date, date_to: datetime.date) -> list[dict]:
    months = (_month(date_from), _month(date_to))
    return list(
        Figure.objects.filter(branch__path__startswith=branch.path, branch__depth=branch.depth + 1)
        .filter(Q(metric="members.now") | Q(metric="claims", period__range=months))
        .values("branch_id", "branch__name", "metric", "k1")
        .annotate(n=Sum("n"), a1=Sum("a1"), a2=Sum("a2"))
        .order_by("branch__name", "branch_id")
    )


def refreshed_at():
    row = Refresh.objects.filter(metric="*").values_list("finished_at", flat=True).first()
    return row


# --- charts -----------------------------------------------------------------------------------------------------


def _chart(chart_id, title, kind, columns, rows, *, series=(1,), y2=(), note="", empty=None):
    return {
        "id": chart_id, "title": str(title), "type": kind, "columns": [str(c) for c in columns], "rows": rows,
        "series": list(series), "y2": list(y2), "note": str(note),
        "empty": str(empty or _("所选范围内没有数据。")) if not rows else "",
    }


def _number(value):
    """JSON and spreadsheets take Decimal as a plain number string; counts stay integers."""
    if isinstance(value, Decimal):
        return float(value.quantize(CENT))
    return value


def _median_p90(histogram: dict[int, int]) -> tuple[int | None, int | None, int]:
    total = sum(histogram.values())
    if not total:
        return None, None, 0
    median = p90 = None
    running = 0
    for days in sorted(histogram):
        running += histogram[days]
        if median is None and running * 2 >= total:
            median = days
        if p90 is None and running * 10 >= total * 9:
            p90 = days
    return median, p90, total


def dashboard(*, branch: Branch, date_from: datetime.date, date_to: datetime.date,
              today: datetime.date | None = None) -> dict:
    """Every chart of the dashboard for `branch` (its subtree) between two dates, and the fund's health."""
    rows = _branch_rows(branch, date_from, date_to)
    children = _children_rows(branch, date_from, date_to)
    m_from, m_to = _month(date_from), _month(date_to)
    by_metric = defaultdict(list)
    for metric, period, k1, k2, k3, n, a1, a2 in rows:
        by_metric[metric].append((_as_date(period), k1, k2, k3, int(n), Decimal(a1 or 0), Decimal(a2 or 0)))

    plan_ids = {int(r[1]) for r in by_metric["enrol"]} | {int(r[3]) for r in by_metric["claims"] if r[3]} | {
        int(r[3]) for r in by_metric["review"] if r[3]}
    plans = {p.pk: p for p in Plan.objects.filter(pk__in=plan_ids)}
    tiers = dict(Tier.objects.filter(pk__in={int(r[2]) for r in by_metric["enrol"]}).values_list("pk", "name"))
    venue_ids = {int(r[2]) for r in by_metric["culture"] + by_metric["culture.rating"] if r[2]}
    venues = dict(Venue.objects.filter(pk__in=venue_ids).values_list("pk", "name"))
    station_ids = {int(r[1]) for r in by_metric["visits.station"]}
    stations = {s[0]: s[1:] for s in Station.objects.filter(pk__in=station_ids)
                .values_list("pk", "name", "district", "lng", "lat")}

    charts = []
    charts += _member_charts(by_metric, children, m_from, m_to)
    charts += _benefit_charts(by_metric, children, plans, tiers, m_from, m_to)
    charts += _service_charts(by_metric, venues, stations)
    return {
        "branch": {"id": branch.pk, "name": branch.name},
        "date_from": date_from, "date_to": date_to,
        "refreshed_at": refreshed_at(),
        "charts": charts,
        "fund": fund_health(branch=branch, today=today, plans=list(plans.values()), rows=by_metric),
    }


def _member_charts(by_metric, children, m_from, m_to):
    now = {k1: n for _p, k1, _k2, _k3, n, _a1, _a2 in by_metric["members.now"]}
    flow = defaultdict(int)
    for period, k1, _k2, _k3, n, _a1, _a2 in by_metric["members.flow"]:
        flow[period] += n if k1 == "joined" else -n
    running = sum(v for p, v in flow.items() if p < m_from)
    over_time = []
    month = m_from
    while month <= m_to:
        running += flow.get(month, 0)
        over_time.append([month.strftime("%Y-%m"), running, _number(_percent(running, now.get("workers")))])
        month = _add_months(month, 1)
    if not any(r[1] for r in over_time):
        over_time = []
    per_child = defaultdict(lambda: {"members": 0, "workers": 0})
    names = {}
    for row in children:
        if row["metric"] == "members.now":
            per_child[row["branch_id"]][row["k1"]] = int(row["n"] or 0)
            names[row["branch_id"]] = row["branch__name"]
    by_branch = [[names[b], v["members"], v["workers"], _number(_percent(v["members"], v["workers"]))]
                 for b, v in per_child.items()]
    by_branch.sort(key=lambda r: -r[1])
    return [
        _chart("members_time", _("会员人数和入会率（按月）"), "line",
               [_("月份"), _("会员人数"), _("入会率（%）")], over_time, series=(1, 2), y2=(2,),
               note=_("会员人数按入会和离会时间逐月累计；入会率 = 会员人数 ÷ 目前登记的职工人数。")),
        _chart("members_branch", _("各下级组织的会员人数和入会率"), "bar",
               [_("组织"), _("会员人数"), _("职工人数"), _("入会率（%）")], by_branch, series=(1, 2)),
    ]


def _benefit_charts(by_metric, children, plans, tiers, m_from, m_to):
    labels_kind, labels_state = dict(BenefitKind.choices), dict(ReviewState.choices)
    enrol = []
    for _p, plan_id, tier_id, _k3, n, a1, a2 in sorted(by_metric["enrol"], key=lambda r: (r[1], r[2])):
        plan = plans.get(int(plan_id))
        enrol.append([f"{plan.year if plan else plan_id} {tiers.get(int(tier_id), tier_id)}", n,
                      _number(_money(a1)), _number(_money(a2))])
    enrol.sort(key=lambda r: r[0])

    claims = [r for r in by_metric["claims"] if m_from <= r[0] <= m_to]
    kind, state, month = defaultdict(lambda: [0, Decimal(0), Decimal(0)]), defaultdict(int), defaultdict(
        lambda: [Decimal(0), Decimal(0)])
    for period, k1, k2, _k3, n, a1, a2 in claims:
        kind[k1][0] += n
        kind[k1][1] += a1
        kind[k1][2] += a2
        state[k2] += n
        month[period][0] += a1
        month[period][1] += a2
    by_kind = sorted(([str(labels_kind.get(k, k)), v[0], _number(_money(v[1])), _number(_money(v[2]))]
                      for k, v in kind.items()), key=lambda r: -r[1])
    by_state = [[str(labels_state.get(k, k)), v] for k, v in sorted(state.items(), key=lambda kv: -kv[1])]
    amounts = [[p.strftime("%Y-%m"), _number(_money(v[0])), _number(_money(v[1]))] for p, v in sorted(month.items())]

    per_child = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    names = {}
    for row in children:
        if row["metric"] == "claims":
            values = per_child[row["branch_id"]]
            values[0] += int(row["n"] or 0)
            values[1] += Decimal(row["a1"] or 0)
            values[2] += Decimal(row["a2"] or 0)
            names[row["branch_id"]] = row["branch__name"]
    by_branch = sorted(([names[b], v[0], _number(_money(v[1])), _number(_money(v[2]))] for b, v in per_child.items()),
                       key=lambda r: -r[1])

    histograms = defaultdict(lambda: defaultdict(int))
    for _p, level, days, plan_id, n, _a1, _a2 in by_metric["review"]:
        histograms[(level, int(plan_id) if plan_id else 0)][int(days)] += n
    review = []
    for (level, plan_id), histogram in sorted(histograms.items(), key=lambda kv: (kv[0][1], kv[0][0] != "base_review")):
        median, p90, total = _median_p90(histogram)
        plan = plans.get(plan_id)
        review.append([f"{LEVELS.get(level, level)} {plan.year if plan else ''}".strip(), total, median, p90,
                       plan.review_service_days if plan else None])

    hardship_labels = dict(HardshipFamily.Status.choices)
    hardship = defaultdict(int)
    for _p, status, _k2, _k3, n, _a1, _a2 in by_metric["hardship"]:
        hardship[status] += n
    aid = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for _p, _state, _k2, year, n, a1, a2 in by_metric["aid"]:
        aid[year][0] += n
        aid[year][1] += a1
        aid[year][2] += a2
    return [
        _chart("enrolment", _("医疗互助参保人数、个人缴费和补贴（按年度、档次）"), "bar",
               [_("年度 档次"), _("参保人数"), _("个人或单位缴费（元）"), _("补贴（元）")], enrol, series=(2, 3, 1),
               y2=(1,)),
        _chart("claims_kind", _("补助申请件数和金额（按补助项目）"), "bar",
               [_("补助项目"), _("申请件数"), _("核定金额（元）"), _("已发放（元）")], by_kind, series=(1,)),
        _chart("claims_state", _("补助申请（按办理状态）"), "pie", [_("状态"), _("申请件数")], by_state),
        _chart("claims_branch", _("各下级组织的补助申请"), "bar",
               [_("组织"), _("申请件数"), _("核定金额（元）"), _("已发放（元）")], by_branch, series=(1,)),
        _chart("claims_amounts", _("每月核定和发放的补助金额"), "line",
               [_("提交月份"), _("核定金额（元）"), _("已发放（元）")], amounts, series=(1, 2)),
        _chart("review_time", _("各审核环节用时：中位数和第 90 百分位（天），与方案审核时限对比"), "bar",
               [_("审核环节"), _("决定次数"), _("中位数（天）"), _("第 90 百分位（天）"), _("审核时限（天）")], review,
               series=(2, 3, 4),
               note=_("从申请到达该环节到该环节作出决定（通过、退回或不予补助）；超过 %(cap)s 天的按 %(cap)s 天计。")
               % {"cap": REVIEW_DAYS_CAP}),
        _chart("hardship", _("困难职工家庭（按档案状态）"), "bar", [_("状态"), _("家庭数")],
               [[str(hardship_labels.get(k, k)), v] for k, v in sorted(hardship.items(), key=lambda kv: -kv[1])]),
        _chart("aid", _("金秋助学：申请和资助金额（按年度）"), "bar",
               [_("年度"), _("申请件数"), _("核定金额（元）"), _("已发放（元）")],
               [[y, v[0], _number(_money(v[1])), _number(_money(v[2]))] for y, v in sorted(aid.items())],
               series=(1, 2, 3), y2=(1,)),
    ]


def _service_charts(by_metric, venues, stations):
    days = sorted((p, n) for p, _k1, _k2, _k3, n, _a1, _a2 in by_metric["visits.day"])
    per_station = defaultdict(int)
    for _p, station_id, _k2, _k3, n, _a1, _a2 in by_metric["visits.station"]:
        per_station[int(station_id)] += n
    station_rows = []
    for station_id, n in sorted(per_station.items(), key=lambda kv: -kv[1]):
        if station_id in stations:
            name, district, lng, lat = stations[station_id]
            station_rows.append([name, district, round(lng, 5), round(lat, 5), n])

    category_labels = dict(Category.choices)
    category = defaultdict(lambda: [0, 0, 0, 0])
    venue = defaultdict(lambda: [0, 0, 0, 0])
    for _p, cat, venue_id, _k3, n, a1, _a2 in by_metric["culture"]:
        for bucket in (category[cat], venue[venue_id]):
            bucket[0] += n
            bucket[1] += int(a1)
    for _p, cat, venue_id, _k3, n, a1, _a2 in by_metric["culture.rating"]:
        for bucket in (category[cat], venue[venue_id]):
            bucket[2] += n
            bucket[3] += int(a1)

    def culture_row(label, v):
        average = (Decimal(v[3]) / v[2]).quantize(Decimal("0.1"), ROUND_HALF_UP) if v[2] else None
        return [label, v[0], v[1], _number(_percent(v[1], v[0])), v[2], _number(average)]

    columns = [_("预订人次"), _("到场人次"), _("到场率（%）"), _("评价数"), _("平均评分（5 分制）")]
    return [
        _chart("visits_day", _("驿站每日到访人次"), "line", [_("日期"), _("到访人次")],
               [[p.isoformat(), n] for p, n in days]),
        _chart("visits_map", _("各驿站到访人次（按位置）"), "map",
               [_("驿站"), _("所在区"), _("经度"), _("纬度"), _("到访人次")], station_rows, series=(4,)),
        _chart("culture_category", _("文化宫预订、到场和满意度（按类别）"), "bar", [_("类别"), *columns],
               [culture_row(str(category_labels.get(k, k)), v) for k, v in sorted(category.items())],
               series=(1, 2, 5), y2=(5,)),
        _chart("culture_venue", _("文化宫预订、到场和满意度（按场馆）"), "bar", [_("场馆"), *columns],
               sorted((culture_row(venues.get(int(k), k) if k else "—", v) for k, v in venue.items()),
                      key=lambda r: -r[1]),
               series=(1, 2, 5), y2=(5,)),
    ]


# --- fund health ------------------------------------------------------------------------------------------------


def fund_rows(branch: Branch) -> dict[str, list]:
    rows = defaultdict(list)
    for metric, period, k1, k2, k3, n, a1, a2 in Figure.objects.filter(
            branch=branch, metric__in=["enrol", "claims"]).values_list("metric", "period", "k1", "k2", "k3", "n",
                                                                       "a1", "a2"):
        rows[metric].append((_as_date(period), k1, k2, k3, int(n), Decimal(a1 or 0), Decimal(a2 or 0)))
    return rows


def fund_health(*, branch: Branch, today: datetime.date | None = None, plans: list[Plan] | None = None,
                rows: dict | None = None) -> dict:
    """Per plan year over the branch's subtree: fees and subsidies in; claims paid and approved-unpaid out; the
    balance and loss ratio; and for a plan whose cover runs today, a projection of the year-end balance."""
    today = today or timezone.localdate()
    rows = rows if rows is not None else fund_rows(branch)
    if plans is None:
        ids = {int(r[1]) for r in rows["enrol"]} | {int(r[3]) for r in rows["claims"] if r[3]}
        plans = list(Plan.objects.filter(pk__in=ids))
    income = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for _p, plan_id, _k2, _k3, _n, a1, a2 in rows["enrol"]:
        income[int(plan_id)][0] += a1
        income[int(plan_id)][1] += a2
    committed = defaultdict(lambda: defaultdict(Decimal))  # plan → submission month → approved (paid or not)
    paid, unpaid = defaultdict(Decimal), defaultdict(Decimal)
    for period, _kind, state, plan_id, _n, a1, a2 in rows["claims"]:
        if not plan_id:
            continue
        plan_id = int(plan_id)
        committed[plan_id][period] += a1
        paid[plan_id] += a2
        if state == ReviewState.APPROVED:
            unpaid[plan_id] += a1
    years = []
    for plan in sorted(plans, key=lambda p: (p.year, p.pk)):
        fees, subsidies = income[plan.pk]
        incoming = fees + subsidies
        outgoing = paid[plan.pk] + unpaid[plan.pk]
        row = {
            "plan_id": plan.pk, "year": plan.year, "plan": plan.name,
            "fees": _money(fees), "subsidies": _money(subsidies), "income": _money(incoming),
            "paid": _money(paid[plan.pk]), "approved_unpaid": _money(unpaid[plan.pk]),
            "balance": _money(incoming - outgoing),
            "loss_ratio": _percent(outgoing, incoming),
            "projected_claims": None, "projected_balance": None, "threshold": plan.fund_warning_balance,
            "warning": False, "method": "",
        }
        if plan.cover_starts <= today <= plan.cover_ends:
            _project(row, plan, plans, committed, today, incoming)
        years.append(row)
    return {"years": years}


def _project(row, plan, plans, committed, today, incoming):
    start = _month(plan.cover_starts)
    elapsed = (today.year - start.year) * 12 + today.month - start.month + 1
    length = (plan.cover_ends.year - start.year) * 12 + plan.cover_ends.month - start.month + 1
    so_far = sum(committed[plan.pk].values(), Decimal(0))
    shares = []
    for earlier in plans:
        if earlier.year >= plan.year or earlier.federation_id != plan.federation_id:
            continue
        total = sum(committed[earlier.pk].values(), Decimal(0))
        if total <= 0:
            continue
        cutoff = _add_months(_month(earlier.cover_starts), elapsed)
        early = sum((v for p, v in committed[earlier.pk].items() if p < cutoff), Decimal(0))
        shares.append(early / total)
    share = sum(shares, Decimal(0)) / len(shares) if shares else None
    if share and share > 0:
        projected = so_far / share
        row["method"] = _("预计年末支出 = 截至本月已核准金额 ÷ 往年同期已核准金额占全年的平均比例（%(n)s 个往年，比例 "
                          "%(share)s%%）。") % {"n": len(shares), "share": _percent(share, 1)}
    else:
        projected = so_far * length / max(elapsed, 1)
        row["method"] = _("没有可比的往年数据：预计年末支出 = 截至本月已核准金额 ÷ 已过月数 × 保障期月数。")
    row["projected_claims"] = _money(projected)
    row["projected_balance"] = _money(incoming - projected)
    row["warning"] = plan.fund_warning_balance is not None and row["projected_balance"] < plan.fund_warning_balance


def year_has_data(branch: Branch, year: int) -> bool:
    """Whether anything happened in the branch's subtree in `year` (a claim, a visit, a booking, a plan year…)."""
    within = Q(period__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 31))) & ~Q(
        metric__in=["members.now", "enrol"])
    plan_year = Q(metric="enrol", k1__in=[str(pk) for pk in Plan.objects.filter(year=year).values_list("pk",
                                                                                                        flat=True)])
    return Figure.objects.filter(branch=branch).filter(within | plan_year).exists()


def report_issuer(branch: Branch) -> str:
    """The union that issues the report: the branch itself (its name is the union's)."""
    return branch.name


def chart_by_id(data: dict, chart_id: str) -> dict:
    for chart in data["charts"]:
        if chart["id"] == chart_id:
            return chart
    raise Http404


def fund_table(data: dict) -> dict:
    """The fund's health as a chart table too (the page, the downloads and the yearly report use it)."""
    rows = [[r["year"], r["plan"], _number(r["income"]), _number(r["paid"]), _number(r["approved_unpaid"]),
             _number(r["balance"]), _number(r["loss_ratio"]), _number(r["projected_balance"])]
            for r in data["fund"]["years"]]
    return _chart("fund", _("互助基金收支（按方案年度）"), "bar",
                  [_("年度"), _("方案"), _("缴费和补贴收入（元）"), _("已发放（元）"), _("已核准未发放（元）"),
                   _("结余（元）"), _("赔付率（%）"), _("预计年末结余（元）")], rows, series=(2, 3, 4, 5))
